"""A station's level on a date follows from the facts in force that date, whatever order they were entered in
(issue 17 item 1): the domain, the published level changes as reporting folds them, and the as-of view."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from pzh_shared.eventstore import make_application
from registry.adapters.integration import PUBLICATION
from registry.api.app import create_app
from registry.application.service import RegistryApplication
from registry.domain.levels import BASIC_ITEMS, CHECKLIST_ITEMS, Level
from registry.domain.station import Station, Tier
from registry.settings import RegistrySettings
from reporting.projections.registry import HANDLERS

PLANNED = date(2021, 4, 1)
Fact = Callable[[Station], None]


def _items(items: tuple[str, ...], on: date) -> Fact:
    return lambda s: [s.record_facility(item, True, "现场核查", on) for item in items] and None


# A handful of dated facts of one station (A2 §1, §2.1, §2.2); entered in date order they make it basic on 05-06,
# standard on 07-10 (checklist, two certified workers, a full-time head) and basic again on 08-01 (one certified
# worker left).
FACTS: dict[str, Fact] = {
    "five haves 05-06": _items(BASIC_ITEMS, date(2021, 5, 6)),
    "w1 full time 04-20": lambda s: s.record_staff("w1", True, date(2021, 4, 20)),
    "w1 certified 06-01": lambda s: s.record_certificate("w1", "assistant_social_worker", date(2021, 6, 1)),
    "w2 part time, certified 06-10": lambda s: (s.record_staff("w2", False, date(2021, 6, 10)),
                                               s.record_certificate("w2", "social_worker", date(2021, 6, 10))) and None,
    "checklist 07-01": _items(CHECKLIST_ITEMS, date(2021, 7, 1)),
    "w1 head 07-10": lambda s: s.appoint_head("w1", date(2021, 7, 10)),
    "w2 left 08-01": lambda s: s.remove_staff("w2", date(2021, 8, 1)),
}
IN_DATE_ORDER = [(PLANNED, Level.NONE), (date(2021, 5, 6), Level.BASIC), (date(2021, 7, 10), Level.STANDARD),
                 (date(2021, 8, 1), Level.BASIC)]


def _station() -> Station:
    return Station.plan("攀莲镇社会工作服务站", Tier.TOWNSHIP_STATION, "510421001", PLANNED)


def _folded_by_reporting(station: Station) -> list[list[str]]:
    """The station's published level changes, folded as reporting folds them."""
    state: dict = {"id": str(station.id)}
    for domain_event in station.collect_events():
        public = PUBLICATION.translate(domain_event)
        if public is None or not public[0].startswith("registry.station.level_changed."):
            continue
        family, _, version = public[0].rpartition(".v")
        handler = HANDLERS[family][int(version)]
        state = handler.step(state, handler.model.model_validate(public[1]).model_dump(mode="json"))
    return state.get("levels", [])


def test_the_same_dated_facts_in_every_order_give_the_same_level_history():
    """附件2 2.1 "社會工作服務站至少配備2名具有助理社會工作師及以上職業水平證書的專(兼)職社會工作者" and 2.2
    "社會工作服務站設站長1名": the level as of a date is computed from the facilities, staff, certificates and head
    appointments in force that date, whatever order they were entered in (issue 17 item 1)."""
    published = [[on.isoformat(), level.value] for on, level in IN_DATE_ORDER[1:]]
    orders = list(itertools.permutations(FACTS))
    assert len(orders) == 5040
    for order in orders:
        station = _station()
        for name in order:
            FACTS[name](station)
        assert station.levels == IN_DATE_ORDER, order
        assert [station.level_on(on) for on, _ in IN_DATE_ORDER] == [level for _, level in IN_DATE_ORDER]
        assert station.level_on(date(2021, 7, 9)) is Level.BASIC and station.level_on(date(2021, 3, 31)) is None
        assert _folded_by_reporting(station) == published, order


