"""A Kafka consumer whose effects are applied effectively once by a service's event-sourced application.

Each message's effects commit with its (topic:partition, offset + 1) as a tracking record in the
service's own store; on every partition assignment the consumer seeks past the last tracked
message, so the store, not the group's committed offsets, decides where to resume. A message the
handler rejects goes to `<topic>.dlq` (with a `dlq_consumer` header) and is tracked as handled.

Several members of one group (processes on one shared store) are safe: a member skips what is left of
a batch of a partition it lost, and when two members meet on one message during a rebalance, or on one
aggregate through two partitions, the store refuses the second write (IntegrityError): a message
tracked by then is dropped, anything else is applied again on the aggregate's new state."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from eventsourcing.persistence import IntegrityError, Tracking
from opentelemetry import trace
from pydantic import BaseModel

from pzh_shared.envelope import BadMessage, Envelope, decode, dlq_topic, header_map
from pzh_shared.eventstore import ServiceApplication
from pzh_shared.kafka import DLQ_VALUE_LIMIT, dead_letter_headers, ensure_topics, make_producer
from pzh_shared.metrics import CONSUMER_DEAD_LETTERED, CONSUMER_LAG, CONSUMER_PROCESSED, EVENT_DELAY, event_delay
from pzh_shared.settings import kafka_partitions
from pzh_shared.telemetry import context_from

if TYPE_CHECKING:
    from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

# Applies one envelope and saves its effects with app.save_tracked(tracking, ...); raises
# `rejected` exceptions for messages that can never be applied.
Handler = Callable[[Envelope, Tracking], None]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class On(Generic[M]):
    """One event type a service reads: the consumer's own model of just the fields it reads, and the
    typed application command that applies it, saving its effects with the tracking record."""

    model: type[M]
    command: Callable[[M, Tracking], None]


class UnreadVersion(ValueError):
    """A version of an event this service reads, but not one it knows: dead-lettered, never guessed at."""


class Subscription:
    """The one way a service consumes another service's events (a TrackedConsumer's handler): each
    event type it reads is validated into its model, then its command is called; any other type is
    tracked and ignored; a message seen before (same tracking) changes nothing."""

    def __init__(self, app: ServiceApplication, handlers: Mapping[str, On[Any]]):
        self.app = app
        self.handlers = dict(handlers)
        self._families: dict[str, list[str]] = {}
        for event_type in self.handlers:
            self._families.setdefault(event_type.rpartition(".v")[0], []).append(event_type)

    def __call__(self, envelope: Envelope, tracking: Tracking) -> None:
        self.apply(envelope.type, envelope.data, tracking)

    def apply(self, event_type: str, data: Any, tracking: Tracking) -> None:
        if self.app.already_tracked(tracking):
            return
        on = self.handlers.get(event_type)
        if on is None:
            known = self._families.get(event_type.rpartition(".v")[0])
            if known:
                raise UnreadVersion(f"{event_type}：本服务只读取 {'、'.join(sorted(known))}")
            self.app.save_tracked(tracking)  # not an event this service reads
            return
        on.command(on.model.model_validate(data), tracking)  # a ValidationError (a ValueError) dead-letters it


# aiokafka ships no type information, so to mypy its listener base class is Any.
class _SeekToTracked(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: TrackedConsumer):
        self.owner = owner

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        for tp in revoked:  # another member reports these now
            self.owner.forget_lag(tp.partition)

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        for tp in assigned:
            position = self.owner.app.recorder.max_tracking_id(self.owner.tracking_name(tp.partition))
            if position is not None:
                self.owner.running().seek(tp, position)


class TrackedConsumer:
    def __init__(self, app: ServiceApplication, handle: Handler, bootstrap: str, topic: str, group_id: str,
                 rejected: tuple[type[Exception], ...] = (), partitions: int | None = None):
        self.app = app
        self.handle = handle
        self.bootstrap = bootstrap
        self.topic = topic
        self.group_id = group_id
        # Used only if the topic is not there yet; the services' consumer factories take the platform-wide count.
        self.partitions = partitions if partitions is not None else kafka_partitions()
        self.rejected: tuple[type[Exception], ...] = (BadMessage, KeyError, ValueError, TypeError, *rejected)
        self.consumer: AIOKafkaConsumer | None = None
        self.applied = 0
        self.dead_lettered = 0
        self._processed_metric = CONSUMER_PROCESSED.labels(group_id, topic)
        self._dead_lettered_metric = CONSUMER_DEAD_LETTERED.labels(group_id, topic)
        self._delay_metric = EVENT_DELAY.labels(group_id, topic)

    def tracking_name(self, partition: int) -> str:
        return f"{self.topic}:{partition}"

    def running(self) -> AIOKafkaConsumer:
        """The Kafka consumer, which exists while run() runs."""
        assert self.consumer is not None, "the consumer is not running"
        return self.consumer

    async def run(self, stop: asyncio.Event) -> None:
        await ensure_topics(self.bootstrap, {self.topic: self.partitions, dlq_topic(self.topic): self.partitions})
        self.consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=self.group_id,
                                         enable_auto_commit=False, auto_offset_reset="earliest")
        self.consumer.subscribe([self.topic], listener=_SeekToTracked(self))
        producer = make_producer(self.bootstrap)
        await self.consumer.start()
        await producer.start()
        try:
            while not stop.is_set():
                batches = await self.consumer.getmany(timeout_ms=300, max_records=500)
                for tp, records in batches.items():
                    self._note_lag(tp, records[0].offset)
                    for record in records:
                        if tp not in self.consumer.assignment():
                            break  # revoked by a rebalance mid-batch: its new owner goes on from the tracking
                        await self._handle(record, producer)
                        self._note_lag(tp, record.offset + 1)
                if batches:
                    # Offsets only for lag monitoring: the tracking records decide where to resume.
                    await self.consumer.commit()
                else:
                    await self._note_idle_lag()
        finally:
            await self.consumer.stop()
            await producer.stop()

    def _note_lag(self, tp: TopicPartition, position: int) -> None:
        consumer = self.running()
        if tp not in consumer.assignment():
            return  # revoked by a rebalance while a message was handled: aiokafka asserts on its high watermark
        highwater = consumer.highwater(tp)
        if highwater is not None:
            CONSUMER_LAG.labels(self.group_id, self.topic, str(tp.partition)).set(max(highwater - position, 0))

    async def _note_idle_lag(self) -> None:
        # Idle: each fetch still brings the high watermark, so the lag is 0 again once caught up.
        consumer = self.running()
        for tp in consumer.assignment():
            try:
                position = await asyncio.wait_for(consumer.position(tp), 1.0)
            except (TimeoutError, KafkaError, AssertionError):  # a rebalance is moving the partition
                continue
            self._note_lag(tp, position)

    def forget_lag(self, partition: int) -> None:
        try:
            CONSUMER_LAG.remove(self.group_id, self.topic, str(partition))
        except KeyError:
            pass

    async def _apply(self, envelope: Envelope, tracking: Tracking, attempts: int = 5) -> bool:
        """Applies the message; False when another member of the group applied it first."""
        for attempt in range(attempts):
            try:
                await asyncio.to_thread(self.handle, envelope, tracking)
                return True
            except IntegrityError:
                if await asyncio.to_thread(self.app.already_tracked, tracking):
                    log.info("%s: message applied by another member of %s", self.topic, self.group_id)
                    return False
                if attempt == attempts - 1:
                    raise
                # Another member changed the same aggregate meanwhile: the handler reads it again.
                await asyncio.sleep(0.05 * (attempt + 1))
        return False

    async def _handle(self, record: ConsumerRecord[bytes, bytes], producer: AIOKafkaProducer) -> None:
        tracking = Tracking(self.tracking_name(record.partition), record.offset + 1)
        if await asyncio.to_thread(self.app.already_tracked, tracking):
            return  # seen before the last crash or rebalance
        try:
            envelope = decode(record.value)
            # One message, one process span, the child of the message's creation context (the command that stored
            # the event: the relay's traceparent header), so it joins the command's trace; to_thread copies the
            # context into the worker thread, where the event store's span and any new events' traceparent use it.
            with tracer.start_as_current_span(
                f"consume {envelope.type}",
                context=context_from(header_map(record.headers)),
                kind=trace.SpanKind.CONSUMER,
                attributes={"messaging.system": "kafka", "messaging.operation.type": "process",
                            "messaging.destination.name": self.topic,
                            "messaging.destination.partition.id": str(record.partition),
                            "messaging.message.id": envelope.id, "messaging.consumer.group.name": self.group_id},
            ):
                if not await self._apply(envelope, tracking):
                    return
            self.applied += 1
            self._processed_metric.inc()
            self._delay_metric.observe(event_delay(envelope.time))
        except self.rejected as exc:
            log.warning("dead-lettering %s[%s]@%s: %s", self.topic, record.partition, record.offset, str(exc)[:300])
            headers = dead_letter_headers(
                str(exc), self.topic, record.partition, record.offset, list(record.headers or [])
            )
            headers.append(("dlq_consumer", self.group_id.encode()))
            await producer.send_and_wait(dlq_topic(self.topic), (record.value or b"")[:DLQ_VALUE_LIMIT],
                                         key=record.key, headers=headers)
            await asyncio.to_thread(self.app.save_tracked, tracking)
            self.dead_lettered += 1
            self._dead_lettered_metric.inc()
