"""The backup and restore drill (issue 20 item 5) on real PostgreSQL servers: the registry's event store, the
gateway's store, casework's read audit and the reporting read model in one database, the audit sink in a second;
the relay has published part of the log when `python -m pzh_shared.backup dump` runs. The dumps are restored
with `restore` into a second, empty server, after which the relay resumes from its restored checkpoint (every
event on the topic exactly once), the restored read model equals the pre-backup one and, once the worker has
caught up, a rebuild from the topic; the audit sink's chains verify and shipping again appends nothing. A restore
into a server that holds data, of a tampered dump, or onto a server without the roles the dumps grant to, is
refused before anything is written."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import date

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from pzh_shared.envelope import decode

from .conftest import read_topic

AUDIT_DB = "pzh_audit"
ROLES = ("audit_shipper", "audit_archivist")
TOWNSHIP = "510421901"
PUBLISHED_ROOMS, UNPUBLISHED_ROOMS = 12, 8  # village rooms opened before and after the relay's last page


def _server():
    from localinfra.postgres import PostgresServer

    server = PostgresServer()
    server.start()
    return server


@pytest.fixture
def own_postgres():
    server = _server()
    yield server
    server.stop()


@pytest.fixture
def empty_postgres():
    server = _server()
    yield server
    server.stop()


def conninfo(server, dbname: str = "pzh", user: str | None = None) -> str:
    return make_conninfo(host=server.host, port=server.port, dbname=dbname, user=user or server.user,
                         password="drill" if user else server.password)


def platform_env(server) -> dict[str, str]:
    """The settings of every user of PostgreSQL the backup knows, all on `server` (the sink in its own database)."""
    env = {"AUDIT_SINK_SINK": "postgres", "AUDIT_SINK_OWNER_CONNINFO": conninfo(server, AUDIT_DB),
           "GATEWAY_STORE": "postgres", "REPORTING_READ_MODEL": "postgres"}
    for prefix in ("REGISTRY_", "CASEWORK_"):
        env[f"{prefix}EVENT_STORE"] = "postgres"
    for prefix in ("REGISTRY_", "CASEWORK_", "GATEWAY_", "REPORTING_"):
        env |= {f"{prefix}POSTGRES_HOST": server.host, f"{prefix}POSTGRES_PORT": str(server.port),
                f"{prefix}POSTGRES_DBNAME": server.dbname, f"{prefix}POSTGRES_USER": server.user,
                f"{prefix}POSTGRES_PASSWORD": server.password}
    return env


def backup(command: str, directory, server) -> subprocess.CompletedProcess:
    flag = "--to" if command == "dump" else "--from"
    return subprocess.run([sys.executable, "-m", "pzh_shared.backup", command, flag, str(directory)],
                          env={**os.environ, **platform_env(server)}, capture_output=True, text=True, timeout=120)


def create_roles(server) -> None:
    with psycopg.connect(conninfo(server, "postgres"), autocommit=True) as db:
        for role in ROLES:
            db.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'drill'")  # type: ignore[arg-type]


def registry(server):
    from pzh_shared.eventstore import make_application
    from registry.application.service import RegistryApplication
    from registry.settings import RegistrySettings

    return make_application(RegistryApplication, RegistrySettings(
        event_store="postgres", postgres_host=server.host, postgres_port=server.port, postgres_dbname=server.dbname,
        postgres_user=server.user, postgres_password=server.password))  # type: ignore[arg-type]


def relay_of(app, topic: str, bootstrap: str):
    from pzh_shared.relay import OutboxRelay
    from registry.adapters.integration import PUBLICATION

    return OutboxRelay(app, PUBLICATION.translate, bootstrap, "registry", topic=topic)


async def publish_all(relay) -> int:
    """Pages until the log's end; returns how many notifications that covered."""
    await relay.start()
    covered = 0
    try:
        while moved := await relay.relay_page():
            covered += moved
    finally:
        await relay.stop()
    return covered


def open_rooms(app, numbers: range) -> None:
    from registry.domain.station import Tier

    for n in numbers:
        app.plan_station(tier=Tier.VILLAGE_ROOM, area_code=f"{TOWNSHIP}{n:03d}", opened_on=date(2021, 6, 30),
                         planned_on=date(2021, 6, 1), name=f"第{n}村社会工作服务室")


