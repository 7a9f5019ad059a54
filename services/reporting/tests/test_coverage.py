"""Township coverage toward the 2025 goal and the share of 2021 township stations in reform-affected
townships: the facts of the registry's area events and of township stations (their own township and
those they cover), fed through project() and the store as the worker does, asked as of past days."""

import random
import sqlite3
import uuid

import pytest
from reporting.adapters.store import SCHEMA_VERSION, ReadModelStore, StoreOutdated
from reporting.projections.facts import ProjectionError
from reporting.projections.router import project
from reporting.views import reform_share_2021, township_coverage, view


def _id():
    return str(uuid.uuid4())


def registered(code, name, reform=False, valid_from="2020-01-01"):
    level = {6: "county", 9: "township", 12: "village"}[len(code)]
    return ("registry.area.registered.v1", {"area_code": code, "parent_code": code[:-3] if len(code) > 6 else "510400",
                                            "level": level, "name": name, "reform_affected": reform,
                                            "valid_from": valid_from, "vintage": valid_from[:4]})


def changed(code, change, on, **data):
    return ("registry.area.changed.v1", {"area_code": code, "change": change, "effective_on": on, **data})


def township_station(sid, area, opened, covers=(), name="站"):
    return [
        (
            "registry.station.planned.v1",
            {
                "station_id": sid,
                "tier": "township_station",
                "area_code": area,
                "county_code": area[:6],
                "name": name,
                "construction_mode": "county_self_built",
                "operating_model": "self_operated",
                "agency": None,
                "provincial_pilot": False,
                "governance_pilot": False,
                "covers": list(covers),
                "planned_on": "2020-06-01",
            },
        ),
        (
            "registry.station.opened.v1",
            {
                "station_id": sid,
                "tier": "township_station",
                "area_code": area,
                "county_code": area[:6],
                "name": name,
                "opened_on": opened,
            },
        ),
    ]


S1, S2, S3 = (f"00000000-0000-4000-8000-00000000000{i}" for i in range(1, 4))


def world():
    """东区 with four townships: 001 (reform-affected) has S1 covering 002; 003 gets S2 in 2021 and
    is flagged reform-affected on 2021-03-01, after S2 opened; 004 has no station and is merged into
    001 on 2022-01-01; a township 005 of 2022 has none. 米易县 001 (reform-affected) has S3, opened in
    2021 and closed in 2023."""
    events = [
        registered("510402", "东区"),
        registered("510402001", "甲街道", reform=True),
        registered("510402002", "乙街道"),
        registered("510402003", "丙镇"),
        registered("510402004", "丁镇"),
        registered("510402005", "戊街道", valid_from="2022-01-01"),
        registered("510421", "米易县"),
        registered("510421001", "攀莲镇", reform=True),
    ]
    events += [changed("510402004", "merged", "2022-01-01", successors=["510402001"]),
               changed("510402003", "reform_flag_set", "2021-03-01", reform_affected=True),
               changed("510402002", "renamed", "2021-06-01", name="乙新街道")]
    events += township_station(S1, "510402001", "2020-07-01", covers=["510402002"])
    events += township_station(S2, "510402003", "2021-02-01")
    events += township_station(S3, "510421001", "2021-05-01")
    events.append(("registry.station.closed.v1", {"station_id": S3, "effective_on": "2023-01-01"}))
    return events


def feed(store, events):
    store.apply(
        (f"{event_type}:{n}", event_type, project(event_type, data)) for n, (event_type, data) in enumerate(events)
    )


@pytest.fixture
def store(tmp_path):
    s = ReadModelStore(tmp_path / "rm.sqlite")
    feed(s, world())
    return s


def test_townships_valid_on_the_day_and_those_an_open_township_station_serves(store):
    assert township_coverage(store, "510402", "2019-12-31") == {
        "townships": 0,
        "served": 0,
        "share": None,
        "unserved": [],
    }
    # 2020-12-31: S1 serves 001 and (片区) 002; 003 and 004 have none
    assert township_coverage(store, "510402", "2020-12-31") == {
        "townships": 4, "served": 2, "share": "0.5000", "unserved": ["510402003", "510402004"]}
    assert township_coverage(store, "510402", "2021-12-31")["served"] == 3
    # 004 merged away and 005 created on 2022-01-01
    assert township_coverage(store, "510402", "2022-01-01") == {
        "townships": 4, "served": 3, "share": "0.7500", "unserved": ["510402005"]}
    assert township_coverage(store, "510421", "2022-12-31")["share"] == "1.0000"
    assert township_coverage(store, "510421", "2023-01-01") == {
        "townships": 1,
        "served": 0,
        "share": "0.0000",
        "unserved": ["510421001"],
    }
    assert township_coverage(store, "510400", "2022-06-30") == {
        "townships": 5, "served": 4, "share": "0.8000", "unserved": ["510402005"]}
    # a township as its own area: served or not
    assert township_coverage(store, "510402002", "2021-01-01")["served"] == 1


