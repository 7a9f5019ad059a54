"""Event-store factory: one `eventsourcing` application per service, its persistence chosen by
settings (SQLite file per service by default, PostgreSQL, or KurrentDB), plus the mapper that keeps
the trace context of the command that caused each event."""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    ProcessRecorder,
    Recording,
    StoredEvent,
    Tracking,
    Transcoding,
)
from eventsourcing.postgres import PostgresDatastore
from opentelemetry import trace

from pzh_shared.kurrent import TOPIC as KURRENT_TOPIC
from pzh_shared.settings import ServiceSettings
from pzh_shared.telemetry import current_traceparent

META_KEY = "_meta"
# libpq's `options` for every session on the event store's database (store_env sets it from the settings).
SESSION_OPTIONS = "POSTGRES_SESSION_OPTIONS"

TApp = TypeVar("TApp", bound=Application[Any])
TAgg = TypeVar("TAgg")

tracer = trace.get_tracer(__name__)
# OpenTelemetry's db.system.name of each persistence module (KurrentDB has no registered name: its own).
DB_SYSTEMS = {"eventsourcing.sqlite": "sqlite", "eventsourcing.postgres": "postgresql", KURRENT_TOPIC: "kurrentdb"}


class TracingMapper(Mapper[UUID]):
    """Stores the W3C traceparent of the current span beside each event's state, so the relay can
    continue the command's trace when it publishes the event, however much later that is."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        traceparent = current_traceparent()
        if traceparent:
            annotated = object.__new__(type(domain_event))
            object.__setattr__(annotated, "__dict__", {**vars(domain_event), META_KEY: {"traceparent": traceparent}})
            domain_event = annotated
        return super().to_stored_event(domain_event)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ServiceApplication(Application[UUID]):
    """Base for each service's application: the value types the services' events use, and saving
    the effects of a consumed Kafka message atomically with the message's position."""

    recorder: ProcessRecorder
    # The exception each service maps to HTTP 404; get_existing raises it.
    not_found: type[Exception] = LookupError

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def find(self, aggregate_id: UUID | str, cls: type[TAgg] | None = None) -> TAgg | None:
        """The aggregate, or None when the id is malformed, unknown, or of another class."""
        try:
            aggregate: Any = self.repository.get(UUID(str(aggregate_id)))
        except (AggregateNotFoundError, ValueError):
            return None
        return aggregate if cls is None or isinstance(aggregate, cls) else None

    def get_existing(self, cls: type[TAgg], aggregate_id: UUID | str, what: str) -> TAgg:
        aggregate = self.find(aggregate_id, cls)
        if aggregate is None:
            raise self.not_found(f"{what} {aggregate_id} 不存在")
        return aggregate

    def construct_recorder(self) -> ProcessRecorder:
        # eventsourcing sets no statement timeout: the session options go into the pool's connection
        # arguments here, before its first connection (the pool opens lazily, on the first statement).
        datastore = getattr(self.factory, "datastore", None)
        options = self.env.get(SESSION_OPTIONS)
        if options and isinstance(datastore, PostgresDatastore):
            assert isinstance(datastore.pool.kwargs, dict)
            datastore.pool.kwargs["options"] = options
        # A process recorder is an application recorder that also stores tracking records.
        return self.factory.process_recorder()

    @cached_property
    def _append_attributes(self) -> dict[str, str]:
        system = DB_SYSTEMS.get(self.env.get("PERSISTENCE_MODULE") or "", "other_sql")
        # db.system is the name before OpenTelemetry's database conventions became stable; both, as their
        # migration ("database/dup") emits them.
        return {"db.system": system, "db.system.name": system, "db.operation.name": "append",
                "db.collection.name": self.name}

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Every save of new events (a command's, or a consumed message's with its tracking record) has its own
        span: how many events, never what they hold. Started, not made current: the mapper stores the command's
        traceparent with the events (their creation context, which the relay links to), not this span's."""
        span = tracer.start_span("eventstore append", kind=trace.SpanKind.CLIENT, attributes={
            **self._append_attributes, "eventstore.events": len(processing_event.events)})
        try:
            return super()._record(processing_event)
        except Exception as exc:
            # The type only: a store's message can quote the key it refused (an aggregate id, maybe a client's).
            span.set_status(trace.StatusCode.ERROR, type(exc).__name__)
            raise
        finally:
            span.end()

    def already_tracked(self, tracking: Tracking) -> bool:
        return self.recorder.has_tracking_id(tracking.application_name, tracking.notification_id)

    def save_tracked(self, tracking: Tracking, *aggregates: Any) -> None:
        """Stores the aggregates' new events and the tracking record in one transaction, so a message
        redelivered after a crash is recognised (already_tracked) and changes nothing."""
        processing_event = ProcessingEvent[UUID](tracking=tracking)
        processing_event.collect_events(*aggregates)
        if not processing_event.events:
            self.recorder.insert_tracking(tracking)
            return
        self._notify(self._record(processing_event))


def event_meta(domain_event: Any) -> dict[str, str]:
    """The metadata a TracingMapper stored with the event ({} for events stored without it)."""
    return dict(vars(domain_event).get(META_KEY) or {})


def store_env(settings: ServiceSettings, name: str) -> dict[str, str]:
    """The `eventsourcing` environment for the service's application named `name`."""
    env = {"MAPPER_TOPIC": f"{__name__}:TracingMapper"}
    if settings.event_store == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        env |= {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.data_dir / f"{name}.sqlite"),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    elif settings.event_store == "postgres":
        env |= {"PERSISTENCE_MODULE": "eventsourcing.postgres", **postgres_env(settings)}
    else:
        # Events in KurrentDB, tracking records in PostgreSQL (pzh_shared.kurrent; the `kurrentdb` extra).
        env |= {"PERSISTENCE_MODULE": KURRENT_TOPIC, "KURRENTDB_URI": settings.kurrentdb_uri, **postgres_env(settings)}
    if settings.cipher_key.get_secret_value():
        env |= {"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
                "CIPHER_KEY": settings.cipher_key.get_secret_value()}
    return env


def postgres_env(settings: ServiceSettings) -> dict[str, str]:
    """eventsourcing's PostgreSQL settings: the event store's database, or the tracking database beside KurrentDB."""
    return {
        "POSTGRES_HOST": settings.postgres_host,
        "POSTGRES_PORT": str(settings.postgres_port),
        "POSTGRES_DBNAME": settings.postgres_dbname,
        "POSTGRES_USER": settings.postgres_user,
        "POSTGRES_PASSWORD": settings.postgres_password.get_secret_value(),
        "POSTGRES_CONNECT_TIMEOUT": str(settings.postgres_connect_timeout),
        # eventsourcing SETs this one on each new connection (its default is 5 s).
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(settings.postgres_idle_in_transaction_timeout),
        SESSION_OPTIONS: session_options(settings),
    }


def session_options(settings: ServiceSettings) -> str:
    """libpq `options` giving a session the settings' statement and idle-in-transaction timeouts: the server
    cancels a statement that runs too long and ends a session idle inside a transaction, releasing its locks."""
    statement_ms = round(settings.postgres_statement_timeout * 1000)
    idle_ms = settings.postgres_idle_in_transaction_timeout * 1000
    return f"-c statement_timeout={statement_ms} -c idle_in_transaction_session_timeout={idle_ms}"


def make_application(cls: type[TApp], settings: ServiceSettings) -> TApp:
    return cls(env=store_env(settings, cls.name))
