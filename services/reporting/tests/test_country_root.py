"""The country (000000) as the read model's root (issue 16): its range is every code, its children are the
provinces, and coverage is counted per child inside the store (township_tally) with the same figures as from
the facts, on both adapters."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest
from pzh_shared.areas import level_of, parent_of
from reporting import views
from reporting.adapters.postgres import PostgresReadModelStore
from reporting.adapters.store import ReadModelStore, SqlReadModel, _bounds
from reporting.projections.router import project

DAY = date(2024, 6, 30)
AREAS = {"000000": "中华人民共和国", "110000": "北京市", "110100": "市辖区", "110101": "东城区",
         "110101001": "东华门街道", "510000": "四川省", "510400": "攀枝花市", "510402": "东区",
         "510402001": "东区甲街道", "510402002": "东区乙街道", "530000": "云南省", "530100": "昆明市",
         "530102": "五华区", "530102001": "华山街道"}


def registered(code: str) -> tuple[str, dict]:
    return ("registry.area.registered.v1", {"area_code": code, "parent_code": parent_of(code), "level": level_of(code),
                                            "name": AREAS[code], "reform_affected": False,
                                            "valid_from": "2020-01-01", "vintage": "2020"})


def township_station(sid: str, area: str, covers: list[str]) -> list[tuple[str, dict]]:
    common = {"station_id": sid, "tier": "township_station", "area_code": area, "county_code": area[:6], "name": "站"}
    return [("registry.station.planned.v1", {**common, "construction_mode": "county_self_built",
                                             "operating_model": "self_operated", "agency": None,
                                             "provincial_pilot": False, "governance_pilot": False, "covers": covers,
                                             "planned_on": "2021-01-01"}),
            ("registry.station.opened.v1", {**common, "opened_on": "2021-06-01"})]


def country_events() -> list[tuple[str, dict]]:
    """Four townships in three provinces: 东区乙 served twice (its own station and 甲's), 东华门 once (its
    station also covers a code never registered), 华山 not at all."""
    events = [registered(code) for code in AREAS]
    events += township_station(str(uuid.uuid4()), "510402001", ["510402002"])
    events += township_station(str(uuid.uuid4()), "510402002", [])
    events += township_station(str(uuid.uuid4()), "110101001", ["110101999"])
    return events


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path) -> Iterator[SqlReadModel]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        made: SqlReadModel = ReadModelStore(tmp_path / "rm.sqlite")
    else:
        server = request.getfixturevalue("postgres_server")
        name = f"rm_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made = PostgresReadModelStore(server.dsn.rsplit("/", 1)[0] + f"/{name}")
    made.apply((f"e{n}", etype, project(etype, data)) for n, (etype, data) in enumerate(country_events()))
    yield made
    made.close()


def test_the_country_is_every_code() -> None:
    assert _bounds("000000") == ("", ";")
    assert _bounds("510000") == ("51", "51;")


def test_the_countrys_coverage_lists_its_provinces_each_township_counted_once(store: SqlReadModel) -> None:
    body = views.view(store, "coverage", "000000", DAY)
    assert (body["name"], body["townships"], body["served"], body["share"]) == ("中华人民共和国", 4, 3, "0.7500")
    assert body["children"] == [
        {"area_code": "110000", "name": "北京市", "townships": 1, "served": 1, "share": "1.0000"},
        {"area_code": "510000", "name": "四川省", "townships": 2, "served": 2, "share": "1.0000"},
        {"area_code": "530000", "name": "云南省", "townships": 1, "served": 0, "share": "0.0000"}]
    assert body["unserved"] == [{"area_code": "530102001", "name": "华山街道"}]
    assert body["goal_2025"]["remaining"] == 1
    assert [c["area_code"] for c in views.view(store, "stations", "000000", DAY)["children"]] == ["110000", "510000"]
    assert store.township_tally("510000", DAY.isoformat()) == ({"510400": (2, 2)}, [])
    assert store.township_tally("510402002", DAY.isoformat()) == ({"510402002": (1, 1)}, [])
    assert store.township_tally("000000", "2019-12-31") == ({}, [])  # nothing registered yet


def test_the_countrys_views_are_the_same_from_the_rollups_as_from_the_facts(store: SqlReadModel,
                                                                             monkeypatch) -> None:
    areas = ["000000", "110000", "510000", "510400", "510402", "530102"]
    rolled = {(name, area): views.view(store, name, area, DAY) for name in views.VIEWS for area in areas}
    monkeypatch.setattr(SqlReadModel, "_rollup_sums", lambda self, *args: None)  # every figure from the facts
    assert {(name, area): views.view(store, name, area, DAY) for name in views.VIEWS for area in areas} == rolled
