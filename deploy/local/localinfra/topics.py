"""What is on the broker, as the tests see it from outside: every record of a topic, a consumer
group's committed offsets, lag and members."""

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
        return {tp: meta.offset for tp, meta in (await admin.list_consumer_group_offsets(group)).items() if meta.offset >= 0}
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
