"""Outbox relay: follows a service's notification log and publishes each integration event to
`<service>.events`.

At-least-once: the checkpoint is saved only after Kafka acknowledged every event of the page, so a
crash between the two republishes that page; consumers drop duplicates by the envelope's id, which
is derived from (aggregate id, version) and so identical on every republish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiokafka.errors import KafkaError
from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from opentelemetry import trace

from pzh_shared.envelope import Envelope, encode_event, event_id
from pzh_shared.eventstore import event_meta
from pzh_shared.kafka import ensure_topics, make_producer
from pzh_shared.metrics import RELAY_LAG, RELAY_PUBLISHED
from pzh_shared.telemetry import context_from, traceparent_of

if TYPE_CHECKING:
    from aiokafka import AIOKafkaProducer

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

# (integration event type, data) for a public event, None for an event that stays private.
Translator = Callable[[Any], tuple[str, dict[str, Any]] | None]


class OutboxRelay:
    def __init__(self, app: Application[Any], translate: Translator, bootstrap: str, service: str,
                 page_size: int = 500, idle_wait: float = 0.1, partitions: int = 3, topic: str | None = None):
        self.app = app
        self.translate = translate
        self.bootstrap = bootstrap
        self.service = service
        # A test gives a topic of its own, so its events never reach the session platform's read models.
        self.topic = topic or f"{service}.events"
        self.source = f"/pzh/{service}"
        self.span_name = f"{self.topic} publish"
        self.page_size = page_size
        self.idle_wait = idle_wait
        self.partitions = partitions
        self.tracking = app.factory.tracking_recorder()
        self.checkpoint_name = f"{service}-relay"
        self.producer: AIOKafkaProducer | None = None
        self.published = 0
        self._published_metric = RELAY_PUBLISHED.labels(self.topic)
        # Read at scrape time (two indexed queries), so the publishing loop pays nothing for it.
        RELAY_LAG.labels(self.topic).set_function(self.lag)

    def checkpoint(self) -> int:
        return self.tracking.max_tracking_id(self.checkpoint_name) or 0

    def lag(self) -> float:
        """Notifications stored after the checkpoint (private ones included: they are skipped, not published)."""
        try:
            return max((self.app.recorder.max_notification_id() or 0) - self.checkpoint(), 0)
        except Exception:  # the store is away: no number rather than a failed scrape
            return float("nan")

    async def start(self) -> None:
        await ensure_topics(self.bootstrap, {self.topic: self.partitions, f"{self.topic}.dlq": self.partitions})
        producer = self.producer = make_producer(self.bootstrap)
        await producer.start()

    async def stop(self) -> None:
        if self.producer is not None:
            await self.producer.stop()
            self.producer = None

    def envelope(self, notification: Any) -> tuple[Envelope, dict[str, str]] | None:
        """The notification's envelope and stored metadata, None for a private event (the relay itself
        uses _prepare, which produces the same bytes without the model)."""
        prepared = self._prepare(notification)
        if prepared is None:
            return None
        ce_id, event_type, subject, timestamp, data, meta = prepared
        return Envelope(id=ce_id, source=self.source, type=event_type, subject=subject, time=timestamp, data=data), meta

    def _prepare(self, notification: Any) -> tuple[str, str, str, datetime, dict[str, Any], dict[str, str]] | None:
        domain_event = self.app.mapper.to_domain_event(notification)
        public = self.translate(domain_event)
        if public is None:
            return None
        event_type, data = public
        timestamp = getattr(domain_event, "timestamp", None) or datetime.now(UTC)
        subject = str(notification.originator_id)  # also the text the event id hashes: formatted once
        return (event_id(subject, notification.originator_version), event_type, subject, timestamp, data,
                event_meta(domain_event))

    async def relay_page(self) -> int:
        """Publishes the next page after the checkpoint; returns how many notifications it covered."""
        start = self.checkpoint()
        notifications = await asyncio.to_thread(
            self.app.recorder.select_notifications, start, self.page_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        producer = self.producer
        assert producer is not None, "start() the relay first"
        pending = []
        # The events of one command share its traceparent: parse each distinct one once per page.
        parents: dict[tuple[tuple[str, str], ...], Any] = {}
        for notification in notifications:
            prepared = self._prepare(notification)
            if prepared is None:
                continue
            ce_id, event_type, subject, timestamp, data, meta = prepared
            carrier = tuple(meta.items())
            parent = parents.get(carrier)
            if parent is None:
                parent = parents[carrier] = context_from(meta)
            # One producer span per event, child of the command that stored it, so each event's trace
            # runs on through the consumers (docs/operations.md, Jaeger walk-through). start_span (not
            # start_as_current_span) and a hand-built traceparent: tracing is the relay's largest cost.
            span = tracer.start_span(self.span_name, context=parent, kind=trace.SpanKind.PRODUCER,
                                     attributes={"messaging.message.id": ce_id})
            try:
                key, value, headers = encode_event(
                    ce_id, self.source, event_type, subject, timestamp, data, traceparent_of(span)
                )
                pending.append(await producer.send(self.topic, value, key=key, headers=headers))
            finally:
                span.end()
        await asyncio.gather(*pending)
        await asyncio.to_thread(self.tracking.insert_tracking, Tracking(self.checkpoint_name, notifications[-1].id))
        self.published += len(pending)
        self._published_metric.inc(len(pending))
        return len(notifications)

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                if self.producer is None:
                    await self.start()
                moved = await self.relay_page()
                backoff = 0.5
            except KafkaError as exc:
                # Nothing was checkpointed for the failed page: it is sent again after reconnecting.
                log.warning("relay %s: Kafka error %r; retrying in %.1fs", self.topic, exc, backoff)
                await self.stop()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if moved < self.page_size:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.idle_wait)
                except TimeoutError:
                    pass
        await self.stop()