def audit_sources(server):
    from pzh_shared.audit_sink import Source

    owner = conninfo(server)
    return [Source(name="gateway", kind="gateway", conninfo=owner, table="gateway.audit"),
            Source(name="casework", kind="read_audit", conninfo=owner, table="casework_case_reads")]


def test_backup_and_restore_into_an_empty_server(kafka_bootstrap, own_postgres, empty_postgres, tmp_path,
                                                 record_property):
    from casework.adapters.audit import PostgresReadAudit
    from gateway.adapters.postgres_store import PostgresGatewayStore
    from gateway.settings import GatewaySettings
    from pzh_shared import audit_sink
    from registry.application.service import AreaRow
    from reporting.adapters.postgres import PostgresReadModelStore
    from reporting.consumers.rebuild import rebuild

    source, target = own_postgres, empty_postgres
    topic = f"registry-drill-{uuid.uuid4().hex[:6]}.events"  # the test's own: no other read model sees it

    # -- the platform's state on the first server --------------------------------------------------------------
    with psycopg.connect(conninfo(source, "postgres"), autocommit=True) as db:
        db.execute(f"CREATE DATABASE {AUDIT_DB}")  # type: ignore[arg-type]
    create_roles(source)
    audit_sink.setup_postgres(conninfo(source, AUDIT_DB), *ROLES)
    app = registry(source)
    app.seed()
    rooms = PUBLISHED_ROOMS + UNPUBLISHED_ROOMS
    app.register_areas([AreaRow(TOWNSHIP, "演练镇", False, date(2020, 1, 1))] + [
        AreaRow(f"{TOWNSHIP}{n:03d}", f"第{n}村", False, date(2020, 1, 1)) for n in range(rooms)])
    open_rooms(app, range(PUBLISHED_ROOMS))
    relay = relay_of(app, topic, kafka_bootstrap)
    asyncio.run(publish_all(relay))
    published_up_to = relay.checkpoint()
    # The worker's read model, on PostgreSQL beside the events: everything published so far.
    asyncio.run(rebuild(kafka_bootstrap, (topic,), PostgresReadModelStore(conninfo(source))))
    live = PostgresReadModelStore(conninfo(source))
    before_backup = live.dump()
    live.close()
    # The relay is behind when the backup is taken: these rooms are stored, not yet published.
    open_rooms(app, range(PUBLISHED_ROOMS, rooms))
    assert app.recorder.max_notification_id() > published_up_to
    public = [(n.id, e[0].id) for n in app.recorder.select_notifications(1, 10_000) if (e := relay.envelope(n))]
    public_ids = [ce_id for _, ce_id in public]
    unpublished = sum(position > published_up_to for position, _ in public)
    assert unpublished > 0
    app.close()

    gateway = PostgresGatewayStore(GatewaySettings(
        store="postgres", postgres_host=source.host, postgres_port=source.port, postgres_dbname=source.dbname,
        postgres_user=source.user, postgres_password=source.password))  # type: ignore[arg-type]
    reads = PostgresReadAudit(conninfo(source))
    for n in range(3):
        gateway.audit(at=time.time(), actor=f"admin{n}", role="city_admin", actor_area="5104", action="sign_in",
                      method="POST", path="/api/sessions", resource_id=None, target_area=None, status=201)
        reads.record(f"worker{n}", "read", "case", str(uuid.uuid4()), "个案跟进")
    gateway.close()
    reads.close()
    sink = audit_sink.Sink.connect(conninfo(source, AUDIT_DB, ROLES[0]))
    assert audit_sink.ship(sink, audit_sources(source)) == {"gateway": 3, "casework": 3}
    sink.close()

    # -- dump ---------------------------------------------------------------------------------------------------
    backup_dir = tmp_path / "backup"
    started = time.monotonic()
    dumped = backup("dump", backup_dir, source)
    dump_s = time.monotonic() - started
    assert dumped.returncode == 0, dumped.stderr
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))
    entries = {tuple(e["used_by"]): e for e in manifest["databases"]}
    # The sink first (its sources may only be ahead of it), then the one database every service shares.
    assert list(entries) == [("audit_sink",), ("registry", "casework", "gateway", "reporting")]
    platform_db = entries["registry", "casework", "gateway", "reporting"]
    assert platform_db["tracking"]["public.registry_tracking"]["registry-relay"] == published_up_to
    assert platform_db["notification_max"]["public.registry_events"] > published_up_to

    # -- refusals: nothing is written ---------------------------------------------------------------------------
    into_itself = backup("restore", backup_dir, source)
    assert into_itself.returncode == 1 and "不是空的" in into_itself.stderr, into_itself.stderr
    tampered = tmp_path / "tampered"
    shutil.copytree(backup_dir, tampered)
    dump_file = tampered / platform_db["file"]
    data = bytearray(dump_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump_file.write_bytes(bytes(data))
    refused = backup("restore", tampered, target)
    assert refused.returncode == 1 and "与清单不符" in refused.stderr, refused.stderr
    no_roles = backup("restore", backup_dir, target)
    assert no_roles.returncode == 1 and "缺少角色" in no_roles.stderr, no_roles.stderr
    with psycopg.connect(conninfo(target)) as db:  # the refused restores wrote nothing, not even a database
        assert db.execute("SELECT count(*) FROM pg_tables WHERE schemaname <> 'pg_catalog' "
                          "AND schemaname <> 'information_schema'").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (AUDIT_DB,)).fetchone()[0] == 0

    # -- restore into the empty server (its roles created first, as docs/operations.md says) --------------------
    create_roles(target)
    started = time.monotonic()
    restored = backup("restore", backup_dir, target)
    restore_s = time.monotonic() - started
    assert restored.returncode == 0, restored.stderr

    # The relay resumes at its restored checkpoint: the unpublished events once, the published ones not again.
    app = registry(target)
    relay = relay_of(app, topic, kafka_bootstrap)
    assert relay.checkpoint() == published_up_to
    asyncio.run(publish_all(relay))
    assert relay.checkpoint() == app.recorder.max_notification_id() == platform_db["notification_max"][
        "public.registry_events"]
    app.close()
    on_topic = Counter(decode(r.value).id for r in asyncio.run(read_topic(kafka_bootstrap, topic)))
    assert set(on_topic) == set(public_ids), "an event lost or one the log does not hold"
    assert max(on_topic.values()) == 1, [i for i, n in on_topic.items() if n > 1]

    # The read model restored equals the one backed up; caught up with the topic, it equals a rebuild.
    restored_live = PostgresReadModelStore(conninfo(target))
    assert restored_live.dump() == before_backup
    restored_live.close()
    asyncio.run(rebuild(kafka_bootstrap, (topic,), PostgresReadModelStore(conninfo(target))))  # the worker resumes
    caught_up = PostgresReadModelStore(conninfo(target))
    asyncio.run(rebuild(kafka_bootstrap, (topic,), PostgresReadModelStore(conninfo(target), schema="drill_rebuild")))
    rebuilt = PostgresReadModelStore(conninfo(target), schema="drill_rebuild")
    assert caught_up.dump() == rebuilt.dump()
    assert caught_up.processed_count() == len(public_ids)
    caught_up.close()
    rebuilt.close()

    # The audit sink's chains verify on the new server, and its sources hold nothing it lacks.
    verified = subprocess.run([sys.executable, "-m", "pzh_shared.audit_sink", "verify"], capture_output=True,
                              text=True, timeout=120, env={**os.environ, "AUDIT_SINK_SINK": "postgres",
                                                           "AUDIT_SINK_POSTGRES_CONNINFO":
                                                               conninfo(target, AUDIT_DB, ROLES[0])})
    assert verified.returncode == 0 and "every chain verifies" in verified.stdout, verified.stdout + verified.stderr
    sink = audit_sink.Sink.connect(conninfo(target, AUDIT_DB, ROLES[0]))
    assert audit_sink.ship(sink, audit_sources(target)) == {"gateway": 0, "casework": 0}
    assert sink.counts() == audit_sink.source_counts(audit_sources(target))
    sink.close()

    record_property("reliability", {
        "databases": len(manifest["databases"]),
        "bytes": sum(e["bytes"] for e in manifest["databases"]),
        "rows": sum(sum(e["rows"].values()) for e in manifest["databases"]),
        "dump_s": round(dump_s, 1),
        "restore_s": round(restore_s, 1),
        "events_checked": len(public_ids),
        "published_after_restore": unpublished,
    })
