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
