"""Which stations bear the yearly quotas (issue 17 item 6: "the yearly incubation and certification quotas of §二(三)/
(四) apply to township stations as the plan says; talent and reporting agree on which stations they count"): the
same stations of every tier, each with a certification, a volunteer trained and an organisation incubated and
registered, evaluated by talent's quota rule and counted by reporting's notice."""

from __future__ import annotations

import uuid
from fractions import Fraction
from typing import Any

import pytest
from reporting.adapters.store import ReadModelStore
from reporting.projections.router import project
from reporting.reports import notice, rules
from talent.application.quota_facts import FactsBuilder
from talent.domain.quotas import evaluate, station_kind

COUNTY = "990101"
# (tier, area, provincial pilot): a pilot and an ordinary township station, then stations of the other tiers,
# pilots among them, whose facts must count towards no quota
STATIONS = [("township_station", "990101001", True), ("township_station", "990101002", False),
            ("village_room", "990101001001", True), ("village_room", "990101002001", False),
            ("general_station", COUNTY, True), ("institution_station", "990101002", False)]
QUOTA_FIGURES = {  # talent's quota codes behind each of the notice's counted figures
    "certifications": ("certified_workers_year", "certified_workers_5y"),
    "volunteers_trained": ("volunteers_trained_year",),
    "organisations": ("registered_organisations_year", "functional_service_organisations_year",
                      "interest_volunteer_organisations_year"),
}


def _station_events(sid: str, tier: str, area: str, pilot: bool) -> list[tuple[str, dict[str, Any]]]:
    planned = {"station_id": sid, "tier": tier, "area_code": area, "county_code": COUNTY, "name": f"{area}站",
               "provincial_pilot": pilot, "covers": [], "planned_on": "2023-06-01"}
    opened = {"station_id": sid, "tier": tier, "area_code": area, "name": f"{area}站", "opened_on": "2024-01-02"}
    return [("registry.station.planned.v1", planned), ("registry.station.opened.v1", opened)]


def _talent_events(sid: str) -> list[tuple[str, dict[str, Any]]]:
    worker, volunteer, organisation = (str(uuid.uuid4()) for _ in range(3))
    return [
        ("talent.worker.assigned.v1", {"worker_id": worker, "station_id": sid, "employment": "full_time",
                                       "assigned_on": "2024-02-01"}),
        ("talent.worker.certified.v1", {"worker_id": worker, "level": "assistant_social_worker",
                                        "certified_on": "2024-03-01"}),
        ("talent.volunteer.trained.v1", {"volunteer_id": volunteer, "station_id": sid, "trained_on": "2024-04-01"}),
        ("talent.organisation.incubated.v1", {"organisation_id": organisation, "host_station_id": sid,
                                              "organisation_type": "functional_service", "reform_affected": False,
                                              "incubated_on": "2024-05-01"}),
        ("talent.organisation.registered.v1", {"organisation_id": organisation, "host_station_id": sid,
                                               "registration_number": "52990101MJ0000001X",
                                               "registered_on": "2024-06-01"}),
    ]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReadModelStore, FactsBuilder, dict[str, tuple]]:
    stations = {str(uuid.uuid4()): station for station in STATIONS}
    registry_events = [e for sid, (tier, area, pilot) in stations.items() for e in _station_events(sid, tier, area,
                                                                                                  pilot)]
    talent_events = [e for sid in stations for e in _talent_events(sid)]
    store = ReadModelStore(tmp_path_factory.mktemp("quota-stations") / "rm.sqlite")
    store.apply((f"{t}:{n}", t, project(t, d)) for n, (t, d) in enumerate(registry_events + talent_events))
    builder = FactsBuilder()
    for event_type, data in talent_events:
        builder.apply(event_type, data)
    return store, builder, stations


@pytest.mark.parametrize(("tier", "pilot"), [(tier, pilot) for tier, _, pilot in STATIONS] + [
    ("general_station", False), ("institution_station", True), ("township_station", True)])
def test_talent_and_reporting_give_each_station_the_same_kind(tier: str, pilot: bool) -> None:
    """§二(三)(四): "承擔省級社工試點示範任務的鄉鎮(街道)社會工作服務站……其他社會工作服務站……": one rule, read by
    both services."""
    assert notice.quota_kind(tier, pilot) == station_kind(tier, pilot).value


def test_the_notice_counts_what_talent_evaluates_at_the_same_stations(world) -> None:
    """§二(三) "承擔省級社工試點示範任務的鄉鎮(街道)社會工作服務站每年至少培育2名持證社工，其他社會工作服務站5年內至少
    培育10名持證社工" and A2 §3.1.5 "每個社會工作服務站每年至少輻射培養30名社區志愿者": the notice's quota figures
    are the sums of talent's per-station actuals, and both leave out the village rooms, the general station and
    the institution station (before: the notice counted their facts against the township stations' targets)."""
    store, builder, stations = world
    talent: dict[str, int] = dict.fromkeys(QUOTA_FIGURES, 0)
    evaluated = 0
    for sid, (tier, _, pilot) in stations.items():
        results = {r.code: r.actual for r in evaluate(station_kind(tier, pilot), sid, 2024, builder.facts(sid))}
        evaluated += bool(results)
        for figure, codes in QUOTA_FIGURES.items():
            talent[figure] += sum(int(results.get(code, 0)) for code in codes)
    counts = notice.quota_counts(store, COUNTY, "2024-12-31", "2024-01-01")
    assert evaluated == 2 and (counts["pilots"], counts["others"]) == (1, 1)
    assert {figure: counts[figure] for figure in QUOTA_FIGURES} == talent == {
        "certifications": 2, "volunteers_trained": 2, "organisations": 2}

    row = notice.county_row(store, COUNTY, "一县", 2024, 4, "2024-01-01", "2024-12-31", rules.load().versions[-1])
    quotas = rules.load().versions[-1].station_quotas
    assert row["components"]["certifications"]["actual"] == 2
    assert Fraction(row["components"]["volunteers_trained"]["target"]) == 2 * quotas.volunteers_per_station
