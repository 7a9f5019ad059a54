"""Span links to creation contexts: telemetry.link_to reads a traceparent by hand (it is on the relay's path) and
must read exactly what the W3C propagator reads."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pzh_shared.telemetry import link_to, links_to

TRACE, SPAN = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
CASES = [
    f"00-{TRACE}-{SPAN}-01", f"00-{TRACE}-{SPAN}-00", f"00-{TRACE}-{SPAN}-03", f" 00-{TRACE}-{SPAN}-01 ",
    f"01-{TRACE}-{SPAN}-01-later-fields", f"00-{TRACE}-{SPAN}-01-extra", f"ff-{TRACE}-{SPAN}-01",
    f"00-{'0' * 32}-{SPAN}-01", f"00-{TRACE}-{'0' * 16}-01", f"00-{TRACE.upper()}-{SPAN}-01",
    f"00-{TRACE[:-1]}-{SPAN}-01",
    f"00-{TRACE}-{SPAN}", f"00-{TRACE}-{SPAN[:-1]}_-01", f"0-{TRACE}-{SPAN}-01", "", "garbage", None,
]


def _propagated(traceparent: str | None) -> trace.SpanContext | None:
    carrier = {"traceparent": traceparent} if traceparent is not None else {}
    span_context = trace.get_current_span(TraceContextTextMapPropagator().extract(carrier)).get_span_context()
    return span_context if span_context.is_valid else None


@pytest.mark.parametrize("traceparent", CASES)
def test_link_to_reads_a_traceparent_as_the_propagator_does(traceparent):
    link = link_to(traceparent)
    expected = _propagated(traceparent)
    assert (link and link.context) == expected
    if link is not None:
        assert link.context.is_remote and link.context.trace_flags == expected.trace_flags


def test_links_to_links_each_distinct_creation_context_once():
    first, second = f"00-{TRACE}-{SPAN}-01", f"00-{TRACE}-{'1' * 16}-01"
    links = links_to([first, None, second, first, "garbage", second])
    assert [link.context for link in links] == [_propagated(first), _propagated(second)]
