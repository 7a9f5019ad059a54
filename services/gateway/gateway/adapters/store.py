"""The gateway's own store, one interface over two adapters (SQLite, the embedded default, and PostgreSQL, shared
by several gateway replicas): accounts, sessions, service API keys, the ownership index of objects created through
the gateway, and the append-only audit log.

The queries are written once here in the dialect both databases share (`?` placeholders, `ON CONFLICT`); an adapter
supplies the connection, the schema and how one statement runs. Every write is one statement, except the audit
records and the ownership index, which one writer thread commits for many calls at once (group_commit.py); no
transaction spans a request, so replicas never hold a lock across one."""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.adapters.group_commit import GroupCommit, Write

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Account:
    username: str
    password_hash: str
    role: str
    area_code: str
    disabled: bool
    failed_count: int
    locked_until: float
    mfa_secret: str | None = None  # the TOTP secret once enrolment is confirmed (auth.py)
    mfa_pending: str | None = None  # a secret shown for enrolment, not yet confirmed by a code
    mfa_last_step: int = 0  # the TOTP time step of the last code accepted: a code counts once


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    name: str
    key_hash: str
    role: str
    area_code: str
    revoked_at: float | None


AUDIT_COLUMNS = ("at", "actor", "role", "actor_area", "action", "method", "path", "resource_id", "target_area",
                 "status", "purpose", "detail")
# The DDL both backends share (column types that mean the same in SQLite and PostgreSQL), so the tables match.
OWNERS_DDL = """CREATE TABLE IF NOT EXISTS owners (
    kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    area_code TEXT NOT NULL,
    PRIMARY KEY (kind, object_id))"""
AUDIT_DETAIL_DDL = """actor TEXT NOT NULL,
    role TEXT NOT NULL,
    actor_area TEXT NOT NULL,
    action TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    resource_id TEXT,
    target_area TEXT,
    status INTEGER NOT NULL,
    purpose TEXT,
    detail TEXT"""
# Bulk exports of personal data and their second approver (api/exports.py): a request is approved once, by an
# account other than its requester, and used once.
EXPORTS_DDL = """CREATE TABLE IF NOT EXISTS export_requests (
    export_id TEXT PRIMARY KEY,
    requester TEXT NOT NULL,
    requester_area TEXT NOT NULL,
    path TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_at DOUBLE PRECISION NOT NULL,
    approver TEXT,
    approved_at DOUBLE PRECISION,
    used_at DOUBLE PRECISION)"""
INSERT_AUDIT = (f"INSERT INTO audit ({', '.join(AUDIT_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in AUDIT_COLUMNS)})")
UPSERT_OWNER = ("INSERT INTO owners (kind, object_id, area_code) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, object_id) DO UPDATE SET area_code = excluded.area_code")


def audit_write(*, at: float, actor: str, role: str, actor_area: str, action: str, method: str, path: str,
                resource_id: str | None, target_area: str | None, status: int, purpose: str | None = None,
                detail: dict[str, Any] | None = None) -> Write:
    return ("audit", (at, actor, role, actor_area, action, method, path, resource_id, target_area, status, purpose,
                      json.dumps(detail, ensure_ascii=False) if detail else None))


def owner_write(kind: str, object_id: str, area_code: str) -> Write:
    return ("owner", (kind, object_id, area_code))


def statement_of(write: Write) -> str:
    return INSERT_AUDIT if write[0] == "audit" else UPSERT_OWNER


API_KEY_FIELDS = ("key_id", "name", "role", "area_code", "created_at", "created_by", "revoked_at")
# Columns added after the tables were first made (issue 18: TOTP), as (table, column, type): each adapter adds
# those a store made earlier lacks, so an existing store keeps its accounts.
ADDED_COLUMNS = (
    ("accounts", "mfa_secret", "TEXT"),
    ("accounts", "mfa_pending", "TEXT"),
    ("accounts", "mfa_last_step", "BIGINT NOT NULL DEFAULT 0"),
    ("sessions", "mfa", "INTEGER NOT NULL DEFAULT 0"),  # 1: the session was opened with a TOTP code
)


def _account(row: Row) -> Account:
    return Account(row["username"], row["password_hash"], row["role"], row["area_code"], bool(row["disabled"]),
                   row["failed_count"], row["locked_until"], row["mfa_secret"], row["mfa_pending"],
                   row["mfa_last_step"])


