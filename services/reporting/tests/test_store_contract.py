"""One contract for the read-model store, run on both adapters (SQLite, and PostgreSQL on the session's real
server): batches applied with dedupe, a failing batch leaving nothing, as-of totals and sums (every view at
every tier equal with and without the roll-ups, and equal between the adapters), the dump a rebuild is
compared with, and refusal of a store of another schema version. PostgreSQL's fresh-schema switch too."""

from __future__ import annotations

import threading
import uuid
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import psycopg
import pytest
from reporting import views
from reporting.adapters.postgres import PostgresReadModelStore, fresh_schema
from reporting.adapters.store import ReadModelStore, SqlReadModel, StoreOutdated
from reporting.projections.router import Changes, project
from reporting.scenario import build

DAYS = (date(2024, 3, 31), date(2024, 9, 30), date(2024, 12, 31))


@pytest.fixture(scope="module")
def envelopes() -> list:
    return [e for _, e in build(seed=5).events]


def _batch(envelopes: list) -> list[tuple[str, str, Changes]]:
    return [(e.id, e.type, project(e.type, e.data)) for e in envelopes]


def _database(postgres_server) -> str:  # type: ignore[no-untyped-def]
    """A database of its own on the session's server (the pointer table is per database)."""
    name = f"rm_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_server.dsn.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgres"])
def new_store(request, tmp_path) -> Iterator[Callable[[], SqlReadModel]]:  # type: ignore[no-untyped-def]
    """Makes empty stores of the adapter under test, each its own file or database."""
    made: list[SqlReadModel] = []

    def make() -> SqlReadModel:
        if request.param == "sqlite":
            store: SqlReadModel = ReadModelStore(tmp_path / f"{uuid.uuid4().hex}.sqlite")
        else:
            store = PostgresReadModelStore(_database(request.getfixturevalue("postgres_server")))
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


def _apply(store: SqlReadModel, envelopes: list, size: int) -> None:
    for start in range(0, len(envelopes), size):
        store.apply(_batch(envelopes[start:start + size]))


def _areas(store: SqlReadModel) -> list[str]:
    codes = sorted(store.names("area", "2024-12-31"))
    townships = [c for c in codes if len(c) == 9][:2]
    villages = [c for c in codes if len(c) == 12][:1]
    return ["000000", "510000", "510400", "510402", "510421", *townships, *villages]


def _all_views(store: SqlReadModel, areas: list[str]) -> dict:
    return {(name, area, day): views.view(store, name, area, day)  # type: ignore[arg-type]
            for name in views.VIEWS for area in areas for day in DAYS}


def test_batches_apply_with_dedupe_and_any_batch_size_gives_the_same_model(new_store, envelopes) -> None:
    whole, small = new_store(), new_store()
    assert whole.apply(_batch(envelopes)) == len(envelopes)
    assert whole.apply(_batch(envelopes[:100])) == 0  # redelivered: nothing changes
    doubled = [e for e in envelopes for _ in (0, 1)]
    _apply(small, doubled, 37)
    assert small.processed_count() == whole.processed_count() == len(envelopes)
    assert small.dump() == whole.dump()
    assert whole.dump()["rollups"], "the roll-ups are kept as the facts are applied"


def test_a_failing_batch_leaves_nothing(new_store, envelopes) -> None:
    store = new_store()
    store.apply(_batch(envelopes[:300]))
    before = store.dump()
    broken = Changes(aggregate=("case", "no-such-case"), event_type="casework.no.such.event.v1")
    with pytest.raises(KeyError):
        store.apply([*_batch(envelopes[300:]), ("broken", "casework.no.such.event.v1", broken)])
    assert store.dump() == before
    store.apply(_batch(envelopes[300:]))
    assert store.processed_count() == len(envelopes)


def test_every_view_at_every_tier_is_the_same_from_the_rollups_as_from_the_facts(new_store, envelopes,
                                                                                 monkeypatch) -> None:
    store = new_store()
    _apply(store, envelopes, 500)
    areas = _areas(store)
    assert len(areas) == 8
    rolled = _all_views(store, areas)
    monkeypatch.setattr(SqlReadModel, "_rollup_sums", lambda self, *args: None)  # every figure from the facts
    assert _all_views(store, areas) == rolled
    assert rolled[("stations", "510400", DAYS[-1])]["total"] > 0
    facts, stations = store._read(
        "SELECT count(*), count(DISTINCT f.station_id) FROM facts f LEFT JOIN station_directory s "
        "ON s.station_id = f.station_id WHERE f.area_code IS NULL AND s.station_id IS NULL")[0]
    assert store.unresolved() == {"facts": facts, "stations": stations}


def test_facts_of_a_station_not_known_yet_are_counted_until_it_is_and_then_rolled_up(new_store, envelopes) -> None:
    """Talent and casework events before the registry's: their station facts wait, then count where it is."""
    store, reference = new_store(), new_store()
    registry = [e for e in envelopes if e.type.startswith("registry.")]
    others = [e for e in envelopes if not e.type.startswith("registry.")]
    store.apply(_batch(others))
    assert store.unresolved()["facts"] > 0
    _apply(store, registry, 100)
    reference.apply(_batch(envelopes))
    assert store.unresolved() == reference.unresolved()
    assert _all_views(store, ["510400", "510402"]) == _all_views(reference, ["510400", "510402"])


