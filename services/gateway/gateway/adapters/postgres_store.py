"""The gateway's store on PostgreSQL (`GATEWAY_STORE=postgres`): several gateway replicas share accounts, sessions,
API keys, the ownership index, the audit log and the rate limits.

Every session of the pool carries a statement timeout and an idle-in-transaction timeout, so a stuck replica can
never hold a lock of the store; every statement commits on its own (autocommit), the audit records and owners of
several calls in one short transaction (group_commit.py)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from psycopg import Connection
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from gateway.adapters.group_commit import Write
from gateway.adapters.store import (
    ADDED_COLUMNS,
    AUDIT_DETAIL_DDL,
    EXPORTS_DDL,
    OWNERS_DDL,
    GatewayStore,
    Row,
    statement_of,
)
from gateway.settings import GatewaySettings

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS accounts (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        area_code TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        failed_count INTEGER NOT NULL DEFAULT 0,
        locked_until DOUBLE PRECISION NOT NULL DEFAULT 0,
        created_at DOUBLE PRECISION NOT NULL,
        created_by TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sessions (
        sid TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        last_seen DOUBLE PRECISION NOT NULL,
        ended_at DOUBLE PRECISION)""",
    "CREATE INDEX IF NOT EXISTS sessions_of_user ON sessions (username) WHERE ended_at IS NULL",
    """CREATE TABLE IF NOT EXISTS api_keys (
        key_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        area_code TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        created_by TEXT NOT NULL,
        revoked_at DOUBLE PRECISION)""",
    OWNERS_DDL,
    EXPORTS_DDL,
    f"""CREATE TABLE IF NOT EXISTS audit (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at DOUBLE PRECISION NOT NULL,
        {AUDIT_DETAIL_DDL})""",
    """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""",
    """CREATE OR REPLACE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    """CREATE OR REPLACE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()""",
    # One token bucket per account or API key, shared by every replica (PostgresRateLimiter).
    """CREATE TABLE IF NOT EXISTS rate_buckets (
        bucket TEXT PRIMARY KEY,
        tokens DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL,
        admitted BOOLEAN NOT NULL)""",
]


def _dialect(sql: str) -> str:
    """The shared queries' `?` placeholders as psycopg's (a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def conninfo_of(settings: GatewaySettings) -> str:
    return make_conninfo(host=settings.postgres_host, port=settings.postgres_port, dbname=settings.postgres_dbname,
                         user=settings.postgres_user, password=settings.postgres_password.get_secret_value(),
                         connect_timeout=settings.postgres_connect_timeout, application_name="pzh-gateway")


def session_options(settings: GatewaySettings) -> str:
    """Server settings of every session: the gateway's schema first, and the timeouts (in milliseconds)."""
    return (f"-c search_path={settings.postgres_schema} "
            f"-c statement_timeout={round(settings.postgres_statement_timeout * 1000)} "
            f"-c idle_in_transaction_session_timeout={settings.postgres_idle_in_transaction_timeout * 1000}")


class PostgresGatewayStore(GatewayStore):
    def __init__(self, settings: GatewaySettings):
        if not IDENTIFIER.match(settings.postgres_schema):
            raise ValueError("GATEWAY_POSTGRES_SCHEMA 应为小写字母、数字和下划线")
        self.schema = settings.postgres_schema
        self.pool: ConnectionPool[Connection[dict[str, Any]]] = ConnectionPool(
            conninfo_of(settings), min_size=1, max_size=settings.postgres_pool_size, open=False,
            timeout=settings.postgres_connect_timeout * 5, name="gateway-store",
            kwargs={"autocommit": True, "row_factory": dict_row, "options": session_options(settings)},
        )
        self.pool.open(wait=True, timeout=settings.postgres_connect_timeout * 5)
        try:
            self._create_schema()
        except BaseException:
            self.pool.close()
            raise
        self._start_writer()

    def _create_schema(self) -> None:
        # Replicas starting together: one creates the tables while the others wait on the lock.
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"pzh-gateway-schema:{self.schema}",))
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            for statement in SCHEMA:
                conn.execute(statement)
            for table, column, kind in ADDED_COLUMNS:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")

    def close(self) -> None:
        self._stop_writer()
        self.pool.close()

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[Row]:
        with self.pool.connection() as conn:
            return list(conn.execute(_dialect(sql), args).fetchall())

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        with self.pool.connection() as conn:
            return conn.execute(_dialect(sql), args).rowcount

    def _commit_writes(self, writes: Sequence[Write]) -> None:
        with self.pool.connection() as conn, conn.transaction():
            if any(kind == "audit" for kind, _ in writes):
                # The identity column hands out numbers before commit, so two replicas could make a record with a
                # lower seq visible after a reader paged past it (`after=`): the lock, held only until this
                # transaction commits, keeps seq in commit order.
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"pzh-gateway-audit:{self.schema}",))
            for write in writes:
                conn.execute(_dialect(statement_of(write)), write[1])

    def rate_limiter(self, per_minute: int) -> PostgresRateLimiter:
        return PostgresRateLimiter(self.pool, per_minute)


# One statement per request: the row lock of ON CONFLICT DO UPDATE makes the refill and the take atomic across
# replicas, and the server's clock is the one clock they share.
_TAKE = """
INSERT INTO rate_buckets AS b (bucket, tokens, updated_at, admitted)
VALUES (%(bucket)s, %(capacity)s - 1, extract(epoch FROM clock_timestamp())::float8, true)
ON CONFLICT (bucket) DO UPDATE SET
    tokens = LEAST(%(capacity)s, b.tokens + GREATEST(0, excluded.updated_at - b.updated_at) * %(rate)s)
        - CASE WHEN LEAST(%(capacity)s, b.tokens + GREATEST(0, excluded.updated_at - b.updated_at) * %(rate)s) >= 1
          THEN 1 ELSE 0 END,
    admitted = LEAST(%(capacity)s, b.tokens + GREATEST(0, excluded.updated_at - b.updated_at) * %(rate)s) >= 1,
    updated_at = excluded.updated_at
RETURNING admitted, tokens
"""


class PostgresRateLimiter:
    """The token bucket of api.limits.RateLimiter, kept in the store so that every replica draws on the same one."""

    def __init__(self, pool: ConnectionPool[Connection[dict[str, Any]]], per_minute: int):
        self.pool = pool
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)

    def take(self, key: str) -> int:
        """0 when the request may go; otherwise the seconds to wait (for Retry-After)."""
        with self.pool.connection() as conn:
            row = conn.execute(_TAKE, {"bucket": key, "capacity": self.capacity, "rate": self.rate}).fetchone()
        assert row is not None
        if row["admitted"]:
            return 0
        return max(1, math.ceil((1 - row["tokens"]) / self.rate))