def test_reform_affected_flag_as_of_each_2021_station_opening_day(store):
    """The plan: "2021年……乡镇(街道)社会工作服务站12个(其中涉改乡镇占50%以上)"; 以上 includes the
    number (民法典 第一千二百五十九条 "民法所称的'以上'……包括本数"), so one of two 2021 stations in a
    reform-affected township meets it."""
    # S2 opened on 2021-02-01, before 丙镇 was flagged; S3 in a township flagged from the start; S1 opened in 2020
    assert reform_share_2021(store, "510400", "2021-12-31") == {
        "township_stations_2021": 2, "in_reform_affected": 1, "share": "0.5000", "goal_over_half": True}
    assert reform_share_2021(store, "510421", "2024-06-30") == {  # closed since, still one of 2021's stations
        "township_stations_2021": 1, "in_reform_affected": 1, "share": "1.0000", "goal_over_half": True}
    assert reform_share_2021(store, "510400", "2021-03-01")["township_stations_2021"] == 1
    assert reform_share_2021(store, "510400", "2020-12-31")["share"] is None
    assert store.total("reform_areas", "510402", "2021-02-28") == 1
    assert store.total("reform_areas", "510402", "2021-03-01") == 2


def test_coverage_view_per_county_with_names_and_the_2025_goal(store):
    from datetime import date
    body = view(store, "coverage", "510400", date(2022, 6, 30))
    assert (body["name"], body["townships"], body["served"], body["share"]) == (
        None,
        5,
        4,
        "0.8000",
    )  # the city was not registered here
    assert body["unserved"] == [{"area_code": "510402005", "name": "戊街道"}]
    assert body["goal_2025"] == {"year": 2025, "goal": "乡镇(街道)社会工作服务全覆盖", "remaining": 1, "met": False}
    assert body["children"] == [
        {"area_code": "510402", "name": "东区", "townships": 4, "served": 3, "share": "0.7500"},
        {"area_code": "510421", "name": "米易县", "townships": 1, "served": 1, "share": "1.0000"}]
    assert body["reform_affected_townships"] == 3
    county = view(store, "coverage", "510402", date(2021, 6, 1))
    assert [(c["area_code"], c["name"], c["served"]) for c in county["children"]] == [
        ("510402001", "甲街道", 1), ("510402002", "乙新街道", 1), ("510402003", "丙镇", 1), ("510402004", "丁镇", 0)]
    assert county["goal_2025"]["remaining"] == 1
    assert view(store, "coverage", "510421", date(2022, 1, 1))["goal_2025"]["met"] is True


def test_any_interleaving_and_redelivery_give_the_same_read_models(tmp_path):
    """Area events and station events travel on different partitions (their keys differ): the facts
    and names do not depend on which comes first, and a redelivered event changes nothing."""
    reference = ReadModelStore(tmp_path / "reference.sqlite")
    feed(reference, world())
    dump = reference.dump()
    assert dump["names"] and any(row[2] == "served_townships" for row in dump["facts"])
    events = [
        (f"{event_type}:{n}", event_type, data) for n, (event_type, data) in enumerate(world())
    ]  # ids as feed() gives
    per_aggregate: dict = {}
    for event in events:
        per_aggregate.setdefault(event[2].get("station_id") or event[2]["area_code"], []).append(event)
    for seed in range(6):
        keys = sorted(per_aggregate)
        random.Random(seed).shuffle(keys)
        lanes = [list(per_aggregate[key]) for key in keys]
        batch = []
        while lanes:  # each aggregate's own order kept, the aggregates interleaved at random
            lane = random.Random(seed * 100 + len(batch)).choice(lanes)
            event_id, event_type, data = lane.pop(0)
            batch.append((event_id, event_type, project(event_type, data)))
            if not lane:
                lanes.remove(lane)
        other = ReadModelStore(tmp_path / f"other-{seed}.sqlite")
        other.apply(batch)
        other.apply(batch[:5])
        assert other.dump() == dump


def test_area_events_breaking_the_contract_are_projection_errors():
    with pytest.raises(ProjectionError):
        project(
            "registry.area.registered.v1",
            {
                "area_code": "510402001",
                "level": "hamlet",
                "name": "x",
                "reform_affected": False,
                "valid_from": "2020-01-01",
            },
        )
    with pytest.raises(ProjectionError):
        project("registry.area.changed.v1", {"area_code": "510402001", "change": "renamed"})
    with pytest.raises(ProjectionError, match="only v1"):
        project("registry.area.changed.v2", {})


def test_a_store_of_the_previous_format_is_refused_with_the_rebuild_command(tmp_path):
    assert SCHEMA_VERSION == 5  # 3: area facts and the names table; 4: volunteer_minutes; 5: the station tally is gone
    path = tmp_path / "v2.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE processed_events (event_id TEXT PRIMARY KEY, event_type TEXT)")
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    with pytest.raises(StoreOutdated, match="rebuild"):
        ReadModelStore(path)
