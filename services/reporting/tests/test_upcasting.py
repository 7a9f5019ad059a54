"""Upcasting: talent.volunteer.hours_logged v1 (float hours) is upcast to v2 (whole minutes) before
projection, so both versions count the same service time the same; a version newer than the
worker knows is still a ProjectionError (a dead letter)."""

import copy
import sqlite3
import uuid
from datetime import date

import pytest
from reporting.adapters.store import SCHEMA_VERSION, ReadModelStore, StoreOutdated
from reporting.projections.facts import ProjectionError
from reporting.projections.router import project
from reporting.projections.upcasting import (
    UPCASTERS,
    case_opened_v1_to_v2,
    service_minutes,
    upcast,
    volunteer_hours_v1_to_v2,
)
from reporting.views import hours_of_minutes, view

V1, V2, V3 = (f"talent.volunteer.hours_logged.v{n}" for n in (1, 2, 3))
TOWNSHIP = "510402001"


def _id():
    return str(uuid.uuid4())


def hours_logged(station_id, served_on="2024-05-01", **amount):
    return {"volunteer_id": _id(), "station_id": station_id, "served_on": served_on, **amount}


@pytest.fixture
def store(tmp_path):
    store = ReadModelStore(tmp_path / "rm.sqlite")
    yield store
    store.close()


def feed(store, event_type, data):
    return store.apply([(_id(), event_type, project(event_type, data))])


def open_station(store, area=TOWNSHIP):
    sid = _id()
    feed(
        store,
        "registry.station.planned.v1",
        {
            "station_id": sid,
            "tier": "township_station",
            "area_code": area,
            "county_code": area[:6],
            "name": "站",
            "construction_mode": "county_self_built",
            "operating_model": "self_operated",
            "agency": None,
            "provincial_pilot": True,
            "governance_pilot": False,
            "covers": [],
            "planned_on": "2024-01-01",
        },
    )
    feed(store, "registry.station.opened.v1", {"station_id": sid, "tier": "township_station", "area_code": area,
                                               "county_code": area[:6], "name": "站", "opened_on": "2024-02-01"})
    return sid


def test_v1_and_v2_of_the_same_service_time_give_the_same_facts():
    sid = _id()
    v1 = project(V1, hours_logged(sid, hours=1.5))
    v2 = project(V2, hours_logged(sid, minutes=90))
    assert v1.facts == v2.facts == [(("volunteer_minutes", None, sid, "", "", "2024-05-01"), 90)]
    # the changes carry the type the handler was found by, not the one received
    assert v1.event_type == v2.event_type == V2


def test_half_an_hour_in_v1_and_30_minutes_in_v2_sum_to_60_minutes_shown_as_one_hour(store):
    sid = open_station(store)
    assert feed(store, V1, hours_logged(sid, hours=0.5)) == 1
    assert feed(store, V2, hours_logged(sid, minutes=30)) == 1
    assert store.total("volunteer_minutes", TOWNSHIP, "2024-12-31") == 60
    assert store.total("volunteer_minutes", "510400", "2024-12-31") == 60  # rolled up to the city
    assert view(store, "talent", "510400", date(2024, 12, 31))["volunteer_hours"] == "1.00"


def test_floats_that_summed_inexactly_in_hundredths_of_hours_sum_exactly_in_minutes(store):
    sid = open_station(store)
    for _ in range(3):  # 20 minutes each: 0.33 h in hundredths, 0.99 h summed; exactly 1 h in minutes
        feed(store, V1, hours_logged(sid, hours=1 / 3))
    assert store.total("volunteer_minutes", TOWNSHIP, "2024-12-31") == 60
    assert view(store, "talent", TOWNSHIP, date(2024, 12, 31))["volunteer_hours"] == "1.00"


@pytest.mark.parametrize(("hours", "minutes"), [(1, 60), (0.5, 30), (12.5, 750), (1 / 3, 20), (0.125, 8), (0.375, 23),
                                                (0.001, 1), ("2", 120), (10_000, 600_000)])
