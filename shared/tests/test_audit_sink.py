"""The audit sink (pzh_shared.audit_sink), on SQLite and on a real PostgreSQL, fed by the gateway's real store and
casework's real read audit: shipping copies every record unchanged and only once, the sink refuses changes, verify
finds an edit anywhere in a chain (in the sink or in an archive), archiving keeps the chains verifiable and the
counts equal to the sources'."""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from casework.adapters.audit import PostgresReadAudit, SqliteReadAudit
from gateway.adapters.postgres_store import PostgresGatewayStore
from gateway.adapters.sqlite_store import SqliteGatewayStore
from gateway.adapters.store import GatewayStore
from gateway.settings import GatewaySettings
from pzh_shared import audit_sink
from pzh_shared.audit_sink import RETENTION_DAYS, Sink, Source
from pzh_shared.personal import ReadAudit

GATEWAY_ACTIONS = ("login", "case_read", "export")


@dataclass
class World:
    gateway: GatewayStore
    casework: ReadAudit
    sources: list[Source]
    sink: Sink  # as the shipper
    archivist: Sink
    archive_dir: Path
    owner: Callable[[str], None]  # runs a statement as the sink's owner, around its grants (not its triggers)
    drop_triggers: str  # the owner's statement that switches the sink's triggers off

    def gateway_call(self, at: float, action: str, n: int) -> None:
        self.gateway.audit(at=at, actor=f"user{n}", role="social_worker", actor_area="510402", action=action,
                           method="GET", path=f"/api/cases/{n}", resource_id=str(n), target_area="510402",
                           status=200, purpose="核查服务记录", detail={"n": n})

    def case_read(self, n: int) -> None:
        self.casework.record(f"user{n}", "read" if n % 3 else "export", "case", str(uuid.uuid4()), "跟进个案")


def gateway_records(store: GatewayStore) -> list[dict[str, Any]]:
    return store.audit_records("", unscoped=True, limit=10**6)


def expected_counts(world: World) -> Counter[tuple[str, str]]:
    """Per source and action, from the stores' own read methods (not the sink's SQL)."""
    counts: Counter[tuple[str, str]] = Counter()
    counts.update(("gateway", r["action"]) for r in gateway_records(world.gateway))
    counts.update(("casework", r.action) for r in world.casework.records())
    return counts


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    gateway, casework = SqliteGatewayStore(tmp_path / "gateway.sqlite"), SqliteReadAudit(tmp_path / "case.sqlite")
    sources = [Source(name="gateway", kind="gateway", path=tmp_path / "gateway.sqlite"),
               Source(name="casework", kind="read_audit", path=tmp_path / "case.sqlite", table="case_reads")]
    sink, archivist = Sink.sqlite(tmp_path / "sink.sqlite"), Sink.sqlite(tmp_path / "sink.sqlite")

    def owner(statement: str) -> None:
        with sqlite3.connect(tmp_path / "sink.sqlite") as db:
            db.executescript(statement)

    yield World(gateway, casework, sources, sink, archivist, tmp_path / "archive", owner,
                "DROP TRIGGER audit_sink_no_update; DROP TRIGGER audit_sink_archived_only")
    for closing in (gateway, casework, sink, archivist):
        closing.close()


