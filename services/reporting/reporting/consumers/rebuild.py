"""Rebuilds the read models from the source topics, outside Faust: a plain consumer reads each
partition from the beginning up to its end offset taken at the start, in pages, and applies the
same projection and dedupe as the live worker into a fresh store."""

from __future__ import annotations

import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from pzh_shared.envelope import BadMessage, decode
from pzh_shared.kafka import topic_partitions

from reporting.adapters.store import ReadModelStore, SqlReadModel
from reporting.projections.facts import ProjectionError
from reporting.projections.router import project


async def rebuild(bootstrap: str, topics: tuple[str, ...], target: Path | SqlReadModel,
                  page: int = 2000) -> dict[str, int]:
    """Projects every message now on `topics` into a new store: a SQLite file at `target`, or the empty
    store given (a fresh PostgreSQL schema); returns counts. The store is closed at the end."""
    if isinstance(target, Path):
        target.unlink(missing_ok=True)
        store: SqlReadModel = ReadModelStore(target)
    else:
        store = target
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                client_id=f"reporting-rebuild-{uuid.uuid4().hex[:6]}")
    await consumer.start()
    counts = {"messages": 0, "applied": 0, "rejected": 0}
    try:
        partitions = await topic_partitions(bootstrap, topics)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000, max_records=page)
            batch = []
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    counts["messages"] += 1
                    try:
                        envelope = decode(record.value)
                        batch.append((envelope.id, envelope.type, project(envelope.type, envelope.data)))
                    except (BadMessage, ProjectionError, ValueError):
                        counts["rejected"] += 1  # the live worker dead-lettered it too
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
            counts["applied"] += store.apply(batch)
    finally:
        await consumer.stop()
        store.close()
    return counts

