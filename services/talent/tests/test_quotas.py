"""Quotas per station and year on their edges: 29 vs 30 volunteers, the 30% share on 6
organisations, the sliding 5-year window."""

import uuid
from datetime import date

import pytest
from talent.domain.quotas import (
    Certification,
    IncubatedOrganisation,
    RegisteredAgency,
    RegisteredOrganisation,
    StationFacts,
    StationKind,
    VolunteerTraining,
    evaluate,
    reform_share_met,
    station_kind,
    window,
)
from talent.domain.vocabulary import OrganisationType

STATION = str(uuid.uuid4())
ELSEWHERE = str(uuid.uuid4())
FS, IV = OrganisationType.FUNCTIONAL_SERVICE, OrganisationType.INTEREST_VOLUNTEER


def _id() -> str:
    return str(uuid.uuid4())


def result(kind, year, facts, code):
    return next(r for r in evaluate(kind, STATION, year, facts) if r.code == code)


def volunteers(n: int, year: int = 2021, station: str = STATION) -> list[VolunteerTraining]:
    return [VolunteerTraining(_id(), station, date(year, 1 + k % 12, 1)) for k in range(n)]


@pytest.mark.parametrize("kind", [StationKind.PILOT_TOWNSHIP, StationKind.OTHER])
@pytest.mark.parametrize("n, met", [(29, False), (30, True), (31, True)])
def test_every_township_station_trains_30_volunteers_a_year(kind, n, met):
    """A2 §3.1.5 "每個社會工作服務站每年至少輻射培養30名社區志愿者": pilot or not."""
    r = result(kind, 2021, StationFacts(volunteer_trainings=volunteers(n)), "volunteers_trained_year")
    assert (r.actual, r.met, r.required) == (n, met, 30)


def test_volunteers_count_once_a_year_at_their_station_in_that_year():
    trainings = volunteers(29)
    trainings.append(VolunteerTraining(trainings[0].volunteer_id, STATION, date(2021, 12, 31)))  # same volunteer again
    trainings += volunteers(5, year=2020) + volunteers(5, year=2022) + volunteers(5, station=ELSEWHERE)
    assert not result(
        StationKind.OTHER, 2021, StationFacts(volunteer_trainings=trainings), "volunteers_trained_year"
    ).met
    trainings.append(VolunteerTraining(_id(), STATION, date(2021, 1, 1)))
    r = result(StationKind.OTHER, 2021, StationFacts(volunteer_trainings=trainings), "volunteers_trained_year")
    assert (r.actual, r.met) == (30, True)


def organisations(
    types_and_flags: list[tuple[OrganisationType, bool]], year: int = 2021
) -> list[IncubatedOrganisation]:
    return [IncubatedOrganisation(_id(), STATION, t, flag, date(year, 6, 1)) for t, flag in types_and_flags]


@pytest.mark.parametrize("affected, met", [(0, False), (1, False), (2, True), (3, True), (6, True)])
def test_30_percent_reform_affected_on_a_station_with_6_organisations(affected, met):
    mix = [(FS, False)] * 3 + [(IV, False)] * 3
    mix = [(t, k < affected) for k, (t, _) in enumerate(mix)]
    facts = StationFacts(incubated=organisations(mix))
    share = result(StationKind.OTHER, 2021, facts, "reform_affected_share_year")
    assert share.met is met
    assert share.actual == round(100 * affected / 6, 1)
    assert f"6 个组织，其中 {affected} 个" in share.detail
    assert result(StationKind.OTHER, 2021, facts, "functional_service_organisations_year").met
    assert result(StationKind.OTHER, 2021, facts, "interest_volunteer_organisations_year").met


def test_share_is_exact_at_30_percent_and_not_met_with_nothing_incubated():
    assert reform_share_met(3, 10) and not reform_share_met(2, 10)
    assert reform_share_met(9, 30) and not reform_share_met(8, 27)
    assert not reform_share_met(0, 0)


@pytest.mark.parametrize(
    "functional, interest, met", [(3, 3, (True, True)), (2, 3, (False, True)), (3, 2, (True, False))]
)
def test_three_of_each_type_a_year(functional, interest, met):
    facts = StationFacts(incubated=organisations([(FS, True)] * functional + [(IV, True)] * interest)
                         + organisations([(FS, True)] * 3, year=2020))
    got = (result(StationKind.OTHER, 2021, facts, "functional_service_organisations_year").met,
           result(StationKind.OTHER, 2021, facts, "interest_volunteer_organisations_year").met)
    assert got == met