def test_a_store_filled_before_the_rollups_existed_gets_them_when_opened(tmp_path, envelopes) -> None:
    path = tmp_path / "rm.sqlite"
    store = ReadModelStore(path)
    store.apply(_batch(envelopes))
    reference = store.dump()
    store._conn.execute("DELETE FROM rollups")
    store.close()
    assert ReadModelStore(path).dump() == reference


def test_the_adapters_hold_the_same_model_and_answer_the_same(tmp_path, postgres_server, envelopes) -> None:
    lite = ReadModelStore(tmp_path / "rm.sqlite")
    pg = PostgresReadModelStore(_database(postgres_server))
    _apply(lite, envelopes, 400)
    _apply(pg, envelopes, 250)
    assert pg.dump() == lite.dump()
    areas = _areas(lite)
    assert _all_views(pg, areas) == _all_views(lite, areas)
    assert pg.unresolved() == lite.unresolved()
    assert pg.names("area", "2024-06-30") == lite.names("area", "2024-06-30")


def test_a_postgres_schema_of_another_version_is_refused(postgres_server) -> None:
    conninfo = _database(postgres_server)
    store = PostgresReadModelStore(conninfo)
    store._conn.execute("UPDATE schema_version SET version = 4")
    store.close()
    with pytest.raises(StoreOutdated, match="rebuild"):
        PostgresReadModelStore(conninfo)


def test_a_rebuild_fills_a_fresh_schema_and_readers_switch_at_once(postgres_server, envelopes) -> None:
    conninfo = _database(postgres_server)
    live = PostgresReadModelStore(conninfo)
    reader = PostgresReadModelStore(conninfo)
    live.apply(_batch(envelopes[:200]))
    fresh = fresh_schema(conninfo)
    assert fresh.schema != live.schema
    fresh.apply(_batch(envelopes[:150]))
    assert reader.processed_count() == 200, "a half-built model is not seen"
    fresh.apply(_batch(envelopes[150:]))
    previous = fresh.switch_to(fresh.schema)
    assert previous == reader.schema
    assert reader.processed_count() == len(envelopes)  # the next read follows the pointer
    assert reader.schema == fresh.schema
    assert live.processed_count() == len(envelopes), "a worker's store follows the switch as well"
    third = fresh_schema(conninfo)
    third.switch_to(third.schema)
    assert previous not in third.schemas(), "schemas older than the replaced one are dropped"
    for store in (live, reader, fresh, third):
        store.close()


def test_a_range_of_days_is_read_as_years_months_and_days_each_day_once() -> None:
    import random
    from datetime import timedelta

    from reporting.adapters.store import _periods

    def days_of(period: str, first: date) -> list[date]:
        end = {"d": first, "m": (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1),
               "y": date(first.year, 12, 31)}[period]
        return [first + timedelta(days=i) for i in range((end - first).days + 1)]

    rng = random.Random(16)
    for _ in range(2000):
        since = date(2019, 1, 1) + timedelta(days=rng.randrange(2000))
        since = since.replace(day=1) if rng.random() < 0.3 else since
        as_of = since + timedelta(days=rng.randrange(900))
        covered: list[date] = []
        for period, low, high in _periods(since.isoformat(), as_of.isoformat()):
            first, last = date.fromisoformat(low), date.fromisoformat(high)
            for n in range((last - first).days + 1):
                day = first + timedelta(days=n)
                if period == "d" or (day.day == 1 and (period == "m" or day.month == 1)):
                    covered.extend(days_of(period, day))
        assert sorted(covered) == [since + timedelta(days=i) for i in range((as_of - since).days + 1)]


def test_writers_in_separate_sessions_on_one_postgres_model_equal_one_writer(postgres_server) -> None:
    """Several workers of one consumer group: each owns some partitions (a message's partition is its
    subject's hash, as the relay keys it), keeps their order and applies in small batches, all at once.
    Events of one aggregate or station reach different workers (a station's talent and casework facts, its
    registry events), so what one writes, another reads: the model must equal one writer applying them all."""
    scenario = build(seed=11).events
    partitions: dict[tuple[str, int], list] = {}
    for topic, envelope in scenario:
        partitions.setdefault((topic, zlib.crc32(envelope.subject.encode()) % 3), []).append(envelope)
    conninfo = _database(postgres_server)
    reference = PostgresReadModelStore(_database(postgres_server))
    _apply(reference, [envelope for _, envelope in scenario], 500)
    writers = 4
    owned: list[list] = [[] for _ in range(writers)]
    for n, key in enumerate(sorted(partitions)):
        owned[n % writers].append(partitions[key])
    stores = [PostgresReadModelStore(conninfo) for _ in range(writers)]
    start = threading.Barrier(writers)

    def work(store: SqlReadModel, streams: list[list]) -> None:
        start.wait()
        positions = [0] * len(streams)
        while any(p < len(s) for p, s in zip(positions, streams, strict=True)):
            for i, stream in enumerate(streams):  # a few messages of each owned partition in turn, as getmany
                store.apply(_batch(stream[positions[i]:positions[i] + 3]))
                positions[i] += 3

    with ThreadPoolExecutor(writers) as pool:
        for done in [pool.submit(work, store, streams) for store, streams in zip(stores, owned, strict=True)]:
            done.result()
    assert stores[0].processed_count() == len(scenario)
    assert stores[0].dump() == reference.dump()
    for store in (*stores, reference):
        store.close()
