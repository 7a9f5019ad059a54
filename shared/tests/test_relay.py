"""The outbox relay against a real Kafka broker."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaTimeoutError
from eventsourcing.domain import Aggregate, event
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pzh_shared.envelope import decode, event_id, header_map
from pzh_shared.eventstore import ServiceApplication, make_application
from pzh_shared.relay import OutboxRelay
from pzh_shared.settings import ServiceSettings
from pzh_shared.telemetry import setup_telemetry


class Room(Aggregate):
    @event("Opened")
    def __init__(self, area_code: str, on: date):
        self.area_code = area_code

    @event("Renamed")
    def rename(self, name: str) -> None:
        self.name = name


class RoomApplication(ServiceApplication):
    name = "rooms"


def translate(domain_event):
    # Renames stay private: the relay must skip them but still move its checkpoint past them.
    if isinstance(domain_event, Room.Opened):
        return "rooms.room.opened.v1", {"area_code": domain_event.area_code}
    return None


async def _read_all(bootstrap: str, topic: str, expected: int, timeout: float = 20):
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"t-{uuid.uuid4()}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    messages = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(messages) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                messages.extend(records)
        # A short extra read shows nothing unexpected follows.
        for records in (await consumer.getmany(timeout_ms=1000)).values():
            messages.extend(records)
    finally:
        await consumer.stop()
    return messages


def _app(tmp_path):
    return make_application(RoomApplication, ServiceSettings(data_dir=tmp_path))


@pytest.fixture
def spans():
    """The spans of this process from here on (the global provider, which the relay's and event store's tracers use)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = setup_telemetry("relay-test")
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def test_relay_publishes_every_public_event_once_with_envelope_and_trace(kafka_bootstrap, tmp_path, spans):
    app = _app(tmp_path)
    service = f"relay{uuid.uuid4().hex[:6]}"
    tracer = trace.get_tracer("test")
    rooms, creator = [], {}
    for command, numbers in (("first command", range(12)), ("second command", range(12, 25))):
        with tracer.start_as_current_span(command) as span:
            saved = []
            for n in numbers:
                room = Room(f"510402001{n:03d}", date(2021, 6, 1))
                room.rename(f"room {n}")
                creator[room.id] = span.get_span_context()
                saved.append(room)
            app.save(*saved)
            rooms += saved

    async def scenario():
        relay = OutboxRelay(app, translate, kafka_bootstrap, service, page_size=10)
        await relay.start()
        while await relay.relay_page():
            pass
        await relay.stop()
        return relay, await _read_all(kafka_bootstrap, f"{service}.events", 25)

    relay, messages = asyncio.run(scenario())
    assert len(messages) == 25
    assert relay.checkpoint() == app.recorder.max_notification_id()
    envelopes = [decode(m.value) for m in messages]
    assert {e.id for e in envelopes} == {event_id(r.id, 1) for r in rooms}
    assert all(e.type == "rooms.room.opened.v1" and e.source == f"/pzh/{service}" for e in envelopes)
    for message, envelope in zip(messages, envelopes, strict=True):
        headers = header_map(message.headers)
        assert message.key == envelope.subject.encode()
        assert headers["ce_id"] == envelope.id and headers["ce_type"] == envelope.type
        # The creation context itself (the command's span, not a span of the relay's), so consumers join its trace.
        made = creator[uuid.UUID(envelope.subject)]
        assert headers["traceparent"] == f"00-{made.trace_id:032x}-{made.span_id:016x}-{made.trace_flags:02x}"

    finished = spans.get_finished_spans()
    made_by = {room: made.span_id for room, made in creator.items()}
    # Each save has an event store span under its command: how many events went where, nothing of what they hold.
    appends = [s for s in finished if s.name == "eventstore append"]
    assert sorted((s.parent.span_id, s.attributes["eventstore.events"]) for s in appends) == sorted(
        (command, 2 * list(made_by.values()).count(command)) for command in set(made_by.values()))
    assert {(s.attributes["db.system"], s.kind) for s in appends} == {("sqlite", trace.SpanKind.CLIENT)}
    # One send span per page (10 notifications: 5 rooms opened and renamed, the renames private), linked to the
    # distinct creation contexts of the page's events.
    sends = sorted((s for s in finished if s.name == f"send {service}.events"), key=lambda s: s.start_time)
    pages = [rooms[i:i + 5] for i in range(0, len(rooms), 5)]
    assert [{link.context.span_id for link in s.links} for s in sends] == [{made_by[r.id] for r in page}
                                                                          for page in pages]
    assert [s.attributes["messaging.batch.message_count"] for s in sends] == [len(page) for page in pages]
    assert all(s.kind == trace.SpanKind.PRODUCER and s.attributes["messaging.system"] == "kafka"
               and s.attributes["messaging.destination.name"] == f"{service}.events"
               and s.attributes["messaging.operation.type"] == "send" for s in sends)