class GatewayStore(ABC):
    """What the gateway keeps; the adapters differ only in the primitives below."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[Row]:
        """The rows of one statement (`?` placeholders)."""

    @abstractmethod
    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        """Runs one statement on its own (committed at once); the number of rows it touched."""

    @abstractmethod
    def _commit_writes(self, writes: Sequence[Write]) -> None:
        """Runs the writes (audit records by INSERT_AUDIT, owners by UPSERT_OWNER) in one transaction, in order,
        so that the audit log's `seq` grows in the order records become visible; raises having written none."""

    def _start_writer(self) -> None:
        """Each adapter calls this once its connection is ready: audit records and owners go through one writer."""
        self._writes = GroupCommit(self._commit_writes)

    def _stop_writer(self) -> None:
        self._writes.close()

    async def write(self, writes: Sequence[Write]) -> None:
        """Commits a call's writes together with other calls' (group commit), without blocking the event loop;
        returns once they are committed."""
        await asyncio.wrap_future(self._writes.submit(writes))

    def write_now(self, writes: Sequence[Write]) -> None:
        """As write(), for a caller that is not on the event loop's hot path (sign-in, the tests)."""
        self._writes.submit(writes).result()

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> Row | None:
        rows = self._all(sql, args)
        return rows[0] if rows else None

    # --- accounts --------------------------------------------------------------------------------

    def account(self, username: str) -> Account | None:
        row = self._one("SELECT * FROM accounts WHERE username = ?", (username,))
        return None if row is None else _account(row)

    def add_account(
        self, username: str, password_hash: str, role: str, area_code: str, now: float, created_by: str
    ) -> bool:
        """False when the name is taken (also when another replica took it a moment ago)."""
        return self._run(
            "INSERT INTO accounts (username, password_hash, role, area_code, created_at, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
            (username, password_hash, role, area_code, now, created_by),
        ) > 0

    def accounts(self) -> list[Account]:
        return [_account(row) for row in self._all("SELECT * FROM accounts ORDER BY username")]

    def record_failure(self, username: str, max_failures: int, lock_until: float) -> None:
        # One statement: failures counted on two replicas at once are both counted.
        self._run(
            "UPDATE accounts SET "
            "locked_until = CASE WHEN failed_count + 1 >= ? THEN ? ELSE locked_until END, "
            "failed_count = CASE WHEN failed_count + 1 >= ? THEN 0 ELSE failed_count + 1 END "
            "WHERE username = ?",
            (max_failures, lock_until, max_failures, username),
        )

    def record_success(self, username: str) -> None:
        self._run("UPDATE accounts SET failed_count = 0, locked_until = 0 WHERE username = ?", (username,))

    def set_password(self, username: str, password_hash: str) -> None:
        self._run("UPDATE accounts SET password_hash = ? WHERE username = ?", (password_hash, username))

    def set_disabled(self, username: str, disabled: bool) -> None:
        self._run("UPDATE accounts SET disabled = ? WHERE username = ?", (int(disabled), username))

    def set_role(self, username: str, role: str, area_code: str) -> None:
        self._run("UPDATE accounts SET role = ?, area_code = ? WHERE username = ?", (role, area_code, username))

    def set_mfa_pending(self, username: str, secret: str | None) -> None:
        self._run("UPDATE accounts SET mfa_pending = ? WHERE username = ?", (secret, username))

    def confirm_mfa(self, username: str, secret: str, step: int) -> bool:
        """The pending secret becomes the account's; False when another request confirmed or replaced it first."""
        return self._run("UPDATE accounts SET mfa_secret = ?, mfa_pending = NULL, mfa_last_step = ? "
                         "WHERE username = ? AND mfa_pending = ?", (secret, step, username, secret)) > 0

    def use_mfa_step(self, username: str, step: int) -> bool:
        """Records a code's time step as used; False when that step (or a later one) was used already (a replay),
        in one statement so that two replicas never both accept the same code."""
        return self._run("UPDATE accounts SET mfa_last_step = ? WHERE username = ? AND mfa_last_step < ?",
                         (step, username, step)) > 0

    def reset_mfa(self, username: str) -> None:
        self._run("UPDATE accounts SET mfa_secret = NULL, mfa_pending = NULL WHERE username = ?", (username,))

    # --- sessions --------------------------------------------------------------------------------

    def open_session(self, sid: str, username: str, now: float, mfa: bool = False) -> None:
        self._run("INSERT INTO sessions (sid, username, created_at, last_seen, mfa) VALUES (?, ?, ?, ?, ?)",
                  (sid, username, now, now, int(mfa)))

    def set_session_mfa(self, sid: str) -> None:
        self._run("UPDATE sessions SET mfa = 1 WHERE sid = ?", (sid,))

    def session(self, sid: str) -> Row | None:
        """sid, username, created_at, last_seen, ended_at (None while open)."""
        return self._one("SELECT * FROM sessions WHERE sid = ?", (sid,))

    def touch_session(self, sid: str, now: float) -> None:
        self._run("UPDATE sessions SET last_seen = ? WHERE sid = ? AND ended_at IS NULL AND last_seen < ?",
                  (now, sid, now))

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
        return [{k: row[k] for k in API_KEY_FIELDS} for row in self._all("SELECT * FROM api_keys ORDER BY created_at")]

    def revoke_api_keys_of(self, created_by: str, now: float) -> int:
        """Revokes every live key the account made (it is disabled or changes role); how many."""
        return self._run("UPDATE api_keys SET revoked_at = ? WHERE created_by = ? AND revoked_at IS NULL",
                         (now, created_by))

    def revoke_api_key(self, key_id: str, now: float) -> bool:
        return (
            self._run("UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (now, key_id)) > 0
        )

    # --- bulk exports of personal data ------------------------------------------------------------

    def add_export_request(self, export_id: str, requester: str, requester_area: str, path: str, reason: str,
                           now: float) -> None:
        self._run("INSERT INTO export_requests (export_id, requester, requester_area, path, reason, requested_at) "
                  "VALUES (?, ?, ?, ?, ?, ?)", (export_id, requester, requester_area, path, reason, now))

    def export_request(self, export_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT * FROM export_requests WHERE export_id = ?", (export_id,))
        return dict(row) if row else None

    def export_requests(self, area_prefix: str) -> list[dict[str, Any]]:
        return [dict(row) for row in self._all("SELECT * FROM export_requests WHERE requester_area LIKE ? || '%' "
                                               "ORDER BY requested_at DESC LIMIT 200", (area_prefix,))]

    def approve_export(self, export_id: str, approver: str, now: float) -> bool:
        """False when it was approved already or the approver is its requester (one statement: two approvers at
        once, one approval)."""
        return self._run("UPDATE export_requests SET approver = ?, approved_at = ? "
                         "WHERE export_id = ? AND approver IS NULL AND requester <> ?",
                         (approver, now, export_id, approver)) > 0

    def use_export(self, export_id: str, now: float) -> bool:
        """Marks an approved request used; False when it was used already (an approval serves one export)."""
        return self._run("UPDATE export_requests SET used_at = ? "
                         "WHERE export_id = ? AND approved_at IS NOT NULL AND used_at IS NULL", (now, export_id)) > 0

    # --- ownership index -------------------------------------------------------------------------

    def set_owner(self, kind: str, object_id: str, area_code: str) -> None:
        self.write_now([owner_write(kind, object_id, area_code)])

    def owner(self, kind: str, object_id: str) -> str | None:
        row = self._one("SELECT area_code FROM owners WHERE kind = ? AND object_id = ?", (kind, object_id))
        return row["area_code"] if row else None

    # --- audit (append-only: the database refuses UPDATE and DELETE) --------------------------------

    def audit(self, *, at: float, actor: str, role: str, actor_area: str, action: str, method: str, path: str,
              resource_id: str | None, target_area: str | None, status: int, purpose: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
        self.write_now([audit_write(at=at, actor=actor, role=role, actor_area=actor_area, action=action,
                                     method=method, path=path, resource_id=resource_id, target_area=target_area,
                                     status=status, purpose=purpose, detail=detail)])

    def audit_records(self, area_prefix: str, actor: str | None = None, after: int = 0, limit: int = 100,
                      unscoped: bool = False, action: str | None = None, since: float | None = None,
                      until: float | None = None) -> list[dict[str, Any]]:
        """Records whose actor or target lies under the prefix; with `unscoped` also those with neither
        (anonymous calls, failed sign-ins of unknown names); of one actor, one action, `since` <= at < `until`."""
        sql = ("SELECT * FROM audit WHERE seq > ? AND (actor_area LIKE ? || '%' OR target_area LIKE ? || '%'"
               + (" OR (actor_area = '' AND target_area IS NULL)" if unscoped else "") + ")")
        args: list[Any] = [after, area_prefix, area_prefix]
        for condition, value in (("actor = ?", actor), ("action = ?", action), ("at >= ?", since),
                                 ("at < ?", until)):
            if value not in (None, ""):
                sql += f" AND {condition}"
                args.append(value)
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        return [dict(row) for row in self._all(sql, tuple(args))]
