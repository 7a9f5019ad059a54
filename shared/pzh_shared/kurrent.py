"""KurrentDB (EventStoreDB) as a service's event store (EVENT_STORE=kurrentdb).

eventsourcing-kurrentdb 1.2 stores and reads the events but has no tracking or process recorder, which every
service (consumed messages), relay (checkpoint) and consumer needs. This factory completes it:

- events: one KurrentDB stream per aggregate, named `<application>-<aggregate id>`, so several services (and test
  runs) share one server without seeing each other's events; the notification log is `$all` read with a server-side
  filter on that stream prefix, and a notification's id is the event's commit position in `$all`;
- versions: our aggregates start at version 1 (eventsourcing's default, and the SQLite/PostgreSQL data), KurrentDB
  streams at position 0, so version v is stored at stream position v - 1 and read back as v;
- a save of several aggregates is one multi-stream append (atomic, KurrentDB 25.1 or later), one aggregate's a plain
  append;
- tracking records (and the idempotency keys and lists that find the store's SQL database) in PostgreSQL, in the
  tables the PostgreSQL backend would use (`<application>_tracking`), named by the same POSTGRES_* settings.

A consumed message's effects and its tracking record are two stores, so not one transaction: the tracking row is
written first in a PostgreSQL transaction held open (it locks the row, so a second member of the group waits, then
finds it tracked), the events are appended, then the transaction commits. A crash between the append and the commit
leaves the events without the tracking, and the redelivered message is applied again on the new state.

The KurrentDB client is imported where it is first needed: the package is the optional `kurrentdb` extra."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    InfrastructureFactoryError,
    IntegrityError,
    Notification,
    PersistenceError,
    ProcessRecorder,
    StoredEvent,
    Subscription,
    Tracking,
)
from eventsourcing.postgres import PostgresFactory, PostgresTrackingRecorder
from eventsourcing.utils import Environment

# PERSISTENCE_MODULE's value for this factory (eventsourcing resolves a topic to the class).
TOPIC = f"{__name__}:KurrentFactory"


def stream_name(prefix: str, originator_id: UUID | str) -> str:
    return f"{prefix}-{originator_id}"


def originator_id(prefix: str, stream: str) -> UUID:
    return UUID(stream.removeprefix(f"{prefix}-"))


def to_stream(prefix: str, stored_event: StoredEvent) -> StoredEvent:
    """The event as KurrentDB stores it: in its aggregate's stream, version v at stream position v - 1."""
    return StoredEvent(originator_id=stream_name(prefix, stored_event.originator_id),
                       originator_version=stored_event.originator_version - 1,
                       topic=stored_event.topic, state=stored_event.state)


def from_stream(aggregate_id: UUID, stored_event: StoredEvent) -> StoredEvent:
    """The event as the application reads it (the inverse of to_stream)."""
    return StoredEvent(originator_id=aggregate_id, originator_version=stored_event.originator_version + 1,
                       topic=stored_event.topic, state=stored_event.state)


def stream_bounds(gt: int | None, lte: int | None) -> tuple[int | None, int | None] | None:
    """select_events' version bounds as stream positions; None when no version can match (lte below 1)."""
    if lte is not None and lte < 1:
        return None
    return (gt - 1 if gt is not None and gt >= 1 else None), (lte - 1 if lte is not None else None)


def notification(prefix: str, stream: str, stream_position: int, commit_position: int, topic: str,
                 state: bytes) -> Notification:
    return Notification(id=commit_position, originator_id=originator_id(prefix, stream),
                        originator_version=stream_position + 1, topic=topic, state=state)


