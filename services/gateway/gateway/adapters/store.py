"""The gateway's own small store (SQLite): accounts, sessions, service API keys, the ownership
index of objects created through the gateway, and the append-only audit log."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
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
CREATE TABLE IF NOT EXISTS owners (
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    area_code TEXT NOT NULL,
    PRIMARY KEY (kind, object_id)
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    actor_area TEXT NOT NULL,
    action TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    resource_id TEXT,
    target_area TEXT,
    status INTEGER NOT NULL,
    purpose TEXT,
    detail TEXT
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


@dataclass(frozen=True)
class Account:
    username: str
    password_hash: str
    role: str
    area_code: str
    disabled: bool
    failed_count: int
    locked_until: float


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    key_hash: str
    role: str
    area_code: str
    revoked_at: float | None


class GatewayStore:
    def __init__(self, path: Path | str):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        rows = self._all(sql, args)
        return rows[0] if rows else None

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # --- accounts --------------------------------------------------------------------------------

    def account(self, username: str) -> Account | None:
        row = self._one("SELECT * FROM accounts WHERE username = ?", (username,))
        if row is None:
            return None
        return Account(row["username"], row["password_hash"], row["role"], row["area_code"], bool(row["disabled"]),
                       row["failed_count"], row["locked_until"])

    def add_account(
        self, username: str, password_hash: str, role: str, area_code: str, now: float, created_by: str
    ) -> bool:
        try:
            self._run(
                "INSERT INTO accounts (username, password_hash, role, area_code, created_at, created_by) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (username, password_hash, role, area_code, now, created_by),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def accounts(self) -> list[Account]:
        return [
            a
            for a in (self.account(r["username"]) for r in self._all("SELECT username FROM accounts ORDER BY username"))
            if a
        ]

    def record_failure(self, username: str, max_failures: int, lock_until: float) -> None:
        with self._lock:
            row = self._db.execute("SELECT failed_count FROM accounts WHERE username = ?", (username,)).fetchone()
            if row is None:
                return
            count = row["failed_count"] + 1
            if count >= max_failures:
                self._db.execute(
                    "UPDATE accounts SET failed_count = 0, locked_until = ? WHERE username = ?", (lock_until, username)
                )
            else:
                self._db.execute("UPDATE accounts SET failed_count = ? WHERE username = ?", (count, username))

    def record_success(self, username: str) -> None:
        self._run("UPDATE accounts SET failed_count = 0, locked_until = 0 WHERE username = ?", (username,))

    def set_password(self, username: str, password_hash: str) -> None:
        self._run("UPDATE accounts SET password_hash = ? WHERE username = ?", (password_hash, username))

    def set_disabled(self, username: str, disabled: bool) -> None:
        self._run("UPDATE accounts SET disabled = ? WHERE username = ?", (int(disabled), username))

    # --- sessions --------------------------------------------------------------------------------

    def open_session(self, sid: str, username: str, now: float) -> None:
        self._run(
            "INSERT INTO sessions (sid, username, created_at, last_seen) VALUES (?, ?, ?, ?)", (sid, username, now, now)
        )

    def session(self, sid: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM sessions WHERE sid = ?", (sid,))

    def touch_session(self, sid: str, now: float) -> None:
        self._run("UPDATE sessions SET last_seen = ? WHERE sid = ? AND ended_at IS NULL", (now, sid))

    def end_session(self, sid: str, now: float) -> None:
        self._run("UPDATE sessions SET ended_at = ? WHERE sid = ? AND ended_at IS NULL", (now, sid))

    def end_sessions_of(self, username: str, now: float) -> None:
        self._run("UPDATE sessions SET ended_at = ? WHERE username = ? AND ended_at IS NULL", (now, username))

    # --- API keys --------------------------------------------------------------------------------

    def add_api_key(
        self, key_id: str, name: str, key_hash: str, role: str, area_code: str, now: float, created_by: str
    ) -> None:
        self._run(
            "INSERT INTO api_keys (key_id, name, key_hash, role, area_code, created_at, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key_id, name, key_hash, role, area_code, now, created_by),
        )

    def api_key(self, key_id: str) -> ApiKey | None:
        row = self._one("SELECT * FROM api_keys WHERE key_id = ?", (key_id,))
        return (
            ApiKey(row["key_id"], row["name"], row["key_hash"], row["role"], row["area_code"], row["revoked_at"])
            if row
            else None
        )

    def api_keys(self) -> list[dict[str, Any]]:
        return [{k: row[k] for k in ("key_id", "name", "role", "area_code", "created_at", "created_by", "revoked_at")}
                for row in self._all("SELECT * FROM api_keys ORDER BY created_at")]

    def revoke_api_key(self, key_id: str, now: float) -> bool:
        return (
            self._run("UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (now, key_id)) > 0
        )

    # --- ownership index -------------------------------------------------------------------------

    def set_owner(self, kind: str, object_id: str, area_code: str) -> None:
        self._run(
            "INSERT INTO owners (kind, object_id, area_code) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, object_id) DO UPDATE SET area_code = excluded.area_code",
            (kind, object_id, area_code),
        )

    def owner(self, kind: str, object_id: str) -> str | None:
        row = self._one("SELECT area_code FROM owners WHERE kind = ? AND object_id = ?", (kind, object_id))
        return row["area_code"] if row else None

    # --- audit (append-only: triggers refuse UPDATE and DELETE) ------------------------------------

    def audit(self, *, at: float, actor: str, role: str, actor_area: str, action: str, method: str, path: str,
              resource_id: str | None, target_area: str | None, status: int, purpose: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
        self._run(
            "INSERT INTO audit (at, actor, role, actor_area, action, method, path, resource_id, target_area, status, "
            "purpose, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                at,
                actor,
                role,
                actor_area,
                action,
                method,
                path,
                resource_id,
                target_area,
                status,
                purpose,
                json.dumps(detail, ensure_ascii=False) if detail else None,
            ),
        )

    def audit_records(self, area_prefix: str, actor: str | None = None, after: int = 0, limit: int = 100,
                      unscoped: bool = False, *, action: str | None = None, since: float | None = None,
                      until: float | None = None) -> list[dict[str, Any]]:
        """Records whose actor or target lies under the prefix; with `unscoped` also those with neither
        (anonymous calls, failed sign-ins of unknown names); narrowed to one actor, one action and the
        epoch-seconds window [since, until)."""
        sql = ("SELECT * FROM audit WHERE seq > ? AND (actor_area LIKE ? || '%' OR target_area LIKE ? || '%'"
               + (" OR (actor_area = '' AND target_area IS NULL)" if unscoped else "") + ")")
        args: list[Any] = [after, area_prefix, area_prefix]
        for clause, value in (("actor = ?", actor), ("action = ?", action), ("at >= ?", since), ("at < ?", until)):
            if value is not None and value != "":
                sql += f" AND {clause}"
                args.append(value)
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        return [dict(row) for row in self._all(sql, tuple(args))]