def test_relay_resumes_from_its_checkpoint_and_republishes_an_unacknowledged_page(kafka_bootstrap, tmp_path):
    app = _app(tmp_path)
    service = f"relay{uuid.uuid4().hex[:6]}"
    app.save(*[Room(f"510403001{n:03d}", date(2021, 6, 1)) for n in range(6)])

    async def scenario():
        first = OutboxRelay(app, translate, kafka_bootstrap, service, page_size=4)
        await first.start()
        await first.relay_page()  # 4 published, checkpoint 4
        await first.stop()
        # A crash after publishing but before the checkpoint: simulated by publishing the next page
        # with a relay whose checkpoint write is lost.
        crashed = OutboxRelay(app, translate, kafka_bootstrap, service, page_size=4)
        crashed.tracking.insert_tracking = lambda tracking: None
        await crashed.start()
        await crashed.relay_page()
        await crashed.stop()
        resumed = OutboxRelay(app, translate, kafka_bootstrap, service, page_size=4)
        await resumed.start()
        while await resumed.relay_page():
            pass
        await resumed.stop()
        return await _read_all(kafka_bootstrap, f"{service}.events", 8)

    messages = asyncio.run(scenario())
    ids = [decode(m.value).id for m in messages]
    assert len(ids) == 8  # 4 + the 2 unacknowledged ones twice
    assert len(set(ids)) == 6  # nothing lost; the duplicates carry the same id


class _Producer:
    """Stands in for the Kafka producer where only the relay's own bookkeeping is under test: each send is acknowledged
    at once, or refused when `refuse` is set."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.keys: list[bytes] = []

    async def send(self, topic, value, key, headers):
        sent = asyncio.get_running_loop().create_future()
        if self.refuse:
            sent.set_exception(KafkaTimeoutError())
        else:
            self.keys.append(key)
            sent.set_result(None)
        return sent


def _relay_without_broker(app, producer: _Producer, page_size: int) -> OutboxRelay:
    relay = OutboxRelay(app, translate, "127.0.0.1:9", f"relay{uuid.uuid4().hex[:6]}", page_size=page_size)
    relay.producer = producer
    return relay


def test_a_page_read_ahead_is_dropped_after_a_failed_send_and_read_again_when_short(tmp_path):
    app = _app(tmp_path)
    rooms = [Room(f"510404001{n:03d}", date(2021, 6, 1)) for n in range(5)]
    for room in rooms:
        room.rename("renamed")  # two notifications a room: a page of 4 holds 2 rooms
    app.save(*rooms[:4])

    def keys(some):
        return [str(r.id).encode() for r in some]

    async def scenario():
        # The first page's sends fail: the page read ahead meanwhile (notifications 5 to 8) must not be used, or the
        # first page would never be published.
        relay = _relay_without_broker(app, _Producer(refuse=True), page_size=4)
        with pytest.raises(KafkaTimeoutError):
            await relay.relay_page()
        assert relay.checkpoint() == 0
        producer = relay.producer = _Producer()
        assert await relay.relay_page() == 4
        assert producer.keys == keys(rooms[:2]) and relay.checkpoint() == 4
        assert await relay.relay_page() == 4
        assert producer.keys == keys(rooms[:4]) and relay.checkpoint() == 8
        # Read ahead after notification 8: nothing yet, a short page. The fifth room is stored before the next page,
        # which must be read again so that it carries the room.
        _, ahead = relay._ahead
        assert await ahead == []
        app.save(rooms[4])
        assert await relay.relay_page() == 2
        assert producer.keys == keys(rooms) and relay.checkpoint() == 10

    asyncio.run(scenario())