def test_hours_become_whole_minutes_half_up_at_least_one(hours, minutes):
    assert service_minutes(hours) == minutes


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"hours": "lots"},
        {"hours": None},
        {"hours": True},
        {"hours": 0},
        {"hours": -1.5},
        {"hours": float("nan")},
        {"hours": float("inf")},
    ],
)
def test_v1_data_the_upcaster_cannot_read_is_a_projection_error(data):
    with pytest.raises(ProjectionError):
        project(V1, {**hours_logged(_id()), **data})


def test_v2_data_breaking_the_contract_is_a_projection_error():
    with pytest.raises(ProjectionError, match="v2 data invalid"):
        project(V2, hours_logged(_id(), minutes=1.5))
    with pytest.raises(ProjectionError, match="v2 data invalid"):
        project(V2, hours_logged(_id(), hours=1.5))  # v1's field under the v2 type: no minutes


def test_a_newer_version_than_the_worker_knows_is_a_projection_error_not_a_guess():
    with pytest.raises(
        ProjectionError, match=r"hours_logged.v3: this worker projects only v1, v2 of talent.volunteer.hours_logged"
    ):
        project(V3, hours_logged(_id(), minutes=30))


def test_the_upcaster_chain_is_pure():
    data = {**hours_logged(_id(), hours=2.25), "note": {"nested": [1]}}
    before = copy.deepcopy(data)
    first, second = upcast("talent.volunteer.hours_logged", 1, data), upcast("talent.volunteer.hours_logged", 1, data)
    assert data == before  # the input is not changed
    assert first == second == (2, {**{k: v for k, v in before.items() if k != "hours"}, "minutes": 135})
    assert first[1] is not data
    # the newest version and families without upcasters pass through untouched
    v2 = hours_logged(_id(), minutes=5)
    assert upcast("talent.volunteer.hours_logged", 2, v2) == (2, v2)
    assert upcast("registry.station.opened", 1, v2) == (1, v2)
    assert UPCASTERS == {("talent.volunteer.hours_logged", 1): volunteer_hours_v1_to_v2,
                         ("casework.case.opened", 1): case_opened_v1_to_v2}


def test_a_case_opened_v1_counts_as_a_v2_case_under_no_target_group(store):
    """casework.case.opened.v1 knew no categories: upcast, it is the same case and counts under no group."""
    from reporting import views

    data = {"case_id": _id(), "area_code": "510402001", "domain": "elderly_care", "opened_on": "2024-03-01",
            "station_id": _id(), "risk_level": "low", "age_band": "60-79", "subtype": None}
    assert upcast("casework.case.opened", 1, data) == (2, {**data, "categories": []})
    store.apply([(_id(), "casework.case.opened.v1", project("casework.case.opened.v1", data))])
    opened = views.cases(store, "510402", "2024-12-31", "2024-01-01")
    assert opened["opened"]["total"] == 1 and set(opened["opened_by_group"].values()) == {0}


@pytest.mark.parametrize(("minutes", "shown"), [(0, "0.00"), (1, "0.02"), (30, "0.50"), (90, "1.50"), (61, "1.02"),
                                                (100, "1.67"), (3, "0.05")])
def test_minutes_are_shown_as_hours_with_two_decimals_half_up(minutes, shown):
    assert hours_of_minutes(minutes) == shown


def test_a_store_of_format_3_is_refused_naming_the_rebuild_and_make_clean(tmp_path):
    assert SCHEMA_VERSION == 5  # 4: volunteer_hours (hundredths) became volunteer_minutes; 5: the station tally is gone
    path = tmp_path / "v3.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE processed_events (event_id TEXT PRIMARY KEY, event_type TEXT)")
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    with pytest.raises(StoreOutdated, match=r"python -m reporting rebuild.*make clean"):
        ReadModelStore(path)
