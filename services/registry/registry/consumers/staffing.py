"""Consumes the talent service's staffing events (worker assigned / left / certified, head appointed /
relieved) into the stations' facts, so the level rule sees them.

Effectively once: each message's effects commit with its (partition, offset) as a tracking record
in the registry's own store, and on every partition assignment the consumer seeks to the position
after the last tracked message. A message the registry cannot apply goes to `<topic>.dlq`."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from eventsourcing.persistence import Tracking
from pzh_shared.envelope import BadMessage, decode, dlq_topic
from pzh_shared.kafka import DLQ_VALUE_LIMIT, dead_letter_headers, ensure_topics, make_producer

from registry.application.service import RegistryApplication
from registry.domain.errors import RegistryError

log = logging.getLogger(__name__)


class _SeekToTracked(ConsumerRebalanceListener):
    def __init__(self, owner: StaffingConsumer):
        self.owner = owner

    async def on_partitions_revoked(self, revoked) -> None:
        return None

    async def on_partitions_assigned(self, assigned) -> None:
        for tp in assigned:
            position = self.owner.app.recorder.max_tracking_id(self.owner.tracking_name(tp.partition))
            if position is not None:
                self.owner.consumer.seek(tp, position)


class StaffingConsumer:
    def __init__(self, app: RegistryApplication, bootstrap: str, topic: str = "talent.events",
                 group_id: str = "registry-staffing"):
        self.app = app
        self.bootstrap = bootstrap
        self.topic = topic
        self.group_id = group_id
        self.consumer: AIOKafkaConsumer | None = None
        self.applied = 0
        self.dead_lettered = 0

    def tracking_name(self, partition: int) -> str:
        return f"{self.topic}:{partition}"

    async def run(self, stop: asyncio.Event) -> None:
        await ensure_topics(self.bootstrap, {self.topic: 3, dlq_topic(self.topic): 3})
        self.consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=self.group_id,
                                         enable_auto_commit=False, auto_offset_reset="earliest")
        self.consumer.subscribe([self.topic], listener=_SeekToTracked(self))
        producer = make_producer(self.bootstrap)
        await self.consumer.start()
        await producer.start()
        try:
            while not stop.is_set():
                batches = await self.consumer.getmany(timeout_ms=300, max_records=500)
                for records in batches.values():
                    for record in records:
                        await self._handle(record, producer)
                if batches:
                    # Offsets only for lag monitoring: the tracking records decide where to resume.
                    await self.consumer.commit()
        finally:
            await self.consumer.stop()
            await producer.stop()

    async def _handle(self, record, producer) -> None:
        tracking = Tracking(self.tracking_name(record.partition), record.offset + 1)
        if await asyncio.to_thread(self.app.already_tracked, tracking):
            return  # seen before the last crash or rebalance
        try:
            envelope = decode(record.value)
            await asyncio.to_thread(self.app.apply_staffing, envelope.type, envelope.data, tracking)
            self.applied += 1
        except (BadMessage, RegistryError, KeyError, ValueError, TypeError) as exc:
            log.warning("dead-lettering %s[%s]@%s: %s", self.topic, record.partition, record.offset, str(exc)[:300])
            headers = dead_letter_headers(str(exc), self.topic, record.partition, record.offset, list(record.headers or []))
            headers.append(("dlq_consumer", self.group_id.encode()))
            await producer.send_and_wait(dlq_topic(self.topic), (record.value or b"")[:DLQ_VALUE_LIMIT],
                                         key=record.key, headers=headers)
            await asyncio.to_thread(self.app.save_tracked, tracking)
            self.dead_lettered += 1