@pytest.fixture(scope="module")
def postgres_databases(postgres_server: Any) -> Iterator[tuple[str, str]]:
    """The sources' database and the sink's, a second one: each test works in schemas of its own in them."""
    import psycopg

    tag = uuid.uuid4().hex[:10]
    with psycopg.connect(postgres_server.dsn, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE src_{tag}")  # type: ignore[arg-type]
        admin.execute(f"CREATE DATABASE sink_{tag}")  # type: ignore[arg-type]
    yield f"src_{tag}", f"sink_{tag}"
    with psycopg.connect(postgres_server.dsn, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE src_{tag} WITH (FORCE)")  # type: ignore[arg-type]
        admin.execute(f"DROP DATABASE sink_{tag} WITH (FORCE)")  # type: ignore[arg-type]


@pytest.fixture
def postgres_world(tmp_path: Path, postgres_server: Any, postgres_databases: tuple[str, str]) -> Iterator[World]:
    import psycopg
    from psycopg.conninfo import make_conninfo

    tag = uuid.uuid4().hex[:10]
    source_db, sink_db = postgres_databases
    schema, shipper, archivist_role = f"s_{tag}", f"shipper_{tag}", f"archivist_{tag}"

    def conninfo(dbname: str, user: str | None = None) -> str:
        return make_conninfo(host=postgres_server.host, port=postgres_server.port, dbname=dbname,
                             user=user or postgres_server.user,
                             password=tag if user else (postgres_server.password or ""),
                             options=f"-c search_path={schema}")

    def admin(dbname: str, *statements: str) -> None:
        with psycopg.connect(conninfo(dbname), autocommit=True) as db:
            for statement in statements:
                db.execute(statement)  # type: ignore[arg-type]

    admin(source_db, f"CREATE SCHEMA {schema}")
    admin(sink_db, f"CREATE SCHEMA {schema}", f"CREATE ROLE {shipper} LOGIN PASSWORD '{tag}'",
          f"CREATE ROLE {archivist_role} LOGIN PASSWORD '{tag}'",
          f"GRANT USAGE ON SCHEMA {schema} TO {shipper}, {archivist_role}")
    audit_sink.setup_postgres(conninfo(sink_db), shipper, archivist_role)
    gateway = PostgresGatewayStore(GatewaySettings(
        store="postgres", postgres_host=postgres_server.host, postgres_port=postgres_server.port,
        postgres_dbname=source_db, postgres_user=postgres_server.user,
        postgres_password=postgres_server.password or "", postgres_schema=schema))  # type: ignore[arg-type]
    casework = PostgresReadAudit(conninfo(source_db))
    sources = [Source(name="gateway", kind="gateway", conninfo=conninfo(source_db), table=f"{schema}.audit"),
               Source(name="casework", kind="read_audit", conninfo=conninfo(source_db), table="casework_case_reads")]
    sink, archivist = Sink.connect(conninfo(sink_db, shipper)), Sink.connect(conninfo(sink_db, archivist_role))
    yield World(gateway, casework, sources, sink, archivist, tmp_path / "archive", lambda s: admin(sink_db, s),
                "ALTER TABLE audit_sink DISABLE TRIGGER USER")
    for closing in (gateway, casework, sink, archivist):
        closing.close()
    admin(source_db, f"DROP SCHEMA {schema} CASCADE")
    admin(sink_db, f"DROP SCHEMA {schema} CASCADE", f"DROP ROLE {shipper}", f"DROP ROLE {archivist_role}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest) -> World:
    return request.getfixturevalue(f"{request.param}_world")


def fill(world: World, gateway_at: float, n: int = 6) -> None:
    for i in range(n):
        world.gateway_call(gateway_at + i, GATEWAY_ACTIONS[i % len(GATEWAY_ACTIONS)], i)
        world.case_read(i)


def test_ship_copies_every_record_unchanged_and_the_chains_verify(world: World):
    fill(world, time.time())
    shipped = audit_sink.ship(world.sink, world.sources)

    gateway, cases = gateway_records(world.gateway), world.casework.records()
    assert shipped == {"gateway": len(gateway), "casework": len(cases)}
    in_sink = {s: world.sink.records(s) for s in ("gateway", "casework")}
    assert [json.loads(r["record"]) for r in in_sink["gateway"]] == gateway
    assert [(r["seq"], r["at"], r["actor"], r["action"], r["prev_hash"], r["hash"]) for r in in_sink["casework"]] == [
        (c.seq, c.at.isoformat(), c.user, c.action, c.prev_hash, c.hash) for c in cases]
    assert [json.loads(r["record"])["purpose"] for r in in_sink["casework"]] == [c.purpose for c in cases]
    assert audit_sink.verify(world.sink, world.archive_dir) == []


def test_a_second_run_appends_nothing_twice(world: World):
    fill(world, time.time(), 4)
    audit_sink.ship(world.sink, world.sources)
    first = world.sink.records("casework") + world.sink.records("gateway")
    # A run that stopped after appending and is run again, or a second shipper that read the same position:
    # the same rows come again and the primary key (source, seq) keeps one of each.
    world.sink.append(first)
    assert audit_sink.ship(world.sink, world.sources) == {"gateway": 0, "casework": 0}
    world.case_read(99)
    assert audit_sink.ship(world.sink, world.sources) == {"gateway": 0, "casework": 1}
    assert world.sink.counts() == expected_counts(world)
    assert audit_sink.verify(world.sink, world.archive_dir) == []


def test_the_sink_refuses_update_and_delete(world: World):
    fill(world, time.time(), 3)
    audit_sink.ship(world.sink, world.sources)
    errors: tuple[type[Exception], ...] = (sqlite3.DatabaseError,)
    if world.sink.postgres:
        import psycopg

        errors = (psycopg.errors.InsufficientPrivilege,)
        # The shipper's role holds INSERT and SELECT only: not even TRUNCATE gets to the triggers.
        with pytest.raises(errors):
            world.sink._run("TRUNCATE audit_sink")
    with pytest.raises(errors):
        world.sink._run("UPDATE audit_sink SET action = 'login' WHERE source = 'casework'")
    with pytest.raises(errors):
        world.sink._run("DELETE FROM audit_sink WHERE source = 'gateway'")
    # The archivist may delete only records an archive holds: the trigger refuses the others.
    with pytest.raises(Exception, match="only archived records may be deleted"):
        world.archivist._run("DELETE FROM audit_sink WHERE source = 'gateway'")
    with pytest.raises(Exception, match="append-only"):
        world.owner("UPDATE audit_sink SET action = 'login'")  # the owner too, while the triggers are on
    assert world.sink.counts() == expected_counts(world)


def test_verify_finds_each_record_changed_in_the_sink(world: World):
    fill(world, time.time())
    audit_sink.ship(world.sink, world.sources)
    assert audit_sink.verify(world.sink, world.archive_dir) == []
    world.owner(world.drop_triggers)  # as an administrator of the sink would, to edit it
    for tamper in (
        "UPDATE audit_sink SET action = 'login' WHERE source = 'casework' AND seq = 2",  # a column, not its record
        "UPDATE audit_sink SET record = replace(record, '\"status\":200', '\"status\":403') "
        "WHERE source = 'gateway' AND seq = 3",  # the record, not its hash
        "UPDATE audit_sink SET at = '2020-01-01T00:00:00+00:00' WHERE source = 'gateway' AND seq = 5",
        "DELETE FROM audit_sink WHERE source = 'casework' AND seq = 4",  # found at the next record, 5
    ):
        world.owner(tamper)
    problems = audit_sink.verify(world.sink, world.archive_dir)
    assert [p.split(":")[0] for p in problems] == ["casework 2", "casework 5", "gateway 3", "gateway 5"], problems


def test_verify_finds_a_read_audit_record_edited_at_its_source_before_shipping(sqlite_world: World,
                                                                              tmp_path: Path):
    """The read audit's own chain is kept, so an edit made around the source's triggers still shows."""
    fill(sqlite_world, time.time(), 4)
    with sqlite3.connect(tmp_path / "case.sqlite") as source:
        source.executescript("DROP TRIGGER case_reads_no_update; "
                             "UPDATE case_reads SET purpose = '例行检查' WHERE seq = 2;")
    audit_sink.ship(sqlite_world.sink, sqlite_world.sources)
    assert audit_sink.verify(sqlite_world.sink, sqlite_world.archive_dir) == [
        "casework 2: hash does not follow from the record"]


def test_archive_keeps_the_chains_verifiable_across_the_boundary(world: World):
    boundary = datetime.now(UTC)
    old, young = boundary.timestamp() - 400 * 86400, boundary.timestamp() + 60
    for i in range(5):
        world.gateway_call(old + i, GATEWAY_ACTIONS[i % 3], i)
        world.case_read(i)
    time.sleep(0.01)
    cut = datetime.now(UTC)  # the casework records before it go, those after it stay
    for i in range(5, 8):
        world.gateway_call(young + i, GATEWAY_ACTIONS[i % 3], i)
        world.case_read(i)
    audit_sink.ship(world.sink, world.sources)

    now = cut + timedelta(days=RETENTION_DAYS + 1)  # as if run half a year later
    files = audit_sink.archive(world.archivist, world.archive_dir, cut, now=now)
    assert sorted(f.name for f in files) == ["casework-000000000001-000000000005.jsonl.gz",
                                             "gateway-000000000001-000000000005.jsonl.gz"]
    assert [r["seq"] for r in world.sink.records("gateway")] == [6, 7, 8]
    assert [r["seq"] for r in world.sink.records("casework")] == [6, 7, 8]
    archived = [json.loads(line) for line in gzip.open(world.archive_dir / files[0].name, "rt")]
    assert len(archived) == 5 and all(r["at"] < cut.isoformat() for r in archived)
    assert audit_sink.verify(world.sink, world.archive_dir) == []
    assert world.sink.counts() == expected_counts(world)

    # The chains go on after the boundary: new records ship after the archived and kept ones.
    world.case_read(50)
    world.gateway_call(young + 50, "login", 50)
    assert audit_sink.ship(world.sink, world.sources) == {"gateway": 1, "casework": 1}
    assert audit_sink.verify(world.sink, world.archive_dir) == []

    # An archive edited after it was written fails its checksum, and its chain with it.
    path = world.archive_dir / "casework-000000000001-000000000005.jsonl.gz"
    edited = next(json.loads(line)["seq"] for line in gzip.open(path, "rt") if json.loads(line)["action"] == "read")
    lines = gzip.decompress(path.read_bytes()).decode().replace('"action":"read"', '"action":"export"', 1)
    path.write_bytes(gzip.compress(lines.encode()))
    problems = audit_sink.verify(world.sink, world.archive_dir)
    assert [p.split(":")[0] for p in problems] == ["casework 1", f"casework {edited}"], problems
    assert "fails its SHA-256" in problems[0] and "the row differs from its record" in problems[1]


def test_archive_refuses_a_cutoff_less_than_six_months_ago(sqlite_world: World):
    fill(sqlite_world, time.time() - 400 * 86400)
    audit_sink.ship(sqlite_world.sink, sqlite_world.sources)
    now = datetime.now(UTC)
    with pytest.raises(ValueError, match="--before"):
        audit_sink.archive(sqlite_world.archivist, sqlite_world.archive_dir,
                           now - timedelta(days=RETENTION_DAYS - 1), now=now)
    assert sqlite_world.sink.counts() == expected_counts(sqlite_world)
    assert not sqlite_world.archive_dir.exists()


def test_an_archive_stopped_before_its_registration_loses_nothing(sqlite_world: World,
                                                                  monkeypatch: pytest.MonkeyPatch):
    world = sqlite_world
    fill(world, time.time() - 400 * 86400, 4)
    audit_sink.ship(world.sink, world.sources)
    cut = datetime.now(UTC) - timedelta(days=300)

    def crash(archive: dict[str, Any]) -> None:
        raise OSError("killed after writing the file")

    with monkeypatch.context() as patch:
        patch.setattr(world.archivist, "record_archive", crash)
        with pytest.raises(OSError):
            audit_sink.archive(world.archivist, world.archive_dir, cut)
    written = {p.name: p.read_bytes() for p in world.archive_dir.glob("*.gz")}
    assert list(written) == ["gateway-000000000001-000000000004.jsonl.gz"]
    assert len(world.sink.records("gateway")) == 4  # still in the sink: nothing was deleted
    assert [p.name for p in audit_sink.archive(world.archivist, world.archive_dir, cut)] == list(written)
    assert {p.name: p.read_bytes() for p in world.archive_dir.glob("*.gz")} == written  # the same bytes again
    assert world.sink.records("gateway") == []
    assert audit_sink.verify(world.sink, world.archive_dir) == []
    assert world.sink.counts() == expected_counts(world)
    # With every record of the gateway archived, shipping goes on after the archive's last one, on its chain.
    world.gateway_call(time.time(), "login", 9)
    assert audit_sink.ship(world.sink, world.sources) == {"gateway": 1, "casework": 0}
    assert [r["seq"] for r in world.sink.records("gateway")] == [5]
    assert audit_sink.verify(world.sink, world.archive_dir) == []


def test_counts_over_the_sink_equal_the_sources(world: World):
    fill(world, time.time(), 7)
    audit_sink.ship(world.sink, world.sources)
    expected = expected_counts(world)
    assert set(expected) >= {("gateway", a) for a in GATEWAY_ACTIONS} | {("casework", "read"), ("casework", "export")}
    assert world.sink.counts() == expected == audit_sink.source_counts(world.sources)
    world.case_read(100)  # not shipped yet: the sink is behind by one, and counts says so
    assert audit_sink.source_counts(world.sources) - world.sink.counts() == Counter({("casework", "read"): 1})


def test_the_command_ships_the_embedded_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]):
    """`make run`'s layout: the gateway's and casework's files under DATA_DIR, talent's not made yet."""
    gateway = SqliteGatewayStore(tmp_path / "gateway.sqlite")
    casework = SqliteReadAudit(tmp_path / "casework-audit.sqlite")
    world = World(gateway, casework, [], None, None, tmp_path, lambda s: None, "")  # type: ignore[arg-type]
    fill(world, time.time(), 3)
    monkeypatch.setenv("AUDIT_SINK_DATA_DIR", str(tmp_path))
    assert audit_sink.main(["ship"]) == 0
    assert json.loads(capsys.readouterr().out) == {"shipped": {"gateway": 3, "casework": 3, "talent": 0}}
    assert audit_sink.main(["verify"]) == 0
    assert audit_sink.main(["counts"]) == 0
    world.case_read(7)
    assert audit_sink.main(["counts"]) == 1  # one record not shipped yet
    assert audit_sink.main(["archive", "--before", datetime.now(UTC).date().isoformat()]) == 2
    assert "--before" in capsys.readouterr().err
    gateway.close()
    casework.close()
