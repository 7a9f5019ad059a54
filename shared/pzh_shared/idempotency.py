"""Idempotency keys for command APIs: a client that repeats a command with the same
`Idempotency-Key` header gets the first answer again (status and body) and the command runs once.

Keys live in the service's own event-store database (SQLite file or PostgreSQL), in a table
`<app>_idempotency`, through the store's own connection pool, so they survive restarts and a
PostgreSQL outage fails them like the events (503, see pzh_shared.http).

How a keyed request runs:
1. claim: insert (caller, key, fingerprint of method+path+query+body, a random token) unless the
   key exists; the request owns the key when the stored token is its own. A key is scoped to the
   caller (the gateway's X-User), so two accounts never see each other's answers.
2. the command runs; its answer is stored on the claimed row (status < 500), or the claim is
   dropped (5xx or an exception), so a retry after a failure runs the command again.
3. a repeat with another fingerprint is 422; a repeat while the first is still running waits a
   little for its answer, then gets 409 (so concurrent duplicates never both execute).

The window (why the key is not in the events' transaction): the service's command code saves
events through `eventsourcing` in its own transaction, and the answer only exists after that.
If the process dies after the events are committed and before the answer is stored, the claim
stays open; after IDEMPOTENCY_PENDING_SECONDS a retry may take it over and run the command again.
Commands whose aggregates check an expected version are still safe; others may then store a
second event. The window is the few milliseconds between two commits on the same database."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import PersistenceError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pzh_shared.http import DATABASE_RETRY_AFTER, DATABASE_UNAVAILABLE
from pzh_shared.metrics import DATABASE_UNAVAILABLE_RESPONSES

log = logging.getLogger(__name__)

HEADER = b"idempotency-key"
# An open claim older than this is taken to belong to a crashed request (see the window above).
PENDING_SECONDS = 60.0
# How long a duplicate waits for the first request's answer before it is told to retry.
WAIT_SECONDS = 10.0
MAX_KEY_LENGTH = 200
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Stored:
    status: int | None  # None while the first request is running
    content_type: str
    body: bytes
    fingerprint: str
    token: str
    created_at: float


class IdempotencyStore:
    """The key table in the application's event-store database (SQLite or PostgreSQL)."""

    def __init__(self, datastore: Any, app_name: str, cipher: Any = None):
        self.datastore = datastore
        # The stored answers may name case content: with the service's CIPHER_KEY they are
        # encrypted at rest like its events (the same AES-GCM cipher).
        self.cipher = cipher
        postgres = type(datastore).__module__.startswith("eventsourcing.postgres")
        self.mark = "%s" if postgres else "?"
        schema = getattr(datastore, "schema", "") if postgres else ""
        self.table = f"{schema}.{app_name.lower()}_idempotency" if schema else f"{app_name.lower()}_idempotency"
        self.created = False

    def _sql(self, statement: str) -> str:
        return statement.replace("{t}", self.table).replace("?", self.mark)

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(self._sql(
                "CREATE TABLE IF NOT EXISTS {t} (caller TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,"
                " token TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, status INTEGER, content_type TEXT,"
                " body TEXT, PRIMARY KEY (caller, key))"))
        self.created = True

    def claim(self, caller: str, key: str, fingerprint: str) -> tuple[bool, Stored]:
        """(True, row) when this request now owns the key, else (False, the existing row)."""
        if not self.created:
            self.create_table()
        token = secrets.token_hex(16)
        now = time.time()
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                self._sql(
                    "INSERT INTO {t} (caller, key, fingerprint, token, created_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (caller, key) DO NOTHING"
                ),
                (caller, key, fingerprint, token, now),
            )
            # A claim left open by a crashed request is taken over (same fingerprint only).
            cursor.execute(
                self._sql(
                    "UPDATE {t} SET token = ?, created_at = ? WHERE caller = ? AND key = ? AND status IS NULL"
                    " AND fingerprint = ? AND created_at < ?"
                ),
                (token, now, caller, key, fingerprint, now - PENDING_SECONDS),
            )
            row = self._select(cursor, caller, key)
        assert row is not None
        return row.token == token, row

    def get(self, caller: str, key: str) -> Stored | None:
        with self.datastore.transaction(commit=False) as cursor:
            return self._select(cursor, caller, key)

    def _select(self, cursor: Any, caller: str, key: str) -> Stored | None:
        cursor.execute(self._sql("SELECT status, content_type, body, fingerprint, token, created_at FROM {t}"
                                 " WHERE caller = ? AND key = ?"), (caller, key))
        row = cursor.fetchone()
        if row is None:
            return None
        body = base64.b64decode(row["body"] or "")
        if body and self.cipher is not None:
            body = self.cipher.decrypt(body)
        return Stored(
            row["status"], row["content_type"] or "", body, row["fingerprint"], row["token"], row["created_at"]
        )

    def complete(self, caller: str, key: str, token: str, status: int, content_type: str, body: bytes) -> None:
        if body and self.cipher is not None:
            body = self.cipher.encrypt(body)
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                self._sql(
                    "UPDATE {t} SET status = ?, content_type = ?, body = ? WHERE caller = ? AND key = ? AND token = ?"
                ),
                (status, content_type, base64.b64encode(body).decode(), caller, key, token),
            )

    def release(self, caller: str, key: str, token: str) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(self._sql("DELETE FROM {t} WHERE caller = ? AND key = ? AND token = ? AND status IS NULL"),
                           (caller, key, token))