class KurrentProcessRecorder(ProcessRecorder):
    """Events in KurrentDB (through eventsourcing-kurrentdb's recorder), tracking records in PostgreSQL."""

    def __init__(self, client: Any, events: Any, tracking: PostgresTrackingRecorder, prefix: str):
        self.client = client  # kurrentdbclient.KurrentDBClient
        self.events = events  # eventsourcing_kurrentdb's KurrentDBAggregateRecorder on that client
        self.tracking = tracking
        # The SQL database of the idempotency keys (pzh_shared.idempotency), as on the PostgreSQL backend.
        self.datastore = tracking.datastore
        self.prefix = prefix
        # A server-side regex on stream names: this application's streams only.
        self.streams = [f"{re.escape(prefix)}-.*"]

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is None:
            self._append(stored_events)
            return None
        with self.datastore.transaction(commit=True) as cursor:
            self.tracking._insert_tracking(cursor, tracking)
            self._append(stored_events)
        return None

    def _append(self, stored_events: Sequence[StoredEvent]) -> None:
        streams: dict[str, list[StoredEvent]] = {}
        for stored_event in stored_events:
            moved = to_stream(self.prefix, stored_event)
            streams.setdefault(str(moved.originator_id), []).append(moved)
        if len(streams) <= 1:
            for events in streams.values():
                self.events.insert_events(events)  # maps a version conflict to IntegrityError
            return
        from kurrentdbclient import NewEvent, NewEvents, StreamState  # type: ignore[import-not-found, unused-ignore]
        from kurrentdbclient.exceptions import WrongCurrentVersionError  # type: ignore[import-not-found, unused-ignore]

        appends = [
            NewEvents(stream_name=name,
                      events=[NewEvent(type=e.topic, data=e.state, content_type="application/octet-stream")
                              for e in events],
                      current_version=StreamState.NO_STREAM if events[0].originator_version == 0
                      else events[0].originator_version - 1)
            for name, events in streams.items()
        ]
        try:
            self.client.multi_append_to_stream(appends)
        except WrongCurrentVersionError as exc:
            raise IntegrityError(exc) from exc
        except Exception as exc:
            raise PersistenceError(exc) from exc

    def select_events(self, originator_id: UUID | str, *, gt: int | None = None, lte: int | None = None,
                      desc: bool = False, limit: int | None = None) -> Sequence[StoredEvent]:
        bounds = stream_bounds(gt, lte)
        if bounds is None:
            return []
        aggregate_id = UUID(str(originator_id))
        found = self.events.select_events(stream_name(self.prefix, aggregate_id), gt=bounds[0], lte=bounds[1],
                                          desc=desc, limit=limit)
        return [from_stream(aggregate_id, stored_event) for stored_event in found]

    def select_notifications(self, start: int | None, limit: int, stop: int | None = None, topics: Sequence[str] = (),
                             *, inclusive_of_start: bool = True) -> Sequence[Notification]:
        if topics:
            raise NotImplementedError("the platform reads every notification; topic filters are not implemented")
        recorded = self.client.read_all(commit_position=start, filter_include=self.streams, filter_by_stream_name=True,
                                        limit=limit if inclusive_of_start else limit + 1)
        notifications: list[Notification] = []
        for event in recorded:
            if not inclusive_of_start and event.commit_position == start:
                continue
            if len(notifications) == limit or (stop is not None and event.commit_position > stop):
                break
            notifications.append(notification(self.prefix, event.stream_name, event.stream_position,
                                              event.commit_position, event.type, event.data))
        return notifications

    def max_notification_id(self) -> int | None:
        return int(self.client.get_commit_position(filter_include=self.streams, filter_by_stream_name=True)) or None

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> Subscription[ApplicationRecorder]:
        # The relay and the lists poll select_notifications on every backend (docs/architecture.md, relay).
        raise NotImplementedError("no subscription: the platform polls select_notifications")

    def insert_tracking(self, tracking: Tracking) -> None:
        self.tracking.insert_tracking(tracking)

    # eventsourcing's retry decorator hides these methods' types: the annotations restore them.
    def max_tracking_id(self, application_name: str) -> int | None:
        found: int | None = self.tracking.max_tracking_id(application_name)
        return found

    def has_tracking_id(self, application_name: str, notification_id: int | None) -> bool:
        tracked: bool = self.tracking.has_tracking_id(application_name, notification_id)
        return tracked


class KurrentFactory(InfrastructureFactory[PostgresTrackingRecorder]):
    """KURRENTDB_URI (and KURRENTDB_ROOT_CERTIFICATES for TLS) for the events, POSTGRES_* for the tracking."""

    def __init__(self, env: Environment):
        super().__init__(env)
        uri = self.env.get("KURRENTDB_URI")
        if not uri:
            raise InfrastructureFactoryError("KURRENTDB_URI is not set (EVENT_STORE=kurrentdb)")
        from eventsourcing_kurrentdb.recorders import KurrentDBAggregateRecorder  # type: ignore[import-not-found, unused-ignore]
        from kurrentdbclient import KurrentDBClient  # type: ignore[import-not-found, unused-ignore]

        self.client = KurrentDBClient(uri=uri, root_certificates=self.env.get("KURRENTDB_ROOT_CERTIFICATES"))
        self._events = KurrentDBAggregateRecorder(self.client)
        self.postgres = PostgresFactory(self.env)
        # ServiceApplication.construct_recorder gives this pool the PostgreSQL session options.
        self.datastore = self.postgres.datastore
        self.prefix = self.env.name.lower()

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        if purpose != "events":
            raise NotImplementedError("snapshots on KurrentDB: no service takes snapshots")
        return self.process_recorder()

    def application_recorder(self) -> ApplicationRecorder:
        return self.process_recorder()

    def tracking_recorder(self, tracking_recorder_class: Any = None) -> PostgresTrackingRecorder:
        recorder: PostgresTrackingRecorder = self.postgres.tracking_recorder(tracking_recorder_class)
        return recorder

    def process_recorder(self) -> ProcessRecorder:
        return KurrentProcessRecorder(self.client, self._events, self.postgres.tracking_recorder(), self.prefix)

    def close(self) -> None:
        self.postgres.close()
        self.client.close()