def test_a_checklist_dated_later_but_entered_first_dates_the_level_by_itself():
    """§二(一) "先實現'有場地、有標識、有辦公設備、有工作人員、有制度'": the five haves are all in force only from
    05-06. Issue 17 item 1: "a checklist dated 05-06 entered before staff dated 04-20 makes the station `basic`
    from 04-20" was the bug."""
    station = _station()
    FACTS["five haves 05-06"](station)
    FACTS["w1 full time 04-20"](station)
    assert station.levels == [(PLANNED, Level.NONE), (date(2021, 5, 6), Level.BASIC)]
    assert station.level_on(date(2021, 5, 5)) is Level.NONE
    revisions = [e for e in station.collect_events() if isinstance(e, Station.LevelsRevised)]
    assert [(r.since, r.previous, r.changes) for r in revisions] == [
        (date(2021, 5, 6), "none", [{"on": date(2021, 5, 6), "level": "basic"}])]


def test_an_earlier_fact_entered_later_moves_or_removes_a_published_change():
    """附件2 2.1 (staff in force on a date): a fact dated before an already recorded change moves it earlier
    (staff known from 04-20 makes the station basic from the 05-06 checklist, not from 05-10), and a departure
    dated before it removes it; v2 says so with `since` and the changes from then on."""
    station = _station()
    FACTS["five haves 05-06"](station)
    station.record_staff("w1", True, date(2021, 5, 10))
    station.collect_events()
    station.record_staff("w0", False, date(2021, 4, 20))
    assert station.levels == [(PLANNED, Level.NONE), (date(2021, 5, 6), Level.BASIC)]
    moved = [PUBLICATION.translate(e) for e in station.collect_events()]
    assert ("registry.station.level_changed.v2", {
        "station_id": str(station.id), "since": "2021-05-06", "level": "basic",
        "changes": [{"level": "basic", "previous_level": "none", "effective_on": "2021-05-06"}]}) in moved

    station.remove_staff("w0", date(2021, 4, 30))  # entered later: w0 had left before the checklist was complete
    assert station.levels == [(PLANNED, Level.NONE), (date(2021, 5, 10), Level.BASIC)]
    station.remove_staff("w1", date(2021, 5, 10))  # and w1 the day they started (of one day, the last entered wins)
    assert station.levels == [(PLANNED, Level.NONE)] and station.level is Level.NONE
    removed = [PUBLICATION.translate(e) for e in station.collect_events()][-1]
    assert removed == ("registry.station.level_changed.v2", {
        "station_id": str(station.id), "since": "2021-05-10", "level": "none", "changes": []})


def test_a_stored_v1_history_is_revised_into_the_computed_one():
    """Stations recorded before v2 replay their one-at-a-time LevelChanged events (stamped with the date of the
    fact that arrived last); the next fact revises the history into the one the dated facts give."""
    station = _station()
    FACTS["five haves 05-06"](station)
    station._level_changed(level="basic", previous="none", on=date(2021, 4, 20))  # as the old _reassess stamped it
    station.collect_events()
    FACTS["w1 full time 04-20"](station)
    assert station.levels == [(PLANNED, Level.NONE), (date(2021, 5, 6), Level.BASIC)]


# -- the as-of view ---------------------------------------------------------------------------------------------

@pytest.fixture
def client(tmp_path):
    application = make_application(RegistryApplication, RegistrySettings(data_dir=tmp_path))
    with TestClient(create_app(application)) as client:
        csv = "code,name,parent_code,reform_affected,valid_from,vintage\n510421001,攀莲镇,510421,是,2020-06-01,2020\n"
        reply = client.post("/areas/import", content=csv.encode(), headers={"content-type": "text/csv"})
        assert reply.status_code == 201
        yield client


