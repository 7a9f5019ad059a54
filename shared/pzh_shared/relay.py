"""Outbox relay: follows a service's notification log and publishes each integration event to
`<service>.events`.

At-least-once: the checkpoint is saved only after Kafka acknowledged every event of the page, so a
crash between the two republishes that page; consumers drop duplicates by the envelope's id, which
is derived from (aggregate id, version) and so identical on every republish.

Replicas: on PostgreSQL several relays of one service may run; only the holder of the service's
lease (a session-level advisory lock, PostgresLease) publishes, the others retry every
`lease_retry` seconds and take over when the holder's session ends. The checkpoint is in the store,
so the new holder resumes after the last page the old one saw acknowledged. On KurrentDB the lease is
taken in the PostgreSQL database of the tracking records. On SQLite (one machine) there is no lease: run
one relay per service.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiokafka.errors import KafkaError
from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from opentelemetry import trace

from pzh_shared.envelope import Envelope, encode_event, event_id
from pzh_shared.eventstore import event_meta
from pzh_shared.kafka import ensure_topics, make_producer
from pzh_shared.kurrent import TOPIC as KURRENT_TOPIC
from pzh_shared.metrics import RELAY_LAG, RELAY_PUBLISHED
from pzh_shared.telemetry import links_to

if TYPE_CHECKING:
    import psycopg
    from aiokafka import AIOKafkaProducer

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

# Sends of a page not acknowledged after this long: the broker is away (the producer keeps retrying meanwhile).
STALL_S = 5.0

# (integration event type, data) for a public event, None for an event that stays private.
Translator = Callable[[Any], tuple[str, dict[str, Any]] | None]


def _drop(future: asyncio.Future[Any]) -> None:
    """A page read ahead and not used: its error, if any, is taken so asyncio does not report it as never retrieved
    (the page is read again, and a store that is away fails that read)."""
    if not future.cancelled():
        future.exception()


def lease_key(name: str) -> int:
    """The advisory-lock key of a lease: a stable signed 64-bit hash of its name (Python's hash() is salted)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


class PostgresLease:
    """One active relay per service: pg_try_advisory_lock on a connection of its own. A session-level
    lock lives exactly as long as its session, so a holder that dies in any way (SIGKILL included)
    frees it as soon as the server sees the connection close; TCP keepalives on both ends bound how
    long a holder cut off by the network keeps it."""

    def __init__(self, conninfo: dict[str, Any], name: str, check_every: float = 1.0):
        self.conninfo = conninfo
        self.name = name
        self.key = lease_key(name)
        self.check_every = check_every
        self.holding = False
        self._conn: psycopg.Connection[Any] | None = None
        self._checked = 0.0

    def held(self) -> bool:
        """Takes the lease if it is free; True while this process holds it (its session checked at
        most every check_every seconds: a lost lease may go unnoticed that long, which only means
        duplicates, dropped by the consumers)."""
        import psycopg

        now = time.monotonic()
        if self.holding and now - self._checked < self.check_every:
            return True
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(**self.conninfo, autocommit=True)
            if self.holding:
                self._conn.execute("SELECT 1")
            else:
                row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
                self.holding = bool(row and row[0])
                if self.holding:
                    log.info("relay lease %s taken: this relay publishes now", self.name)
        except psycopg.Error as exc:
            if self.holding:
                log.warning("relay lease %s lost (%s): standing by", self.name, type(exc).__name__)
            self.release()
            return False
        self._checked = now
        return self.holding

    def release(self) -> None:
        """Closing the session frees the lock (no explicit unlock: the session may be gone already)."""
        self.holding = False
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # closing a broken connection: nothing left to free
                pass


def lease_for(app: Application[Any], name: str) -> PostgresLease | None:
    """The relay's lease when the app's store is PostgreSQL, or KurrentDB with its tracking in PostgreSQL (same
    server and credentials), else None."""
    env = app.env
    if env.get("PERSISTENCE_MODULE") not in ("eventsourcing.postgres", KURRENT_TOPIC):
        return None
    keepalive = "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3"
    conninfo: dict[str, Any] = {
        "host": env.get("POSTGRES_HOST"), "port": int(env.get("POSTGRES_PORT") or 5432),
        "dbname": env.get("POSTGRES_DBNAME"), "user": env.get("POSTGRES_USER"),
        "password": env.get("POSTGRES_PASSWORD") or "",
        "connect_timeout": int(env.get("POSTGRES_CONNECT_TIMEOUT") or 5),
        "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3, "options": keepalive,
    }
    # Advisory locks are per database; two deployments in one database differ by schema.
    schema = env.get("POSTGRES_SCHEMA") or "public"
    return PostgresLease(conninfo, f"pzh-relay:{schema}:{name}")


class OutboxRelay:
    def __init__(self, app: Application[Any], translate: Translator, bootstrap: str, service: str,
                 page_size: int = 500, idle_wait: float = 0.1, partitions: int = 3, topic: str | None = None,
                 lease: PostgresLease | None = None, lease_retry: float = 1.0):
        self.app = app
        self.translate = translate
        self.bootstrap = bootstrap
        self.service = service
        # A test gives a topic of its own, so its events never reach the session platform's read models.
        self.topic = topic or f"{service}.events"
        self.source = f"/pzh/{service}"
        self.span_name = f"send {self.topic}"  # OpenTelemetry: "{messaging.operation.name} {destination}"
        self.page_size = page_size
        self.idle_wait = idle_wait
        self.partitions = partitions
        self.tracking = app.factory.tracking_recorder()
        self.checkpoint_name = f"{service}-relay"
        # Only run() takes the lease: a test driving relay_page() itself publishes without one.
        self.lease = lease if lease is not None else lease_for(app, self.checkpoint_name)
        self.lease_retry = lease_retry
        self.producer: AIOKafkaProducer | None = None
        self._ahead: tuple[int, asyncio.Future[Sequence[Any]]] | None = None  # (start, the page after it being read)
        self.published = 0
        self._degraded_since: float | None = None  # when Kafka stopped answering: said once, and when it is back
        self._published_metric = RELAY_PUBLISHED.labels(self.topic)
        # Read at scrape time (two indexed queries), so the publishing loop pays nothing for it.
        RELAY_LAG.labels(self.topic).set_function(self.lag)

    def checkpoint(self) -> int:
        return self.tracking.max_tracking_id(self.checkpoint_name) or 0

    def lag(self) -> float:
        """Notifications stored after the checkpoint (private ones included: they are skipped, not published)."""
        try:
            return max((self.app.recorder.max_notification_id() or 0) - self.checkpoint(), 0)
        except Exception:  # the store is away: no number rather than a failed scrape
            return float("nan")

    async def start(self) -> None:
        await ensure_topics(self.bootstrap, {self.topic: self.partitions, f"{self.topic}.dlq": self.partitions})
        producer = self.producer = make_producer(self.bootstrap)
        await producer.start()

    async def stop(self) -> None:
        if self.producer is not None:
            await self.producer.stop()
            self.producer = None

    def envelope(self, notification: Any) -> tuple[Envelope, dict[str, str]] | None:
        """The notification's envelope and stored metadata, None for a private event (the relay itself
        uses _prepare, which produces the same bytes without the model)."""
        prepared = self._prepare(notification)
        if prepared is None:
            return None
        ce_id, event_type, subject, timestamp, data, meta = prepared
        return Envelope(id=ce_id, source=self.source, type=event_type, subject=subject, time=timestamp, data=data), meta

    def _prepare(self, notification: Any) -> tuple[str, str, str, datetime, dict[str, Any], dict[str, str]] | None:
        domain_event = self.app.mapper.to_domain_event(notification)
        public = self.translate(domain_event)
        if public is None:
            return None
        event_type, data = public
        timestamp = getattr(domain_event, "timestamp", None) or datetime.now(UTC)
        subject = str(notification.originator_id)  # also the text the event id hashes: formatted once
        return (event_id(subject, notification.originator_version), event_type, subject, timestamp, data,
                event_meta(domain_event))

    async def relay_page(self) -> int:
        """Publishes the next page after the checkpoint; returns how many notifications it covered."""
        notifications = await self._page_after(self.checkpoint())
        if not notifications:
            return 0
        producer = self.producer
        assert producer is not None, "start() the relay first"
        self._read_ahead(notifications)
        messages, ids, creations = [], [], []
        for notification in notifications:
            prepared = self._prepare(notification)
            if prepared is None:
                continue
            ce_id, event_type, subject, timestamp, data, meta = prepared
            # The header carries the creation context (the command's span) itself, so each consumer's span joins
            # the command's trace; the page's one send span links to it (no span per event: they were the relay's
            # largest cost).
            creation = meta.get("traceparent")
            messages.append(encode_event(ce_id, self.source, event_type, subject, timestamp, data, creation))
            ids.append(ce_id)
            creations.append(creation)
        if messages:
            with tracer.start_as_current_span(self.span_name, kind=trace.SpanKind.PRODUCER, links=links_to(creations),
                                              attributes=self._send_attributes(ids)):
                pending = [await producer.send(self.topic, value, key=key, headers=headers)
                           for key, value, headers in messages]
                await self._delivered(pending)
        await asyncio.to_thread(self.tracking.insert_tracking, Tracking(self.checkpoint_name, notifications[-1].id))
        self.published += len(messages)
        self._published_metric.inc(len(messages))
        return len(notifications)

    def _select(self, start: int) -> asyncio.Future[Sequence[Any]]:
        return asyncio.ensure_future(asyncio.to_thread(
            self.app.recorder.select_notifications, start, self.page_size, inclusive_of_start=False))

    def _read_ahead(self, notifications: Sequence[Any]) -> None:
        """After a full page the next is likely there: it is read meanwhile (in a thread) while this one is prepared,
        sent and acknowledged. Only read: what is published and checkpointed, and in what order, is unchanged."""
        if len(notifications) == self.page_size:
            after = notifications[-1].id
            self._ahead = (after, self._select(after))

    async def _page_after(self, start: int) -> Sequence[Any]:
        """The page after `start`: the one read ahead if it starts there and is full (a short one may have grown since:
        read again), else read now. A page read ahead after a failed send (the checkpoint did not move) is dropped."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            after, future = ahead
            if after == start:
                notifications = await future
                if len(notifications) == self.page_size:
                    return notifications
            else:
                future.add_done_callback(_drop)
        return await self._select(start)

    def _send_attributes(self, ids: list[str]) -> dict[str, Any]:
        """The OpenTelemetry messaging attributes of a page's send span: a batch is counted, a single message named
        (the conventions set messaging.batch.message_count only where an operation has more than one message)."""
        attributes: dict[str, Any] = {
            "messaging.system": "kafka", "messaging.destination.name": self.topic,
            "messaging.operation.type": "send", "messaging.operation.name": "send",
        }
        if len(ids) > 1:
            attributes["messaging.batch.message_count"] = len(ids)
        else:
            attributes["messaging.message.id"] = ids[0]
        return attributes

    async def _delivered(self, pending: list[Any]) -> None:
        """Waits for the broker's acknowledgements. The producer retries by itself while the broker is away, so an
        outage shows first as sends not acknowledged: after STALL_S that is said once (degraded)."""
        _, waiting = await asyncio.wait(pending, timeout=STALL_S)
        if waiting:
            self._degraded(f"{len(waiting)} events not acknowledged after {STALL_S:.0f} s")
        await asyncio.gather(*pending)  # the first send error, if any, as before

    def _degraded(self, why: str) -> None:
        if self._degraded_since is None:
            self._degraded_since = time.monotonic()
            log.warning("relay %s: Kafka unreachable (%s): degraded, new events wait in the store and are sent when "
                        "it is back", self.topic, why)

    def _recovered(self) -> None:
        if self._degraded_since is not None:
            log.warning("relay %s: Kafka reachable again after %.0f s: recovered", self.topic,
                        time.monotonic() - self._degraded_since)
            self._degraded_since = None

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.5
        try:
            while not stop.is_set():
                if not await self._leased():
                    await self.stop()  # a standby keeps no producer open
                    await self._pause(stop, self.lease_retry)
                    continue
                try:
                    if self.producer is None:
                        await self.start()
                    moved = await self.relay_page()
                    backoff = 0.5
                    self._recovered()
                except KafkaError as exc:
                    # Nothing was checkpointed for the failed page: it is sent again after reconnecting.
                    self._degraded(type(exc).__name__)
                    log.debug("relay %s: Kafka error %r; retrying in %.1fs", self.topic, exc, backoff)
                    await self.stop()
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                if moved < self.page_size:
                    await self._pause(stop, self.idle_wait)
        finally:
            await self.stop()
            if self.lease is not None:
                await asyncio.to_thread(self.lease.release)  # a clean stop hands over at once

    async def _leased(self) -> bool:
        return self.lease is None or await asyncio.to_thread(self.lease.held)

    @staticmethod
    async def _pause(stop: asyncio.Event, seconds: float) -> None:
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            pass
