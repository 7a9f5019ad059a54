"""Adapters of pzh_shared.personal's ports, used by casework (clients) and talent (workers, volunteers, interns);
a service names its tables in a subclass (TABLE, and ID for a key store's id column).

Key stores keep the data keys outside the event log. SQLite (one file beside the event store): rollback
journal (no WAL, which would keep old pages beside the database) and `secure_delete`, so an erased key is
overwritten on disk, not just unlinked from the b-tree. PostgreSQL: a table in the service's database; an
erased row's bytes stay in dead tuples until VACUUM reclaims them, so the erasure runs a VACUUM of the table.

The read audit: an append-only, hash-chained log of every read of personal data (who, when, which subject,
stated purpose). Append-only in the database itself: triggers refuse every UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE), so the service's own code cannot rewrite a record. Each record's hash covers its content
and the previous record's hash, so an edit made around the triggers (by dropping them, or by editing the file)
is detected by `verify()`. In production the PostgreSQL table belongs to another role and the service's role is
granted INSERT and SELECT only."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from pzh_shared.personal import AuditQuery, AuditRecord
from pzh_shared.settings import ServiceSettings
from pzh_shared.sqlite import connect_wal

KEY_BYTES = 32


def postgres_conninfo(settings: ServiceSettings) -> str:
    """The service's PostgreSQL database, where its key store and read audit live beside its events."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(host=settings.postgres_host, port=settings.postgres_port, dbname=settings.postgres_dbname,
                         user=settings.postgres_user, password=settings.postgres_password.get_secret_value())


class SqliteKeyStore:
    TABLE: str  # the subclass names its table and id column
    ID: str

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=DELETE")
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {self.TABLE} ({self.ID} TEXT PRIMARY KEY, data_key BLOB NOT NULL)"
        )

    def create(self, person_id: UUID) -> bytes:
        key = os.urandom(KEY_BYTES)
        with self._lock:
            self._db.execute(f"INSERT INTO {self.TABLE} ({self.ID}, data_key) VALUES (?, ?)", (str(person_id), key))
        return key

    def get(self, person_id: UUID) -> bytes | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT data_key FROM {self.TABLE} WHERE {self.ID} = ?", (str(person_id),)
            ).fetchone()
        return bytes(row[0]) if row else None

    def erase(self, person_id: UUID) -> bool:
        with self._lock:
            cursor = self._db.execute(f"DELETE FROM {self.TABLE} WHERE {self.ID} = ?", (str(person_id),))
        return cursor.rowcount > 0

    def close(self) -> None:
        self._db.close()


class PostgresKeyStore:
    TABLE: str  # the subclass names its table and id column
    ID: str

    def __init__(self, conninfo: str):
        import psycopg

        self._db = psycopg.connect(conninfo, autocommit=True)
        self._lock = threading.Lock()
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {self.TABLE} ({self.ID} uuid PRIMARY KEY, data_key bytea NOT NULL)"
        )

    def create(self, person_id: UUID) -> bytes:
        key = os.urandom(KEY_BYTES)
        with self._lock:
            self._db.execute(f"INSERT INTO {self.TABLE} ({self.ID}, data_key) VALUES (%s, %s)", (person_id, key))
        return key

    def get(self, person_id: UUID) -> bytes | None:
        with self._lock:
            row = self._db.execute(f"SELECT data_key FROM {self.TABLE} WHERE {self.ID} = %s", (person_id,)).fetchone()
        return bytes(row[0]) if row else None

    def erase(self, person_id: UUID) -> bool:
        with self._lock:
            cursor = self._db.execute(f"DELETE FROM {self.TABLE} WHERE {self.ID} = %s", (person_id,))
            self._db.execute(f"VACUUM {self.TABLE}")
        return cursor.rowcount > 0

    def close(self) -> None:
        self._db.close()


GENESIS = "0" * 64


