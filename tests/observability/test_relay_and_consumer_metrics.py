"""Relay lag and consumer lag on the real broker: behind shows > 0, drained shows 0; counters count."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

from eventsourcing.domain import Aggregate, event
from prometheus_client import REGISTRY
from pzh_shared.consumer import TrackedConsumer
from pzh_shared.envelope import Envelope, encode
from pzh_shared.eventstore import ServiceApplication, make_application
from pzh_shared.kafka import ensure_topics, make_producer
from pzh_shared.relay import OutboxRelay
from pzh_shared.settings import ServiceSettings


class Lamp(Aggregate):
    @event("Lit")
    def __init__(self, area_code: str, on: date):
        self.area_code = area_code


class LampApplication(ServiceApplication):
    name = "lamps"


def _value(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def _until(predicate, what: str, timeout: float = 120) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


def test_relay_lag_is_the_unpublished_events_and_drops_to_zero(kafka_bootstrap, tmp_path):
    app = make_application(LampApplication, ServiceSettings(data_dir=tmp_path))
    for _ in range(7):
        app.save(Lamp(area_code="510421", on=date(2025, 1, 1)))
    service = f"lamps{uuid.uuid4().hex[:8]}"
    relay = OutboxRelay(
        app, lambda e: ("lamps.lamp.lit.v1", {"area_code": e.area_code}), kafka_bootstrap, service, page_size=3
    )
    topic = f"{service}.events"

    assert _value("pzh_relay_lag_events", topic=topic) == 7
    assert not _value("pzh_relay_published_events_total", topic=topic)

    async def drain() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(relay.run(stop))
        try:
            await _until(lambda: _value("pzh_relay_lag_events", topic=topic) == 0, "relay lag 0")
        finally:
            stop.set()
            await running

    asyncio.run(drain())
    assert _value("pzh_relay_published_events_total", topic=topic) == 7
    app.save(Lamp(area_code="510421", on=date(2025, 1, 2)))
    assert _value("pzh_relay_lag_events", topic=topic) == 1


def test_consumer_lag_shows_a_consumer_behind_then_zero(kafka_bootstrap, tmp_path):
    app = make_application(LampApplication, ServiceSettings(data_dir=tmp_path))
    topic, group = f"lamps{uuid.uuid4().hex[:8]}.events", f"lamp-watch-{uuid.uuid4().hex[:8]}"
    gate = threading.Event()

    def handle(envelope: Envelope, tracking) -> None:
        if envelope.data.get("bad"):
            raise ValueError("bad lamp")
        gate.wait(120)  # holds the consumer behind until the test has seen its lag
        app.save_tracked(tracking)

    consumer = TrackedConsumer(app, handle, kafka_bootstrap, topic, group)
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)

    def lag() -> float:
        return sum(
            _value("pzh_consumer_lag_messages", consumer=group, topic=topic, partition=str(p)) or 0 for p in range(3)
        )

    async def scenario() -> None:
        await ensure_topics(kafka_bootstrap, {topic: 3, f"{topic}.dlq": 3})
        producer = make_producer(kafka_bootstrap)
        await producer.start()
        try:
            for n in range(6):
                envelope = Envelope(
                    id=str(uuid.uuid4()),
                    source="/pzh/lamps",
                    type="lamps.lamp.lit.v1",
                    subject=f"lamp-{n}",
                    time=an_hour_ago,
                    data={"bad": n == 5},
                )
                key, value, headers = encode(envelope)
                await producer.send_and_wait(topic, value, key=key, headers=headers)
        finally:
            await producer.stop()
        stop = asyncio.Event()
        running = asyncio.create_task(consumer.run(stop))
        try:
            await _until(lambda: lag() > 0, "consumer lag > 0")
            gate.set()
            await _until(
                lambda: (_value("pzh_consumer_messages_processed_total", consumer=group, topic=topic) or 0) == 5,
                "5 processed",
            )
            await _until(lambda: lag() == 0, "consumer lag 0")
        finally:
            gate.set()
            stop.set()
            await running

    asyncio.run(scenario())
    assert _value("pzh_consumer_messages_dead_lettered_total", consumer=group, topic=topic) == 1
    # Events an hour old were applied about an hour late: the delay histogram says so.
    assert _value("pzh_consumer_event_delay_seconds_count", consumer=group, topic=topic) == 5
    assert _value("pzh_consumer_event_delay_seconds_bucket", consumer=group, topic=topic, le="900.0") == 0
    assert _value("pzh_consumer_event_delay_seconds_bucket", consumer=group, topic=topic, le="+Inf") == 5
