"""A Kafka consumer whose effects are applied effectively once by a service's event-sourced application.

Each message's effects commit with its (topic:partition, offset + 1) as a tracking record in the
service's own store; on every partition assignment the consumer seeks past the last tracked
message, so the store, not the group's committed offsets, decides where to resume. A message the
handler rejects goes to `<topic>.dlq` (with a `dlq_consumer` header) and is tracked as handled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from eventsourcing.persistence import Tracking
from opentelemetry import trace

from pzh_shared.envelope import BadMessage, Envelope, decode, dlq_topic, header_map
from pzh_shared.eventstore import ServiceApplication
from pzh_shared.kafka import DLQ_VALUE_LIMIT, dead_letter_headers, ensure_topics, make_producer
from pzh_shared.telemetry import context_from

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

# Applies one envelope and saves its effects with app.save_tracked(tracking, ...); raises
# `rejected` exceptions for messages that can never be applied.
Handler = Callable[[Envelope, Tracking], None]


class _SeekToTracked(ConsumerRebalanceListener):
    def __init__(self, owner: TrackedConsumer):
        self.owner = owner

    async def on_partitions_revoked(self, revoked) -> None:
        return None

    async def on_partitions_assigned(self, assigned) -> None:
        for tp in assigned:
            position = self.owner.app.recorder.max_tracking_id(self.owner.tracking_name(tp.partition))
            if position is not None:
                self.owner.consumer.seek(tp, position)


class TrackedConsumer:
    def __init__(self, app: ServiceApplication, handle: Handler, bootstrap: str, topic: str, group_id: str,
                 rejected: tuple[type[Exception], ...] = ()):
        self.app = app
        self.handle = handle
        self.bootstrap = bootstrap
        self.topic = topic
        self.group_id = group_id
        self.rejected = (BadMessage, KeyError, ValueError, TypeError, *rejected)
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
            # The span continues the producer's trace; to_thread copies the context into the worker.
            with tracer.start_as_current_span(f"consume {envelope.type}", context=context_from(header_map(record.headers)),
                                              kind=trace.SpanKind.CONSUMER,
                                              attributes={"messaging.message.id": envelope.id,
                                                          "messaging.consumer.group.name": self.group_id}):
                await asyncio.to_thread(self.handle, envelope, tracking)
            self.applied += 1
        except self.rejected as exc:
            log.warning("dead-lettering %s[%s]@%s: %s", self.topic, record.partition, record.offset, str(exc)[:300])
            headers = dead_letter_headers(str(exc), self.topic, record.partition, record.offset, list(record.headers or []))
            headers.append(("dlq_consumer", self.group_id.encode()))
            await producer.send_and_wait(dlq_topic(self.topic), (record.value or b"")[:DLQ_VALUE_LIMIT],
                                         key=record.key, headers=headers)
            await asyncio.to_thread(self.app.save_tracked, tracking)
            self.dead_lettered += 1
