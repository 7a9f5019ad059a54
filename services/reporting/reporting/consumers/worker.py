"""The projection worker: a faust-streaming agent per source topic.

Bad messages (not JSON, not an envelope, a version this worker does not know, data that breaks the
contract) go to `<topic>.dlq` with context headers and the partition keeps moving.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import faust
from opentelemetry import trace
from pzh_shared.envelope import BadMessage, decode, dlq_topic, header_map
from pzh_shared.kafka import DLQ_VALUE_LIMIT, dead_letter_headers
from pzh_shared.metrics import CONSUMER_DEAD_LETTERED, CONSUMER_LAG, CONSUMER_PROCESSED, EVENT_DELAY, event_delay
from pzh_shared.telemetry import links_to

from reporting.adapters.store import ReadModel
from reporting.consumers.schedule import register_schedule
from reporting.projections.facts import ProjectionError
from reporting.projections.router import Changes, project
from reporting.settings import ReportingSettings

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

SOURCE_TOPICS = ("registry.events", "talent.events", "casework.events", "funding.events")


def create_worker_app(settings: ReportingSettings, store: ReadModel) -> faust.App:
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{settings.kafka_bootstrap}",
        store="memory://",
        datadir=str(settings.data_dir / "faust"),
        web_enabled=False,
        topic_partitions=3,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        broker_session_timeout=settings.broker_session_timeout,
        broker_heartbeat_interval=settings.broker_heartbeat_interval,
        broker_rebalance_timeout=settings.broker_session_timeout,
    )
    for name in SOURCE_TOPICS:
        _add_projection_agent(app, name, store, settings)
    register_schedule(app, settings)
    return app


def _add_projection_agent(app: faust.App, name: str, store: ReadModel, settings: ReportingSettings) -> None:
    source = app.topic(name, key_serializer="raw", value_serializer="raw", internal=False)
    dead_letters = app.topic(dlq_topic(name), key_serializer="raw", value_serializer="raw", internal=False)

    processed = CONSUMER_PROCESSED.labels(settings.app_id, name)
    dead_lettered = CONSUMER_DEAD_LETTERED.labels(settings.app_id, name)
    delay = EVENT_DELAY.labels(settings.app_id, name)

    async def project_topic(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, within=settings.batch_within):
            batch = []
            positions = {}  # partition -> offset after the batch's last message of it
            for event in events:
                message = event.message
                positions[message.tp] = message.offset + 1
                headers = header_map(message.headers)
                try:
                    envelope = decode(event.value)
                    batch.append((envelope, headers, project(envelope.type, envelope.data)))
                except (BadMessage, ProjectionError, ValueError) as exc:
                    log.warning("dead-lettering %s[%s]@%s: %s", name, message.partition, message.offset, str(exc)[:300])
                    await dead_letters.send(
                        key=message.key,
                        value=(event.value or b"")[:DLQ_VALUE_LIMIT],
                        headers=dead_letter_headers(
                            str(exc), name, message.partition, message.offset, _raw_headers(message.headers)
                        ),
                    )
                    dead_lettered.inc()
            if batch:
                await asyncio.to_thread(_apply_traced, store, batch, name, settings.app_id)
                processed.inc(len(batch))
                now = datetime.now(UTC)
                for envelope, _, _ in batch:
                    delay.observe(event_delay(envelope.time, now))
            for tp, position in positions.items():
                highwater = app.consumer.highwater(tp)
                if highwater is not None:
                    CONSUMER_LAG.labels(settings.app_id, name, str(tp.partition)).set(max(highwater - position, 0))

    project_topic.__name__ = f"project_{name.replace('.', '_')}"
    app.agent(source, name=f"reporting.project.{name}")(project_topic)


def _raw_headers(headers: Any) -> list[tuple[str, bytes]]:
    items = headers.items() if isinstance(headers, dict) else (headers or [])
    return [(k, v) for k, v in items]


def _apply_traced(store: ReadModel, batch: list[tuple[Any, dict[str, str], Changes]], topic: str, group: str) -> None:
    """One process span per batch, as the OpenTelemetry messaging conventions have it for batches: linked to each
    message's creation context (the command that stored the event, whose traceparent the relay put in the headers),
    so every command's trace leads to the projection of its events through a link."""
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.destination.name": topic,
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.consumer.group.name": group,
        "cloudevents.event_types": sorted({envelope.type for envelope, _, _ in batch}),
    }
    if len(batch) > 1:
        attributes["messaging.batch.message_count"] = len(batch)
    else:
        attributes["messaging.message.id"] = batch[0][0].id
    with tracer.start_as_current_span(f"process {topic}", kind=trace.SpanKind.CONSUMER, attributes=attributes,
                                      links=links_to(headers.get("traceparent") for _, headers, _ in batch)):
        store.apply((envelope.id, envelope.type, changes) for envelope, _, changes in batch)
