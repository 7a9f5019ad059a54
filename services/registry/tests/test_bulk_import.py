"""Bulk area imports on the real PostgreSQL: bounded transactions, and the session timeouts that keep a stuck
client from holding the event store's lock (issue 16)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError
from fastapi.testclient import TestClient
from pzh_shared.eventstore import store_env
from registry.api.app import create_app
from registry.application.service import BULK_CHUNK_EVENTS, RegistryApplication
from registry.settings import RegistrySettings

COUNTY = "510421"
VILLAGES = 12_000


def village_code(k: int) -> str:
    """The k-th village of the bench's command path (bench/command_path.py): 999 per township."""
    return f"{COUNTY}{k // 999 + 1:03d}{k % 999 + 1:03d}"


def _settings(server: Any, tmp_path: Any, **extra: Any) -> RegistrySettings:
    return RegistrySettings(event_store="postgres", data_dir=tmp_path, postgres_host=server.host,
                            postgres_port=server.port, postgres_dbname=server.dbname, postgres_user=server.user,
                            postgres_password=server.password or "", **extra)


def _registry(server: Any, tmp_path: Any, **extra: Any) -> RegistryApplication:
    # A fresh application name gives the test its own tables on the shared server.
    fresh = type("FreshRegistry", (RegistryApplication,), {"name": f"registry_{uuid.uuid4().hex[:8]}"})
    return fresh(env=store_env(_settings(server, tmp_path, **extra), fresh.name))


@pytest.fixture
def registry(postgres_server: Any, tmp_path: Any) -> Iterator[RegistryApplication]:
    app = _registry(postgres_server, tmp_path)
    yield app
    app.close()


@pytest.fixture
def impatient(postgres_server: Any, tmp_path: Any) -> Iterator[RegistryApplication]:
    """The registry with one-second timeouts."""
    app = _registry(postgres_server, tmp_path, postgres_idle_in_transaction_timeout=1, postgres_statement_timeout=1)
    yield app
    app.close()


def test_a_12000_village_import_commits_in_bounded_chunks(registry: RegistryApplication) -> None:
    inserts: list[int] = []
    insert_events = registry.recorder.insert_events

    def counting(stored_events: Any, **kwargs: Any) -> Any:
        inserts.append(len(stored_events))
        return insert_events(stored_events, **kwargs)

    registry.recorder.insert_events = counting  # type: ignore[method-assign]
    townships = sorted({village_code(k)[:9] for k in range(VILLAGES)})
    lines = [f"{c},镇{c[-3:]},2020-01-01" for c in townships]
    lines += [f"{village_code(k)},村{k},2020-01-01" for k in range(VILLAGES)]
    csv = "code,name,valid_from\n" + "\n".join(lines)
    with TestClient(create_app(registry)) as client:
        inserts.clear()  # the seed's own transaction
        started = time.monotonic()
        reply = client.post("/areas/import", content=csv.encode(), headers={"content-type": "text/csv"})
        assert reply.status_code == 201, reply.text[:300]
        assert len(reply.json()["registered"]) == VILLAGES + len(townships)
        took = time.monotonic() - started
        # Each area's registration and its parent's new child: two events a row.
        events = 2 * (VILLAGES + len(townships))
        assert sum(inserts) == events and max(inserts) <= BULK_CHUNK_EVENTS
        assert len(inserts) >= events // BULK_CHUNK_EVENTS
        children = client.get(f"/areas/{townships[-1]}/children").json()
        assert len(children) == VILLAGES - 999 * (len(townships) - 1)
        # The store is free for other writes at once: a station in the last village.
        body = {"name": "村站", "tier": "village_room", "area_code": village_code(VILLAGES - 1),
                "opened_on": "2021-06-30"}
        assert client.post("/stations", json=body).status_code == 201
    print(f"12,000-village import on PostgreSQL: {took:.1f} s in {len(inserts)} transactions")


def test_a_session_idle_in_a_transaction_is_ended_by_the_server(impatient: RegistryApplication) -> None:
    datastore: Any = impatient.factory.datastore
    with datastore.get_connection() as conn:
        conn.execute("BEGIN")
        conn.execute("SELECT 1")
        pid = conn.info.backend_pid
        time.sleep(2.5)  # the test's idle-in-transaction timeout is 1 s
        with pytest.raises((psycopg.Error, PersistenceError), match="idle-in-transaction timeout"):
            conn.execute("SELECT 1")
    with datastore.get_connection() as other:
        alive = other.execute("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    assert alive["n"] == 0


def test_every_event_store_session_has_both_timeouts(impatient: RegistryApplication) -> None:
    datastore: Any = impatient.factory.datastore
    with datastore.get_connection() as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()["statement_timeout"] == "1s"
        setting = conn.execute("SHOW idle_in_transaction_session_timeout").fetchone()
        assert setting["idle_in_transaction_session_timeout"] == "1s"
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(3)")
    lists = impatient.lists.db.connect()  # the list tables' own connection
    assert lists.execute("SHOW statement_timeout").fetchone()[0] == "1s"