def certifications(per_year: dict[int, int]) -> list[Certification]:
    return [Certification(_id(), STATION, date(year, 9, 1)) for year, n in per_year.items() for _ in range(n)]


def test_the_5_year_window_slides_over_the_years():
    assert window(2025) == (2021, 2025)
    facts = StationFacts(certifications=certifications({2020: 4, 2021: 2, 2022: 2, 2023: 1, 2024: 1}))
    expected = {2023: (9, False), 2024: (10, True), 2025: (6, False), 2026: (4, False)}
    for year, (actual, met) in expected.items():
        r = result(StationKind.OTHER, year, facts, "certified_workers_5y")
        assert (r.actual, r.met, r.from_year, r.to_year) == (actual, met, year - 4, year), year
    facts.certifications += certifications({2025: 4})
    assert result(StationKind.OTHER, 2025, facts, "certified_workers_5y").met  # 2+2+1+1+4 = 10 in 2021-2025


def test_one_agency_within_5_years_slides_out():
    facts = StationFacts(
        agencies=[
            RegisteredAgency(_id(), STATION, date(2021, 8, 1)),
            RegisteredAgency(_id(), ELSEWHERE, date(2024, 1, 1)),
        ]
    )
    assert [result(StationKind.OTHER, y, facts, "registered_agencies_5y").met for y in (2020, 2021, 2025, 2026)] == [
        False,
        True,
        True,
        False,
    ]


@pytest.mark.parametrize("n, met", [(1, False), (2, True)])
def test_pilot_township_station_needs_2_newly_certified_workers_a_year(n, met):
    facts = StationFacts(certifications=certifications({2021: n, 2020: 5}))
    assert result(StationKind.PILOT_TOWNSHIP, 2021, facts, "certified_workers_year").met is met


@pytest.mark.parametrize("year, met", [(2021, True), (2022, False)])
def test_pilot_township_station_needs_1_registered_organisation_a_year(year, met):
    facts = StationFacts(registered_organisations=[RegisteredOrganisation(_id(), STATION, date(2021, 11, 1))])
    assert result(StationKind.PILOT_TOWNSHIP, year, facts, "registered_organisations_year").met is met


def test_which_quotas_apply_to_which_station():
    pilot = [r.code for r in evaluate(StationKind.PILOT_TOWNSHIP, STATION, 2021, StationFacts())]
    other = [r.code for r in evaluate(StationKind.OTHER, STATION, 2021, StationFacts())]
    assert pilot == ["certified_workers_year", "registered_organisations_year", "volunteers_trained_year"]
    assert other == [
        "functional_service_organisations_year",
        "interest_volunteer_organisations_year",
        "reform_affected_share_year",
        "certified_workers_5y",
        "registered_agencies_5y",
        "volunteers_trained_year",
    ]
    assert not any(r.met for r in evaluate(StationKind.OTHER, STATION, 2021, StationFacts()))
    assert evaluate(StationKind.NONE, STATION, 2021, StationFacts(volunteer_trainings=volunteers(30))) == []


@pytest.mark.parametrize(("tier", "pilot", "kind"), [
    ("township_station", True, StationKind.PILOT_TOWNSHIP),
    ("township_station", False, StationKind.OTHER),
    ("general_station", True, StationKind.NONE),
    ("general_station", False, StationKind.NONE),
    ("village_room", True, StationKind.NONE),
    ("village_room", False, StationKind.NONE),
    ("institution_station", False, StationKind.NONE),
])
def test_the_quotas_are_the_township_stations(tier, pilot, kind):
    """§二(三) "承擔省級社工試點示範任務的鄉鎮(街道)社會工作服務站每年至少培育2名持證社工，其他社會工作服務站5年內至少
    培育10名持證社工" and §二(四) on incubation: the quotas are set for 社會工作服務站, the township tier (issue 17
    item 6: "apply to township stations as the plan says"); a village room (室) or a general station bears none,
    pilot or not. Reporting counts by the same rule (its tests/test_quota_stations.py)."""
    assert station_kind(tier, pilot) is kind
