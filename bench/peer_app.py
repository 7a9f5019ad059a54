"""The peer of the registry's POST /stations (issue 19, P4): what a user would build instead of an
event-sourced command, on the same server stack. It validates the same pydantic body (registry's
StationIn), inserts one row in one transaction into the same database as the registry's event store (its
SQLite file, or its PostgreSQL database) and answers the same StationCreated.

Served as the registry is (pzh_shared.service: start_process, then serve_api: the same instrumentation and
uvicorn settings), from the registry's REGISTRY_* settings (port, data dir, store):
`python bench/peer_app.py`."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable

from fastapi import FastAPI
from pzh_shared.service import serve_api, start_process
from registry.api.schemas import StationCreated, StationIn
from registry.application.service import RegistryApplication
from registry.settings import RegistrySettings

TABLE = "bench_peer_stations"


def sqlite_insert(settings: RegistrySettings) -> Callable[[str, str], None]:
    """One connection per server thread (FastAPI runs a sync endpoint in its thread pool), WAL as the
    event store opens the file; BEGIN ... COMMIT around the one INSERT."""
    path = settings.data_dir / f"{RegistryApplication.name}.sqlite"
    local = threading.local()

    def connection() -> sqlite3.Connection:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = sqlite3.connect(path, isolation_level=None, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
        return conn

    connection().execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id TEXT PRIMARY KEY, body TEXT NOT NULL)")

    def insert(row_id: str, body: str) -> None:
        conn = connection()
        conn.execute("BEGIN")
        conn.execute(f"INSERT INTO {TABLE} (id, body) VALUES (?, ?)", (row_id, body))
        conn.execute("COMMIT")

    return insert


def postgres_insert(settings: RegistrySettings) -> Callable[[str, str], None]:
    """A psycopg 3 connection pool of the event store's size (eventsourcing: 5, up to 15), one transaction per row."""
    from psycopg_pool import ConnectionPool

    conninfo = (f"host={settings.postgres_host} port={settings.postgres_port} dbname={settings.postgres_dbname} "
                f"user={settings.postgres_user} password={settings.postgres_password.get_secret_value()}")
    pool = ConnectionPool(conninfo, min_size=5, max_size=15, open=True)
    with pool.connection() as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id TEXT PRIMARY KEY, body TEXT NOT NULL)")

    def insert(row_id: str, body: str) -> None:
        with pool.connection() as conn, conn.transaction():
            conn.execute(f"INSERT INTO {TABLE} (id, body) VALUES (%s, %s)", (row_id, body))

    return insert


def create_app(settings: RegistrySettings) -> FastAPI:
    insert = sqlite_insert(settings) if settings.event_store == "sqlite" else postgres_insert(settings)
    app = FastAPI()

    @app.post("/stations", status_code=201, response_model=StationCreated)
    def create_station(body: StationIn) -> StationCreated:
        station_id = uuid.uuid4()
        insert(str(station_id), body.model_dump_json())
        return StationCreated(station_id=station_id)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    settings = RegistrySettings()
    start_process("bench-peer", "api", settings, metrics=False)
    serve_api(create_app(settings), settings)


if __name__ == "__main__":
    main()
