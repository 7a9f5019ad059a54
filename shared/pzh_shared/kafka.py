"""Kafka wiring: a producer that loses nothing acknowledged, topic creation, the dead-letter path."""

from __future__ import annotations

import logging
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

log = logging.getLogger(__name__)

_TOPIC_ALREADY_EXISTS = 36
# A dead-letter record keeps at most this much of the original value: a poison message may be huge.
DLQ_VALUE_LIMIT = 512 * 1024


def make_producer(bootstrap: str, **overrides: Any) -> AIOKafkaProducer:
    """aiokafka defaults to acks=1; nothing acknowledged may be lost, so acks=all + idempotence."""
    options = dict(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=256 * 1024,
        compression_type=None,
        request_timeout_ms=30_000,
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)


async def ensure_topics(bootstrap: str, topics: dict[str, int], replication_factor: int = 1) -> None:
    """Creates the named topics (name -> partitions) unless they exist already."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name, partitions, replication_factor)
            for name, partitions in topics.items()
            if name not in existing
        ]
        if not wanted:
            return
        response = await admin.create_topics(wanted)
        for name, code, *_ in response.topic_errors:
            if code not in (0, _TOPIC_ALREADY_EXISTS):
                raise RuntimeError(f"could not create topic {name}: error code {code}")
    finally:
        await admin.close()


async def topic_partitions(bootstrap: str, topics: tuple[str, ...] | list[str]) -> list[TopicPartition]:
    """Every partition of the named topics, as the broker describes them now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    found = []
    for topic in described:
        name = topic.get("topic", topic.get("name"))
        for partition in topic["partitions"]:
            found.append(
                TopicPartition(
                    name, partition["partition"] if "partition" in partition else partition["partition_index"]
                )
            )
    return sorted(found)


def dead_letter_headers(
    error: str, topic: str, partition: int, offset: int, original: list[tuple[str, bytes]] | None = None
) -> list[tuple[str, bytes]]:
    """Context for whoever inspects a dead letter: why, and where it came from."""
    headers = [
        ("dlq_error", error[:2000].encode("utf-8", "replace")),
        ("dlq_source_topic", topic.encode()),
        ("dlq_source_partition", str(partition).encode()),
        ("dlq_source_offset", str(offset).encode()),
    ]
    for name, value in original or []:
        headers.append(
            (f"dlq_original_{name}", bytes(value) if isinstance(value, bytes | bytearray) else str(value).encode())
        )
    return headers
