"""Prometheus metrics of every process kind: HTTP APIs, outbox relays, Kafka consumers and the projection worker.

One registry per OS process (prometheus_client's default). HTTP APIs serve it at `GET /metrics` on their own app
(except the gateway, see docs/operations.md "Metrics"); every process can also serve it on `<PREFIX>METRICS_PORT`.

Labels are bounded and never personal: route templates (never raw paths, which carry ids), status classes, topics,
partitions and consumer group names. No case, client or area ids.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily

from pzh_shared.settings import ServiceSettings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

# Seconds; from a fast read to a slow command (PDF reports, imports).
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Seconds from an event's `time` to its effect; the goal is p99 < 1 s, a stopped consumer shows hours.
_DELAY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

HTTP_DURATION = Histogram("pzh_http_request_duration_seconds", "HTTP request latency by route template",
                          ["method", "route", "status_class"], buckets=_LATENCY_BUCKETS)
HTTP_REQUESTS = Counter("pzh_http_requests", "HTTP requests by route template and status class (2xx, 4xx, 5xx)",
                        ["method", "route", "status_class"])

# No labels: the process (scrape job) says whose database it is. Created at 0, so the first 503 is an increase.
DATABASE_UNAVAILABLE_RESPONSES = Counter(
    "pzh_database_unavailable_responses",
    "Requests answered 503 database_unavailable: its database (event store) refused or dropped the connection",
)

RELAY_LAG = Gauge(
    "pzh_relay_lag_events", "Stored events (notifications) after the relay's checkpoint, not yet published", ["topic"]
)
RELAY_PUBLISHED = Counter("pzh_relay_published_events", "Integration events the relay published (Kafka acknowledged)",
                          ["topic"])

CONSUMER_LAG = Gauge("pzh_consumer_lag_messages", "Messages in the partition after the last one this consumer handled "
                     "(high watermark minus position)", ["consumer", "topic", "partition"])
CONSUMER_PROCESSED = Counter("pzh_consumer_messages_processed", "Messages applied (projected or handled)",
                             ["consumer", "topic"])
CONSUMER_DEAD_LETTERED = Counter("pzh_consumer_messages_dead_lettered", "Messages sent to <topic>.dlq",
                                 ["consumer", "topic"])
EVENT_DELAY = Histogram(
    "pzh_consumer_event_delay_seconds",
    "Time from the event's `time` to the moment its effects were applied (projection delay)",
    ["consumer", "topic"],
    buckets=_DELAY_BUCKETS,
)

# Requests that are not the API's work: probes and scrapes.
_UNTIMED = frozenset({"/health", "/metrics"})


def serve_metrics(settings: ServiceSettings) -> int:
    """Starts the metrics server (a daemon thread) when `<PREFIX>METRICS_PORT` is set; returns the port or 0."""
    if not settings.metrics_port:
        return 0
    try:
        start_http_server(settings.metrics_port, addr=settings.metrics_host)
    except OSError as exc:
        # E.g. a second replica on the same host with the same settings: it still does its work, and the missing
        # scrape target (`up == 0`) says what is wrong.
        log.error("metrics server on %s:%s not started: %s", settings.metrics_host, settings.metrics_port, exc)
        return 0
    log.info("metrics on %s:%s/metrics", settings.metrics_host, settings.metrics_port)
    return settings.metrics_port


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class HttpMetricsMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware: it would buffer streamed downloads). The route template is read from the
    scope after routing (FastAPI/Starlette put the matched route there); an unmatched path is `unmatched`."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in _UNTIMED:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes before a response started is a 500 to the client

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            labels = (scope.get("method", ""), route, status_class(status))
            HTTP_DURATION.labels(*labels).observe(time.perf_counter() - started)
            HTTP_REQUESTS.labels(*labels).inc()


def add_metrics_route(app: FastAPI) -> None:
    from fastapi import Response

    def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)


def event_delay(event_time: datetime, now: datetime | None = None) -> float:
    now = now or datetime.now(UTC)
    if event_time.tzinfo is None:
        event_time = event_time.replace(tzinfo=UTC)
    return max((now - event_time).total_seconds(), 0.0)


class GroupLagCollector:
    """A consumer group's lag per topic as Kafka sees it (end offsets minus the group's committed offsets), read at
    scrape time. Unlike the consumer's own gauges it keeps rising when the consumer is stopped or stuck."""

    def __init__(self, bootstrap: str, group: str, topics: Sequence[str], timeout: float = 10.0):
        self.bootstrap = bootstrap
        self.group = group
        self.topics = tuple(topics)
        self.timeout = timeout

    def describe(self) -> Iterable[GaugeMetricFamily]:
        # Lets register() check names without asking Kafka.
        yield GaugeMetricFamily("pzh_consumer_group_lag_messages", "", labels=["group", "topic"])

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily("pzh_consumer_group_lag_messages",
                                   "Messages of the topic not yet committed by the consumer group (Kafka's view)",
                                   labels=["group", "topic"])
        try:
            # Scrapes run in a thread without an event loop (FastAPI's threadpool, or the metrics server's thread).
            lags = asyncio.run(asyncio.wait_for(self.lags(), self.timeout))
        except Exception as exc:  # a scrape must not fail because Kafka is away: the series is simply missing
            log.warning("consumer group lag of %s unavailable: %r", self.group, exc)
            return [family]
        for topic, lag in sorted(lags.items()):
            family.add_metric([self.group, topic], lag)
        return [family]

    async def lags(self) -> dict[str, int]:
        from aiokafka import AIOKafkaConsumer, TopicPartition
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await admin.start()
        try:
            await consumer.start()
            try:
                # All topics, not just ours: naming a missing topic would make a broker with auto-creation create it.
                described = await admin.describe_topics()
                tps = [TopicPartition(t["topic"], p["partition"]) for t in described
                       if t["topic"] in self.topics and not t["error_code"] for p in t["partitions"]]
                committed = await admin.list_consumer_group_offsets(self.group, partitions=tps)
                ends = await consumer.end_offsets(tps)
                starts = await consumer.beginning_offsets(tps)
            finally:
                await consumer.stop()
        finally:
            await admin.close()
        lags: dict[str, int] = {t: 0 for t in self.topics if any(tp.topic == t for tp in tps)}
        for tp in tps:
            meta = committed.get(tp)
            position = meta.offset if meta is not None and meta.offset >= 0 else starts[tp]
            lags[tp.topic] += max(ends[tp] - position, 0)
        return lags
