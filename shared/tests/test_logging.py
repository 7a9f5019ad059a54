import json
import logging

from opentelemetry.sdk.trace import TracerProvider
from pzh_shared.process import JsonTraceFormatter


def _line(record_message: str) -> dict:
    record = logging.LogRecord("pzh.test", logging.WARNING, __file__, 1, record_message, None, None)
    return json.loads(JsonTraceFormatter("registry-relay").format(record))


def test_a_log_line_inside_a_span_carries_its_trace_and_span_ids():
    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("relay page") as span:
        line = _line("发布失败，稍后重试")
        ctx = span.get_span_context()
    assert line["trace_id"] == f"{ctx.trace_id:032x}" and line["span_id"] == f"{ctx.span_id:016x}"
    assert (line["service"], line["level"], line["message"]) == ("registry-relay", "WARNING", "发布失败，稍后重试")


def test_a_log_line_outside_any_span_has_no_trace_fields():
    assert "trace_id" not in _line("idle")


def test_repeats_of_one_kind_are_logged_once_then_counted_and_their_end_is_said():
    """Issue 20 item 3: a broker outage made every process log each failed reconnect."""
    import io

    from pzh_shared.process import RepeatLimiter

    now = [0.0]
    limiter = RepeatLimiter(window=10, clock=lambda: now[0])
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(limiter)
    log = logging.getLogger("pzh.test.repeats")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO)
    try:
        for n in range(300):  # 30 s of one error every 0.1 s, each with other arguments
            now[0] = n / 10
            log.error("Unable connect to node with id %s: %s", 1, f"attempt {n}")
        log.warning("another kind")
        log.info("info is never held")
        log.info("info is never held")
        assert out.getvalue().splitlines() == ["Unable connect to node with id 1: attempt 0", "another kind",
                                               "info is never held", "info is never held"]
        assert limiter.summary() == [
            'held back in the last 10 s: ERROR pzh.test.repeats "Unable connect to node with id %s: %s": 299 more '
            "(log level DEBUG shows all)"]
        now[0] = 29.9 + 10  # quiet for a window: the episode is over
        assert limiter.summary() == [
            'no longer seen: ERROR pzh.test.repeats "Unable connect to node with id %s: %s", 300 times in 30 s']
        log.error("Unable connect to node with id %s: %s", 1, "again")  # a new episode shows again
        assert out.getvalue().splitlines()[-1] == "Unable connect to node with id 1: again"
    finally:
        log.removeHandler(handler)
