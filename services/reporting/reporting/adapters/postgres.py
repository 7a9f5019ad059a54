"""The PostgreSQL adapter of the read-model store: the tables of reporting.adapters.store in a schema
`reporting_<n>`, named by the one row of `public.reporting_current`. Every worker and read API of a deployment
shares them, in as many processes as it likes:

- each partition's events reach one worker (the consumer group), but one aggregate of the read model and one
  station's facts can come from several partitions (a station's staff from every worker's stream): a batch
  holds an advisory lock on each of its aggregates, then on each of its stations, until it commits
  (`_serialise`), so no worker folds a state or rolls up a station's facts that another is changing. Workers
  also meet on the dedupe table (an event delivered to both around a rebalance) and on roll-up rows (two
  stations of one county and day): rows are written in sorted order and a batch that loses a race (unique
  violation, deadlock, serialization failure) is rolled back and applied again, seeing the other's marks;
- a read consults the pointer (one indexed row) before it runs, so a rebuild builds `reporting_<n+1>` beside
  the live schema and `switch_to` repoints every reader in one transaction: never a half-built model. The
  previous schema is kept one generation, for a reader that read the pointer just before the switch."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import errors, sql

from reporting.adapters.store import _SCHEMA, SCHEMA_VERSION, SqlReadModel, StoreOutdated

_POINTER = """
CREATE TABLE IF NOT EXISTS public.reporting_current (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton), schema_name TEXT NOT NULL);
CREATE SEQUENCE IF NOT EXISTS public.reporting_schema_seq;
"""
# Byte order for every text column (codes compare as in SQLite: the prefix ranges rely on ';' after '9').
_PG_SCHEMA = (_SCHEMA.replace("TEXT", 'TEXT COLLATE "C"').replace("amount INTEGER", "amount BIGINT")
              .replace("DEFAULT CURRENT_TIMESTAMP", "DEFAULT now()::text")
              + "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);")
_CONFLICTS = (errors.UniqueViolation, errors.DeadlockDetected, errors.SerializationFailure)
_LOCK_KEY = 7_316_016  # advisory lock taken while the pointer or a schema is created


def conninfo_of(settings: Any) -> str:
    """A libpq connection string from the postgres_* settings every service has, with timeouts so that a
    stuck client never holds the read model's locks."""
    return psycopg.conninfo.make_conninfo(
        host=settings.postgres_host, port=settings.postgres_port, dbname=settings.postgres_dbname,
        user=settings.postgres_user, password=settings.postgres_password.get_secret_value(),
        connect_timeout=max(int(settings.postgres_connect_timeout), 1),
        options="-c statement_timeout=120000 -c idle_in_transaction_session_timeout=60000",
    )


class PostgresReadModelStore(SqlReadModel):
    def __init__(self, conninfo: str, schema: str | None = None, attempts: int = 8):
        """`schema` None: the live one the pointer names (created as `reporting_1` if there is none), followed
        across switches; a name: that schema, created if missing, never followed (a rebuild's target)."""
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self._lock = threading.Lock()
        self._attempts = attempts
        self._follow = schema is None
        self._schema = ""
        with self._conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
            try:
                cur.execute(_POINTER)
                if schema is None:
                    row = cur.execute("SELECT schema_name FROM public.reporting_current").fetchone()
                    if row is None:
                        n = cur.execute("SELECT nextval('public.reporting_schema_seq')").fetchone()[0]
                        schema = f"reporting_{n}"
                        self._create(cur, schema)
                        cur.execute("INSERT INTO public.reporting_current (schema_name) VALUES (%s)", [schema])
                    else:
                        schema = row[0]
                else:
                    self._create(cur, schema)
            finally:
                cur.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
        self._use(schema)
        self._fill_rollups_if_missing()

    @staticmethod
    def _create(cur: psycopg.Cursor, schema: str) -> None:
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        cur.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        cur.execute(_PG_SCHEMA)
        if cur.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 0:
            cur.execute("INSERT INTO schema_version VALUES (%s)", [SCHEMA_VERSION])

    def _use(self, schema: str) -> None:
        with self._conn.cursor() as cur:
            cur.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            version = cur.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise StoreOutdated(
                f"PostgreSQL schema {schema} holds read models of schema {version}, this service writes "
                f"{SCHEMA_VERSION}: run `python -m reporting rebuild`")
        self._schema = schema

    @property
    def schema(self) -> str:
        return self._schema

    def _follow_pointer(self) -> None:
        """Per read and per batch: the live schema, so a switch reaches every process at its next request."""
        if self._follow:
            row = self._conn.execute("SELECT schema_name FROM public.reporting_current").fetchone()
            if row is not None and row[0] != self._schema:
                self._use(row[0])

    def _q(self, query: str) -> str:
        return query.replace("?", "%s")

    def _cursor(self) -> psycopg.Cursor:
        return self._conn.cursor()

    def _run(self, work: Any) -> Any:
        """One short transaction; on losing a race with another worker it is rolled back and run again."""
        for attempt in range(self._attempts):
            try:
                with self._lock:
                    self._follow_pointer()
                    with self._conn.transaction():
                        return work(self._conn.cursor())
            except _CONFLICTS:
                if attempt == self._attempts - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))
        raise AssertionError("unreachable")

    def _serialise(self, cur: psycopg.Cursor, keys: list[str]) -> None:
        """Transaction-scoped advisory locks on the keys, taken in one order by every worker (sorted by lock
        number, in one statement: the sorted subquery runs before the locks), so two batches never wait on each
        other in a cycle; the aggregates' locks are all taken before any station's."""
        if keys:
            cur.execute("SELECT count(pg_advisory_xact_lock(n)) FROM (SELECT DISTINCT hashtextextended(k, 0) AS n "
                        "FROM unnest(%s::text[]) AS k ORDER BY n) AS locks", [sorted(keys)])

    def _read(self, query: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            self._follow_pointer()
            return [tuple(row) for row in self._conn.execute(self._q(query), list(params)).fetchall()]

    def switch_to(self, schema: str) -> str:
        """Makes `schema` the live read model in one transaction; drops the schemas older than the one it
        replaces. Returns the replaced schema's name."""
        with self._lock, self._conn.transaction():
            cur = self._conn.cursor()
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            previous = cur.execute("SELECT schema_name FROM public.reporting_current FOR UPDATE").fetchone()[0]
            cur.execute("UPDATE public.reporting_current SET schema_name = %s", [schema])
        for name in self.schemas():
            if name not in (schema, previous):
                self._conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
        return str(previous)

    def schemas(self) -> list[str]:
        return [row[0] for row in self._conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname ~ '^reporting_[0-9]+$' ORDER BY nspname")]

    def close(self) -> None:
        self._conn.close()


def fresh_schema(conninfo: str) -> PostgresReadModelStore:
    """A new, empty `reporting_<n>` beside the live one, for a rebuild to fill."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(_POINTER)
        n = conn.execute("SELECT nextval('public.reporting_schema_seq')").fetchone()[0]
    return PostgresReadModelStore(conninfo, schema=f"reporting_{n}")
