"""The broker as the tests see it from outside: publishing envelopes, every record of a topic, a
consumer group's committed offsets, lag and members, and driving one of the services' consumers."""

from __future__ import annotations


async def read_topic(bootstrap: str, topic: str) -> list:
    """Every record now on `topic` (all partitions, from the beginning to the current end)."""
    from aiokafka import AIOKafkaConsumer
    from pzh_shared.kafka import topic_partitions

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                fetch_max_bytes=64 * 1024 * 1024, max_partition_fetch_bytes=32 * 1024 * 1024)
    await consumer.start()
    records = []
    try:
        partitions = await topic_partitions(bootstrap, [topic])
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            for tp, batch in (await consumer.getmany(*remaining, timeout_ms=1000, max_records=5000)).items():
                records += [r for r in batch if r.offset < ends[tp]]
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return records


async def committed_offsets(bootstrap: str, group: str) -> dict:
    """The group's committed offset per partition ({} when it has committed nothing yet)."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import KafkaError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return {
            tp: meta.offset for tp, meta in (await admin.list_consumer_group_offsets(group)).items() if meta.offset >= 0
        }
    except KafkaError:
        return {}
    finally:
        await admin.close()


async def end_offsets(bootstrap: str, topics: tuple[str, ...]) -> dict:
    """The current end offset of every partition of `topics`."""
    from aiokafka import AIOKafkaConsumer
    from pzh_shared.kafka import topic_partitions

    partitions = await topic_partitions(bootstrap, topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        return await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()


async def group_lag(bootstrap: str, group: str, topics: tuple[str, ...]) -> int:
    """Messages on `topics` not yet committed by consumer group `group` (a partition the group never
    committed counts in full)."""
    committed = await committed_offsets(bootstrap, group)
    ends = await end_offsets(bootstrap, topics)
    return sum(max(end - committed.get(tp, 0), 0) for tp, end in ends.items())


async def group_members(bootstrap: str, group: str) -> int:
    """How many consumers the broker counts in `group` now."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    return sum(len(g["members"]) for r in responses for g in r.to_object()["groups"] if g["group"] == group)


async def publish_each(bootstrap: str, messages: list, poison_topic: str | None = None) -> None:
    """Publishes each (topic, envelope) in order, as a relay does (key = subject, CloudEvents
    headers), and, if `poison_topic`, a message that is not JSON there after them."""
    import asyncio

    from pzh_shared.envelope import encode
    from pzh_shared.kafka import make_producer

    producer = make_producer(bootstrap)
    await producer.start()
    try:
        sent = []  # acknowledgements awaited together: the idempotent producer keeps each partition's order
        for topic, envelope in messages:
            key, value, headers = encode(envelope)
            sent.append(await producer.send(topic, value, key=key, headers=headers))
        if poison_topic is not None:
            sent.append(await producer.send(poison_topic, b"{not json", key=b"poison"))
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def publish(bootstrap: str, topic: str, envelopes: list, poison: bool = False) -> None:
    """publish_each onto one topic."""
    await publish_each(bootstrap, [(topic, envelope) for envelope in envelopes], topic if poison else None)


async def drive_consumer(consumer, expected: int, settle: float = 0.0, partitions: int = 3):
    """Runs one of the services' consumers (pzh_shared.consumer) until it has handled `expected`
    messages (applied or dead-lettered) and, for at least `settle` seconds, owned every partition of
    its topic; at most about 30 s. Returns the consumer, stopped."""
    import asyncio

    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    loop = asyncio.get_running_loop()
    owned_since = None
    try:
        for _ in range(300):
            if task.done():
                break
            owned = consumer.consumer is not None and len(consumer.consumer.assignment()) == partitions
            owned_since = (owned_since or loop.time()) if owned else None
            if (
                consumer.applied + consumer.dead_lettered >= expected
                and owned_since
                and loop.time() - owned_since >= settle
            ):
                break
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await task
    assert owned_since is not None, "the consumer never owned the topic's partitions"
    return consumer