def _json(status: int, code: str, message: str,
          extra_headers: Sequence[tuple[bytes, bytes]] = ()) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    return status, [(b"content-type", b"application/json"), *extra_headers], body


class IdempotencyMiddleware:
    """ASGI middleware: requests with an Idempotency-Key header on unsafe methods are run at most
    once per (caller, key); others pass straight through."""

    def __init__(self, app: ASGIApp, store: IdempotencyStore):
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        raw_key = headers.get(HEADER)
        if raw_key is None:
            return await self.app(scope, receive, send)
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
            return await _send(
                send,
                *_json(
                    422,
                    "invalid_idempotency_key",
                    f"幂等键(Idempotency-Key)无效：应为 1 至 {MAX_KEY_LENGTH} 个可打印 ASCII 字符",
                ),
            )
        caller = headers.get(b"x-user", b"").decode("latin-1")
        body = await _read_body(receive)
        fingerprint = hashlib.sha256(b"\n".join([scope["method"].encode(), scope["path"].encode(),
                                                 scope.get("query_string", b""), body])).hexdigest()
        try:
            owned, row = await run_in_threadpool(self.store.claim, caller, key, fingerprint)
            if not owned:
                return await self._repeat(send, caller, key, fingerprint, row)
        except PersistenceError as exc:
            return await _send(send, *unavailable(exc))

        status, response_headers, chunks = 500, [], []

        async def capture(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status, response_headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, _replay(body), capture)
        except BaseException:
            await _quietly(self.store.release, caller, key, row.token)
            raise
        content = b"".join(chunks)
        content_type = dict(response_headers).get(b"content-type", b"application/json").decode("latin-1")
        if status < 500:
            try:
                await run_in_threadpool(self.store.complete, caller, key, row.token, status, content_type, content)
            except PersistenceError:
                # The command ran; its answer could not be kept. The open claim makes repeats 409
                # until PENDING_SECONDS pass (the window described at the top).
                log.warning("idempotency answer not stored for one key", exc_info=True)
        else:
            await _quietly(self.store.release, caller, key, row.token)
        await _send(send, status, response_headers, content)

    async def _repeat(self, send: Send, caller: str, key: str, fingerprint: str, row: Stored) -> None:
        if row.fingerprint != fingerprint:
            return await _send(send, *_json(422, "idempotency_key_reused",
                                            "幂等键(Idempotency-Key)已用于另一请求：请求内容不同，请换用新的幂等键"))
        deadline = time.monotonic() + WAIT_SECONDS
        current: Stored | None = row
        while current is not None and current.status is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            current = await run_in_threadpool(self.store.get, caller, key)
        if current is None or current.status is None:
            # Still running (or it failed and was released): the client retries with the same key.
            return await _send(
                send,
                *_json(
                    409,
                    "idempotency_in_progress",
                    "相同幂等键的请求正在处理，请稍后用同一幂等键重试",
                    [(b"retry-after", b"1")],
                ),
            )
        await _send(send, current.status, [(b"content-type", current.content_type.encode("latin-1")),
                                           (b"idempotent-replayed", b"true")], current.body)


def unavailable(_: BaseException) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """As pzh_shared.http's handler answers (and counts), for the key table's own database errors."""
    DATABASE_UNAVAILABLE_RESPONSES.inc()
    return _json(
        503, "database_unavailable", DATABASE_UNAVAILABLE, [(b"retry-after", str(DATABASE_RETRY_AFTER).encode())]
    )


async def _quietly(fn: Any, *args: Any) -> None:
    try:
        await run_in_threadpool(fn, *args)
    except PersistenceError:
        log.warning("idempotency claim not released; it expires after %ss", PENDING_SECONDS, exc_info=True)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the body was read in full; nothing more arrives
        return {"type": "http.disconnect"}

    return receive


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install_idempotency(app: Any, application: Any) -> None:
    """Adds the middleware to a FastAPI app, keeping keys in `application`'s event-store database."""
    datastore = getattr(application.recorder, "datastore", None)
    if datastore is None or not hasattr(datastore, "transaction"):
        # a store with no SQL database to keep keys in (KurrentDB's are in its tracking database); the header is
        # then ignored.
        log.warning("idempotency keys unsupported by this event store; Idempotency-Key is ignored")
        return
    cipher = getattr(application.mapper, "cipher", None)
    app.add_middleware(IdempotencyMiddleware, store=IdempotencyStore(datastore, application.name, cipher))