def chain_hash(
    prev_hash: str, seq: int, at: str, user: str, action: str, subject_kind: str, subject_id: str, purpose: str
) -> str:
    payload = json.dumps(
        [prev_hash, seq, at, user, action, subject_kind, subject_id, purpose], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _verify(rows: list[AuditRecord]) -> list[int]:
    broken, prev = [], GENESIS
    for r in rows:
        if r.prev_hash != prev or r.hash != chain_hash(
            r.prev_hash, r.seq, r.at.isoformat(), r.user, r.action, r.subject_kind, r.subject_id, r.purpose
        ):
            broken.append(r.seq)
        prev = r.hash
    return broken


_COLUMNS = "seq, at, user_name, action, subject_kind, subject_id, purpose, prev_hash, hash"


def _where(query: AuditQuery, mark: str, contains: str) -> tuple[str, list[object]]:
    """The query's filters as SQL with `mark` placeholders; `contains` tests that a column holds a text."""
    conditions: list[str] = [f"seq > {mark}"]
    args: list[object] = [max(query.after, 0)]
    since, until = (m.astimezone(UTC).isoformat() if m else None for m in (query.since, query.until))
    # `at` is stored as UTC ISO 8601 text (datetime.isoformat), which sorts as the times do
    for condition, value in (("subject_id = {}", query.subject_id), ("user_name = {}", query.user),
                             ("action = {}", query.action), (contains, query.purpose), ("at >= {}", since),
                             ("at < {}", until)):
        if value:
            conditions.append(condition.format(mark))
            args.append(value)
    return " AND ".join(conditions), args


def _record(row: Any) -> AuditRecord:
    seq, at, user, action, kind, subject, purpose, prev, digest = row
    at = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    return AuditRecord(seq, at, user, action, kind, subject, purpose, prev, digest)


class _AuditReads:
    """The reads both backends share; a subclass names its table, placeholder and substring test."""

    TABLE: str
    MARK: str
    CONTAINS: str
    _db: Any
    _lock: threading.Lock

    def records(self, subject_id: str | None = None) -> list[AuditRecord]:
        with self._lock:
            if subject_id is None:
                rows = self._db.execute(f"SELECT {_COLUMNS} FROM {self.TABLE} ORDER BY seq").fetchall()
            else:
                rows = self._db.execute(
                    f"SELECT {_COLUMNS} FROM {self.TABLE} WHERE subject_id = {self.MARK} ORDER BY seq", (subject_id,)
                ).fetchall()
        return [_record(r) for r in rows]

    def find(self, query: AuditQuery) -> list[AuditRecord]:
        where, args = _where(query, self.MARK, self.CONTAINS)
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM {self.TABLE} WHERE {where} ORDER BY seq LIMIT {self.MARK}",
                (*args, max(query.limit, 1)),
            ).fetchall()
        return [_record(r) for r in rows]

    def verify(self) -> list[int]:
        return _verify(self.records())

    def close(self) -> None:
        self._db.close()


class SqliteReadAudit(_AuditReads):
    MARK, CONTAINS = "?", "instr(purpose, {}) > 0"  # the subclass names its TABLE

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = connect_wal(self.path, timeout=10)
        t = self.TABLE
        self._db.executescript(f"""
            CREATE TABLE IF NOT EXISTS {t} (
                seq INTEGER PRIMARY KEY, at TEXT NOT NULL, user_name TEXT NOT NULL, action TEXT NOT NULL,
                subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, purpose TEXT NOT NULL,
                prev_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE);
            CREATE INDEX IF NOT EXISTS {t}_subject ON {t} (subject_id);
            CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t}
                BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
            CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t}
                BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
        """)

    def record(self, user: str, action: str, subject_kind: str, subject_id: str, purpose: str) -> AuditRecord:
        at = datetime.now(UTC).isoformat()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # one writer at a time across processes: the chain stays linear
            try:
                last = self._db.execute(f"SELECT seq, hash FROM {self.TABLE} ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
                digest = chain_hash(prev, seq, at, user, action, subject_kind, subject_id, purpose)
                self._db.execute(f"INSERT INTO {self.TABLE} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 (seq, at, user, action, subject_kind, subject_id, purpose, prev, digest))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return _record((seq, at, user, action, subject_kind, subject_id, purpose, prev, digest))


class PostgresReadAudit(_AuditReads):
    MARK, CONTAINS = "%s", "strpos(purpose, {}) > 0"  # the subclass names its TABLE

    def __init__(self, conninfo: str):
        import psycopg

        self._db = psycopg.connect(conninfo, autocommit=True)
        self._lock = threading.Lock()
        t = self.TABLE
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (t,))
            self._db.execute(f"""
                CREATE TABLE IF NOT EXISTS {t} (
                    seq bigint PRIMARY KEY, at text NOT NULL, user_name text NOT NULL, action text NOT NULL,
                    subject_kind text NOT NULL, subject_id text NOT NULL, purpose text NOT NULL,
                    prev_hash text NOT NULL, hash text NOT NULL UNIQUE)""")
            self._db.execute(f"CREATE INDEX IF NOT EXISTS {t}_subject ON {t} (subject_id)")
            self._db.execute(f"""
                CREATE OR REPLACE FUNCTION {t}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION '{t} is append-only'; END $$""")
            self._db.execute(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}")
            self._db.execute(
                f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
                f"FOR EACH ROW EXECUTE FUNCTION {t}_refuse()"
            )
            self._db.execute(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}")
            self._db.execute(
                f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {t}_refuse()"
            )

    def record(self, user: str, action: str, subject_kind: str, subject_id: str, purpose: str) -> AuditRecord:
        at = datetime.now(UTC).isoformat()  # text, so the hashed form is exactly what is read back
        t = self.TABLE
        with self._lock, self._db.transaction():
            self._db.execute(f"LOCK TABLE {t} IN SHARE ROW EXCLUSIVE MODE")  # the chain stays linear across processes
            last = self._db.execute(f"SELECT seq, hash FROM {t} ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
            digest = chain_hash(prev, seq, at, user, action, subject_kind, subject_id, purpose)
            self._db.execute(f"INSERT INTO {t} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                             (seq, at, user, action, subject_kind, subject_id, purpose, prev, digest))
        return _record((seq, at, user, action, subject_kind, subject_id, purpose, prev, digest))
