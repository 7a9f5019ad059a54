"""The gateway's store in one SQLite file: the embedded default (`GATEWAY_STORE=sqlite`), for one gateway process."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pzh_shared.sqlite import connect_wal

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

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    area_code TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_count INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL,
    ended_at REAL
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    area_code TEXT NOT NULL,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at REAL
);
{OWNERS_DDL};
{EXPORTS_DDL};
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    {AUDIT_DETAIL_DDL});
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class SqliteGatewayStore(GatewayStore):
    def __init__(self, path: Path | str):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = connect_wal(path, timeout=5) if str(path) != ":memory:" else sqlite3.connect(
            ":memory:", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(SCHEMA)
            for table, column, kind in ADDED_COLUMNS:
                present = {row["name"] for row in self._db.execute(f"PRAGMA table_info({table})")}
                if column not in present:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        # A file gets the writer its own connection, so the requests' reads never wait behind its commit (WAL);
        # an in-memory store (tests) has only the one connection.
        memory = str(path) == ":memory:"
        self._writer_db = self._db if memory else connect_wal(path, timeout=5)
        self._writer_lock = self._lock if memory else threading.Lock()
        self._start_writer()

    def close(self) -> None:
        self._stop_writer()
        if self._writer_db is not self._db:
            self._writer_db.close()
        self._db.close()

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[Row]:
        with self._lock:
            return [dict(row) for row in self._db.execute(sql, args).fetchall()]

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    def _commit_writes(self, writes: Sequence[Write]) -> None:
        # Only the writer thread writes audit records: seq is in commit order.
        with self._writer_lock:
            db = self._writer_db
            db.execute("BEGIN IMMEDIATE")
            try:
                for write in writes:
                    db.execute(statement_of(write), write[1])
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