def test_the_station_view_as_of_a_date_shows_the_staff_head_and_facilities_of_that_date(client):
    """Issue 17 item 1: "the station view GET /stations/{id}?as_of= ... mixes as-of level and status with today's
    staff count, head and facilities"; each is now the one in force on as_of."""
    reply = client.post("/stations", json={"name": "攀莲镇社会工作服务站", "tier": "township_station",
                                           "area_code": "510421001", "planned_on": "2021-04-01",
                                           "opened_on": "2021-04-15"})
    station_id = reply.json()["station_id"]
    application: RegistryApplication = client.app.state.application
    station = application.station(station_id)
    for name in ("checklist 07-01", "w1 head 07-10", "five haves 05-06", "w1 full time 04-20", "w2 left 08-01",
                 "w2 part time, certified 06-10"):
        FACTS[name](station)
    application.save(station)

    def view(on: str) -> dict:
        reply = client.get(f"/stations/{station_id}", params={"as_of": on})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        return {"level": body["level"], "staff": body["staff_count"], "head": body["has_head"],
                "facilities": len(body["facilities"])}

    assert view("2021-04-30") == {"level": "none", "staff": 1, "head": False, "facilities": 0}
    assert view("2021-06-30") == {"level": "basic", "staff": 2, "head": False, "facilities": 4}
    assert view("2021-07-10") == {"level": "basic", "staff": 2, "head": True, "facilities": 11}  # one certified
    assert view("2021-08-01") == {"level": "basic", "staff": 1, "head": True, "facilities": 11}
    evidence = client.get(f"/stations/{station_id}", params={"as_of": "2021-05-06"}).json()["facilities"]
    assert {f["item"] for f in evidence} == set(BASIC_ITEMS) and {f["evidence"] for f in evidence} == {"现场核查"}


def test_an_uncertified_head_is_a_head_and_a_certificate_counts_for_the_level_whoever_holds_it():
    """附件2 2.1 "至少配備2名具有助理社會工作師及以上職業水平證書的專(兼)職社會工作者" and 2.2 "指定1名專職社會工作者
    擔任" (站長): the head is a full-time social worker, certified or not; the two certificates of 2.1 count
    for the level, the head's among them."""
    station = _station()
    FACTS["five haves 05-06"](station)
    FACTS["checklist 07-01"](station)
    station.record_staff("head", True, date(2021, 7, 1))
    station.record_staff("w2", False, date(2021, 7, 1))
    station.record_certificate("w2", "social_worker", date(2021, 7, 1))
    station.appoint_head("head", date(2021, 7, 2))
    assert station.head == "head" and station.level is Level.BASIC  # one certificate only
    station.record_certificate("head", "assistant_social_worker", date(2021, 8, 1))
    assert station.levels[-1] == (date(2021, 8, 1), Level.STANDARD)
    station.record_staff("w3", False, date(2021, 7, 20))
    station.record_certificate("w3", "assistant_social_worker", date(2021, 7, 20))
    assert station.levels[-1] == (date(2021, 7, 20), Level.STANDARD)  # two others certified: standard earlier


def test_the_history_shows_each_revision_as_the_changes_it_makes(client):
    """Issue 17 item 1: "emitting level changes with the right dates": the station's history lists, for each
    revision, its changes with the level before them, and the day whose level it takes back."""
    reply = client.post("/stations", json={"name": "丙谷镇社会工作服务站", "tier": "township_station",
                                           "area_code": "510421001", "planned_on": "2021-04-01"})
    station_id = reply.json()["station_id"]
    application: RegistryApplication = client.app.state.application
    station = application.station(station_id)
    FACTS["five haves 05-06"](station)
    station.record_staff("w1", True, date(2021, 5, 10))  # basic from 05-10
    station.record_staff("w0", False, date(2021, 4, 20))  # basic from 05-06 instead
    station.remove_staff("w0", date(2021, 4, 30))  # back to 05-10
    station.remove_staff("w1", date(2021, 5, 10))  # never basic
    application.save(station)
    entries = client.get(f"/stations/{station_id}/history").json()["entries"]
    assert [(e["on"], e["previous"], e["level"]) for e in entries if e["kind"] == "level_changed"] == [
        ("2021-05-10", "none", "basic"), ("2021-05-06", "none", "basic"), ("2021-05-06", "basic", "none"),
        ("2021-05-10", "none", "basic"), ("2021-05-10", "basic", "none")]
    assert client.get(f"/stations/{station_id}").json()["level"] == "none"
