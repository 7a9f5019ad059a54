"""TrackedConsumer as a consumer group of two members (issue 16, item 5): two processes' worth of
applications on one PostgreSQL store share a topic's partitions, a member joins mid-stream and the
other leaves, and every message is applied exactly once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import psycopg
from eventsourcing.domain import Aggregate, event
from pzh_shared.consumer import TrackedConsumer
from pzh_shared.envelope import Envelope, encode
from pzh_shared.eventstore import ServiceApplication, make_application
from pzh_shared.kafka import ensure_topics, make_producer
from pzh_shared.settings import ServiceSettings

PARTITIONS = 6
PER_HALF = 150


class Mark(Aggregate):
    """One per applied message: a message applied twice would leave two marks with its id."""

    @event("Made")
    def __init__(self, message_id: str):
        self.message_id = message_id


class MarkApplication(ServiceApplication):
    name = "marks"


def _settings(pg) -> ServiceSettings:
    name = f"group_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return ServiceSettings(event_store="postgres", postgres_host=pg.host, postgres_port=pg.port,
                           postgres_dbname=name, postgres_user=pg.user, postgres_password=pg.password)


def _member(settings: ServiceSettings, bootstrap: str, topic: str, group: str) -> TrackedConsumer:
    app = make_application(MarkApplication, settings)  # each member its own application, as a process has

    def handle(envelope: Envelope, tracking) -> None:
        time.sleep(0.01)  # slow enough that the rebalances happen while messages are in hand
        app.save_tracked(tracking, Mark(envelope.id))

    return TrackedConsumer(app, handle, bootstrap, topic, group, partitions=PARTITIONS)


async def _publish(bootstrap: str, topic: str, ids: list[str]) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for message_id in ids:
            envelope = Envelope(id=message_id, source="/pzh/marks", type="marks.mark.made.v1", subject=message_id,
                                time=datetime.now(UTC), data={})
            key, value, headers = encode(envelope)
            await producer.send(topic, value, key=key, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


async def _until(predicate, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


def test_two_members_share_the_partitions_and_apply_every_message_once(kafka_bootstrap, postgres_server):
    settings = _settings(postgres_server)
    topic, group = f"marks{uuid.uuid4().hex[:8]}.events", f"marks-{uuid.uuid4().hex[:8]}"
    first, second = (_member(settings, kafka_bootstrap, topic, group) for _ in range(2))
    ids = [str(uuid.uuid4()) for _ in range(3 * PER_HALF)]

    def assigned(member: TrackedConsumer) -> set[int]:
        return {tp.partition for tp in member.consumer.assignment()} if member.consumer else set()

    def settled(a: set[int], b: set[int]) -> bool:
        return bool(a and b) and not a & b and a | b == set(range(PARTITIONS))

    def applied() -> int:
        return first.applied + second.applied

    async def scenario() -> tuple[set[int], set[int]]:
        await ensure_topics(kafka_bootstrap, {topic: PARTITIONS})
        stop_first, stop_second = asyncio.Event(), asyncio.Event()
        running_first = asyncio.create_task(first.run(stop_first))
        await _publish(kafka_bootstrap, topic, ids[:PER_HALF])
        await _until(lambda: first.applied > 20, "the first member applying")
        running_second = asyncio.create_task(second.run(stop_second))  # joins mid-stream: a rebalance
        # Settled, not merely both non-empty: each member learns its new assignment from its own SyncGroup answer,
        # so for a moment one can still show the whole old set while the other already shows its half.
        await _until(lambda: settled(assigned(first), assigned(second)), "both members holding their own partitions")
        shared = assigned(first), assigned(second)
        await _publish(kafka_bootstrap, topic, ids[PER_HALF:2 * PER_HALF])
        await _until(lambda: applied() > PER_HALF + 30, "the second half under way")
        stop_first.set()  # leaves mid-stream: its partitions move to the second member
        await running_first
        await _publish(kafka_bootstrap, topic, ids[2 * PER_HALF:])
        await _until(lambda: len(assigned(second)) == PARTITIONS, "the second member holding every partition")
        try:
            await _until(lambda: _marks(second) == len(ids), "every message applied")
        finally:
            stop_second.set()
            await running_second
        return shared

    shared = asyncio.run(scenario())
    assert shared[0] and shared[1] and not shared[0] & shared[1]
    assert shared[0] | shared[1] == set(range(PARTITIONS))
    assert first.applied > 0 and second.applied > 0
    marks = Counter(_mark_ids(second))
    assert set(marks) == set(ids) and set(marks.values()) == {1}, "a message applied twice or never"


def _mark_ids(member: TrackedConsumer) -> list[str]:
    app = member.app
    notifications = app.recorder.select_notifications(0, 10_000)
    return [app.mapper.to_domain_event(n).message_id for n in notifications]


def _marks(member: TrackedConsumer) -> int:
    return len(_mark_ids(member))


def test_the_lag_of_a_partition_revoked_while_its_message_was_handled_is_not_asked(kafka_bootstrap, tmp_path) -> None:
    """A rebalance can revoke a partition while one of its messages is being handled; noting its lag afterwards
    must not ask aiokafka for the high watermark of a partition it no longer holds (an AssertionError there
    stopped the member in the full suite)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    member = TrackedConsumer(make_application(MarkApplication, ServiceSettings(data_dir=tmp_path)),
                             lambda envelope, tracking: None, kafka_bootstrap, f"lag{uuid.uuid4().hex[:6]}", "g")

    async def scenario() -> None:
        await ensure_topics(kafka_bootstrap, {member.topic: 2})
        member.consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=None)
        await member.consumer.start()
        try:
            member.consumer.assign([TopicPartition(member.topic, 1)])  # partition 0 went to another member
            await member.consumer.getmany(timeout_ms=500)  # the fetcher running, as in run()
            member._note_lag(TopicPartition(member.topic, 0), 5)
        finally:
            await member.consumer.stop()

    asyncio.run(scenario())
