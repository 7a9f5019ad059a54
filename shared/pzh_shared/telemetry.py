"""OpenTelemetry set-up for every process, and trace context carried through stored events and
Kafka headers.

Spans never carry personal data: attributes are ids, event types and counts only.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from opentelemetry import context, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from fastapi import FastAPI

_propagator = TraceContextTextMapPropagator()
_configured = False

# A relay page (500 events by default) or a consumed batch links one span to each distinct creation context in it;
# the SDK's default (128 links) would drop the rest, and with them the way from a command to its batch.
MAX_LINKS = 2000


class JsonLinesSpanExporter(SpanExporter):
    """Appends one JSON line per finished span; lets tests see spans from several processes."""

    def __init__(self, path: Path):
        self._path = Path(path)
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = []
        for span in spans:
            ctx = span.get_span_context()
            assert ctx is not None  # only an unstarted span lacks one, and the exporter gets finished spans
            parent = span.parent
            lines.append(
                json.dumps(
                    {
                        "name": span.name,
                        "service": span.resource.attributes.get("service.name"),
                        "trace_id": format(ctx.trace_id, "032x"),
                        "span_id": format(ctx.span_id, "016x"),
                        "parent_id": format(parent.span_id, "016x") if parent else None,
                        "kind": span.kind.name,
                        "attributes": {
                            k: v for k, v in (span.attributes or {}).items() if isinstance(v, str | int | float | bool)
                        },
                    },
                    ensure_ascii=False,
                )
            )
        with self._lock, self._path.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def setup_telemetry(service_name: str, otlp_endpoint: str = "", spans_file: Path | None = None) -> TracerProvider:
    """Installs the global tracer provider once per process."""
    global _configured
    provider = trace.get_tracer_provider()
    if _configured and isinstance(provider, TracerProvider):
        return provider
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}),
                              span_limits=SpanLimits(max_links=MAX_LINKS))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")))
    if spans_file:
        # Simple (synchronous) so a process killed by a test has already written its spans.
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(spans_file)))
    trace.set_tracer_provider(provider)
    _configured = True
    return provider


def instrument_fastapi(app: FastAPI, metrics_route: bool = True) -> None:
    """Server spans for real requests only: health probes, metrics scrapes and ASGI send/receive chatter are noise.
    Also times every request by route template (pzh_shared.metrics) and, unless `metrics_route` is False (the
    gateway, which faces the outside), serves `GET /metrics` on the app."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    from pzh_shared.metrics import HttpMetricsMiddleware, add_metrics_route

    FastAPIInstrumentor.instrument_app(app, excluded_urls="health,metrics", exclude_spans=["receive", "send"])
    app.add_middleware(HttpMetricsMiddleware)
    if metrics_route:
        add_metrics_route(app)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def context_from(carrier: Mapping[str, str]) -> context.Context:
    """The context a W3C `traceparent` (from a stored event or Kafka header) describes."""
    return _propagator.extract(dict(carrier))


# The W3C traceparent as TraceContextTextMapPropagator reads it (a later version may append fields).
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")


def link_to(traceparent: str | None) -> trace.Link | None:
    """A span link to the span a W3C `traceparent` names (a message's creation context), None if there is none or
    the propagator would refuse it. Parsed here: the propagator's extract (which builds two contexts) took twice as
    long, and the relay links each distinct command of every page."""
    found = _TRACEPARENT.fullmatch(traceparent.strip()) if traceparent else None
    if found is None:
        return None
    version, trace_hex, span_hex, flags, rest = found.groups()
    if version == "ff" or (version == "00" and rest):
        return None
    span_context = trace.SpanContext(int(trace_hex, 16), int(span_hex, 16), is_remote=True,
                                     trace_flags=trace.TraceFlags(int(flags, 16)))
    return trace.Link(span_context) if span_context.is_valid else None


def links_to(traceparents: Iterable[str | None]) -> list[trace.Link]:
    """One link per distinct creation context among `traceparents` (the events of one command share theirs)."""
    links = (link_to(traceparent) for traceparent in dict.fromkeys(traceparents))
    return [link for link in links if link is not None]
