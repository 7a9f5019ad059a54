"""The projections of all four topics, fed through project() and the store as the worker does,
asked for figures as of past days."""

import uuid
from datetime import date, timedelta

import pytest
from reporting.adapters.store import ReadModelStore
from reporting.projections.facts import ProjectionError
from reporting.projections.router import project


def _id():
    return str(uuid.uuid4())


class Feed:
    def __init__(self, tmp_path):
        self.store = ReadModelStore(tmp_path / "rm.sqlite")

    def __call__(self, event_type, data, event_id=None):
        return self.store.apply([(event_id or _id(), event_type, project(event_type, data))])

    def station(self, area="510402001", tier="township_station", pilot=True, opened="2024-02-01", station_id=None):
        sid = station_id or _id()
        self(
            "registry.station.planned.v1",
            {
                "station_id": sid,
                "tier": tier,
                "area_code": area,
                "county_code": area[:6],
                "name": "站",
                "construction_mode": "county_self_built",
                "operating_model": "self_operated",
                "agency": None,
                "provincial_pilot": pilot,
                "governance_pilot": False,
                "covers": [],
                "planned_on": "2024-01-01",
            },
        )
        self("registry.station.opened.v1", {"station_id": sid, "tier": tier, "area_code": area, "county_code": area[:6],
                                            "name": "站", "opened_on": opened})
        return sid


@pytest.fixture
def feed(tmp_path):
    return Feed(tmp_path)


# A synthetic city and two of its counties (codes of no real area), for the tests that need two counties apart.
CITY, COUNTY_A, COUNTY_B = "990100", "990102", "990103"
AREAS = (CITY, COUNTY_A, COUNTY_B)


def two_stations(feed) -> tuple[str, str, dict[str, str]]:
    """A township station in each county (the second no pilot), and each station's county."""
    a, b = feed.station(area=f"{COUNTY_A}001"), feed.station(area=f"{COUNTY_B}001", pilot=False)
    return a, b, {a: COUNTY_A, b: COUNTY_B}


def test_stations_levels_and_targets_as_of(feed):
    sid = feed.station(opened="2024-02-01")
    feed(
        "registry.station.level_changed.v1",
        {"station_id": sid, "level": "basic", "previous_level": "none", "effective_on": "2024-03-01"},
    )
    feed(
        "registry.station.level_changed.v1",
        {"station_id": sid, "level": "standard", "previous_level": "basic", "effective_on": "2024-06-01"},
    )
    feed("registry.station.closed.v1", {"station_id": sid, "effective_on": "2024-09-01"})
    s = feed.store
    assert s.total("stations", "510400", "2024-01-31") == 0
    assert s.sums("stations", "510402001", "2024-02-01", by=("k1",)) == {("township_station",): 1}
    assert s.total("stations", "510400", "2024-09-01") == 0
    assert s.sums("station_levels", "510402", "2024-04-01", by=("k1",)) == {("basic",): 1}
    assert s.sums("station_levels", "510402", "2024-07-01", by=("k1",)) == {("standard",): 1}
    assert s.sums("station_levels", "510402", "2024-10-01", by=("k1",)) == {}
    target = {
        "county_code": "510402",
        "year": 2024,
        "general_station": 1,
        "township_station": 4,
        "village_room": 7,
        "source": "annex1",
    }
    feed("registry.target.set.v1", {**target, "effective_on": "2024-01-05"})
    feed("registry.target.set.v1", {**target, "township_station": 6, "effective_on": "2024-05-01"})
    assert s.sums("targets", "510400", "2024-04-30", by=("k1",))[("township_station",)] == 4
    assert s.sums("targets", "510400", "2024-05-01", by=("k1",))[("township_station",)] == 6
    assert s.sums("targets", "510402", "2024-05-01", by=("k1",))[("village_room",)] == 7


def test_talent_about_a_station_not_yet_known_is_kept_and_counted_once_it_is(feed):
    sid = _id()
    worker = _id()
    feed(
        "talent.worker.assigned.v1",
        {"worker_id": worker, "station_id": sid, "employment": "full_time", "assigned_on": "2024-01-10"},
    )
    feed("talent.worker.certified.v1", {"worker_id": worker, "level": "social_worker", "certified_on": "2024-03-01"})
    assert feed.store.total("workers", "510400", "2024-12-31") == 0
    assert feed.store.unresolved() == {"facts": 3, "stations": 1}
    feed.station(area="510421001", station_id=sid)
    assert feed.store.unresolved() == {"facts": 0, "stations": 0}
    assert feed.store.total("workers", "510421", "2024-02-01") == 1
    assert feed.store.total("certified_workers", "510421", "2024-02-01") == 0
    assert feed.store.total("certified_workers", "510421", "2024-03-01") == 1
    assert feed.store.total("certifications", "510400", "2024-12-31", since="2024-01-01") == 1


def test_a_certificate_entered_late_and_dated_earlier_counts_for_the_station_of_its_day(feed):
    a, b = feed.station(area="510402001"), feed.station(area="510403001", pilot=False)
    worker = _id()
    feed(
        "talent.worker.assigned.v1",
        {"worker_id": worker, "station_id": a, "employment": "full_time", "assigned_on": "2024-01-01"},
    )
    feed("talent.worker.left.v1", {"worker_id": worker, "station_id": a, "left_on": "2024-04-01"})
    feed(
        "talent.worker.assigned.v1",
        {"worker_id": worker, "station_id": b, "employment": "part_time", "assigned_on": "2024-04-02"},
    )
    feed(
        "talent.worker.certified.v1",
        {"worker_id": worker, "level": "assistant_social_worker", "certified_on": "2024-02-15"},
    )
    feed(
        "talent.worker.training_completed.v1",
        {"worker_id": worker, "kind": "graded", "hours": 7.5, "completed_on": "2024-03-01"},
    )
    s = feed.store
    assert (
        s.total("certifications", "510402", "2024-12-31") == 1
        and s.total("certifications", "510403", "2024-12-31") == 0
    )
    assert (
        s.total("certified_workers", "510402", "2024-03-01") == 1
        and s.total("certified_workers", "510402", "2024-04-01") == 0
    )
    assert s.total("certified_workers", "510403", "2024-04-02") == 1
    assert s.total("workers", "510400", "2024-04-01") == 0 and s.total("workers", "510400", "2024-04-02") == 1
    assert s.sums("training_hours", "510402", "2024-12-31", by=("k1",)) == {("graded",): 750}


def test_heads_volunteers_and_organisations(feed):
    sid = feed.station()
    feed("talent.station_head.appointed.v1", {"station_id": sid, "worker_id": _id(), "appointed_on": "2024-02-01"})
    feed("talent.station_head.relieved.v1", {"station_id": sid, "worker_id": _id(), "relieved_on": "2024-05-01"})
    volunteer = _id()
    feed(
        "talent.volunteer.registered.v1", {"volunteer_id": volunteer, "station_id": sid, "registered_on": "2024-01-05"}
    )
    for day in (
        "2024-03-01",
        "2024-02-01",
        "2024-06-01",
        "2025-01-02",
    ):  # once a year per station, from the first training
        feed("talent.volunteer.trained.v1", {"volunteer_id": volunteer, "station_id": sid, "trained_on": day})
    org = _id()
    feed(
        "talent.organisation.incubated.v1",
        {
            "organisation_id": org,
            "host_station_id": sid,
            "organisation_type": "interest_volunteer",
            "reform_affected": True,
            "incubated_on": "2024-04-01",
        },
    )
    s = feed.store
    assert [s.total("heads", "510402", d) for d in ("2024-01-31", "2024-02-01", "2024-05-01")] == [0, 1, 0]
    assert s.total("volunteers_trained", "510402", "2024-01-31", since="2024-01-01") == 0
    assert s.total("volunteers_trained", "510402", "2024-02-01", since="2024-01-01") == 1
    assert s.total("volunteers_trained", "510402", "2024-12-31", since="2024-01-01") == 1
    assert s.total("volunteers_trained", "510402", "2025-12-31", since="2025-01-01") == 1
    assert s.sums("organisations_incubated", "510400", "2024-12-31") == {("interest_volunteer", "reform_affected"): 1}


def _case(case_id, area, **more):
    return {"case_id": case_id, "station_id": _id(), "area_code": area, "domain": "elderly_care", "risk_level": "low",
            "age_band": "80+", **more}


def test_cases_by_stage_follow_transfers_and_closing_as_of(feed):
    case = _id()
    feed("casework.case.opened.v1", _case(case, "510402001001", opened_on="2024-01-10"))
    feed(
        "casework.case.stage_advanced.v1",
        _case(case, "510402001001", from_stage="intake", stage="assessment", advanced_on="2024-01-20"),
    )
    feed("casework.case.transferred.v1", _case(case, "510411002", from_station_id=_id(), from_area_code="510402001001",
                                              transferred_on="2024-02-01"))
    feed("casework.case.closed.v1", _case(case, "510411002", closed_on="2024-03-01", duration_days=51))
    feed(
        "casework.escalation.raised.v1",
        {
            **_case(case, "510411002"),
            "escalation_id": _id(),
            "kind": "suspected_child_abuse",
            "raised_on": "2024-02-10",
        },
    )
    s = feed.store
    assert s.sums("cases", "510402", "2024-01-15") == {("elderly_care", "intake"): 1}
    assert s.sums("cases", "510402", "2024-01-25") == {("elderly_care", "assessment"): 1}
    assert s.sums("cases", "510402", "2024-02-01") == {}
    assert s.sums("cases", "510411", "2024-02-01") == {("elderly_care", "assessment"): 1}
    assert s.sums("cases", "510400", "2024-03-01") == {("elderly_care", "closed"): 1}
    assert s.total("cases_opened", "510402", "2024-12-31") == 1 and s.total("cases_closed", "510411", "2024-12-31") == 1
    assert s.total("escalations", "510411", "2024-12-31") == 1


def test_complaints_surveys_and_money(feed):
    sid = feed.station()
    complaint = _id()
    feed("casework.complaint.received.v1", {"complaint_id": complaint, "station_id": sid, "channel": "phone",
                                            "received_at": "2024-03-31T17:00:00+00:00"})  # 1 April in China
    feed(
        "casework.complaint.closed.v1",
        {
            "complaint_id": complaint,
            "station_id": sid,
            "channel": "phone",
            "received_at": "2024-03-31T17:00:00+00:00",
            "closed_at": "2024-04-03T09:00:00+08:00",
            "response_hours": 2.25,
            "resolution_hours": 48,
        },
    )
    feed(
        "casework.survey.recorded.v1",
        {
            "survey_id": _id(),
            "station_id": sid,
            "respondent": "client",
            "method": "phone",
            "score": 91.5,
            "surveyed_on": "2024-04-05",
        },
    )
    s = feed.store
    assert s.total("complaints_received", "510402", "2024-03-31") == 0
    assert s.total("complaints_received", "510402", "2024-04-01") == 1
    assert s.total("complaint_response_hours", "510400", "2024-12-31") == 225
    assert s.total("survey_score", "510400", "2024-12-31") == 9150
    hardship = {
        "area_code": "510402",
        "year": 2023,
        "total": "1000000.00",
        "cap_year": 2024,
        "cap": "30000.00",
        "recorded_on": "2024-01-10",
    }
    feed("funding.hardship_spending.recorded.v1", hardship)
    feed(
        "funding.hardship_spending.recorded.v1",
        {**hardship, "total": "2000000.00", "cap": "60000.00", "recorded_on": "2024-02-10"},
    )
    contract = _id()
    line = [{"source": "social_assistance", "amount": "10000.50"}, {"source": "welfare_lottery", "amount": "5000.00"}]
    feed(
        "funding.contract.signed.v1",
        {
            "contract_id": contract,
            "purchaser": "civil_affairs",
            "provider_agency": "x",
            "station_ids": [sid],
            "area_code": "510402001",
            "amount": "15000.50",
            "period_start": "2024-03-01",
            "period_end": "2024-12-31",
            "sources": line,
            "signed_on": "2024-03-01",
        },
    )
    feed(
        "funding.funds.disbursed.v1",
        {
            "contract_id": contract,
            "area_code": "510402001",
            "funding_area_code": "510402",
            "year": 2024,
            "instalment": 1,
            "milestone": "首期",
            "amount": "15000.50",
            "sources": line,
            "paid_on": "2024-04-01",
            "contract_amount": "15000.50",
            "paid_to_date": "15000.50",
        },
    )
    from reporting.views import headroom

    assert headroom(s, "510402001", 2024, "2024-01-31") == {
        "funding_area_code": "510402",
        "year": 2024,
        "cap": "30000.00",
        "used": "0.00",
        "headroom": "30000.00",
    }
    assert headroom(s, "510402", 2024, "2024-12-31")["headroom"] == "49999.50"
    assert s.sums("disbursed", "510400", "2024-12-31", by=("k1",)) == {
        ("social_assistance",): 1000050,
        ("welfare_lottery",): 500000,
    }
    assert s.total("contract_amount", "510402001", "2024-03-01") == 1500050


def test_redelivered_events_change_nothing_and_bad_ones_are_projection_errors(feed):
    event_id = _id()
    data = {"volunteer_id": _id(), "station_id": _id(), "hours": 3, "served_on": "2024-05-01"}
    assert feed("talent.volunteer.hours_logged.v1", data, event_id) == 1
    before = feed.store.dump()
    assert feed("talent.volunteer.hours_logged.v1", data, event_id) == 0
    assert feed.store.dump() == before
    with pytest.raises(ProjectionError, match="only v1, v2"):  # v1 upcast, v2 projected: a v3 is unknown
        project("casework.case.opened.v3", {})
    with pytest.raises(ProjectionError):
        project("funding.funds.disbursed.v1", {"contract_id": "x"})
    with pytest.raises(ProjectionError):
        project("registry.station.level_changed.v1", {"station_id": "x", "level": "golden", "previous_level": "none",
                                                      "effective_on": "2024-01-01"})


def test_an_older_store_file_is_refused_with_the_rebuild_command(tmp_path):
    import sqlite3

    from reporting.adapters.store import StoreOutdated
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE processed_events (event_id TEXT PRIMARY KEY, event_type TEXT)")
    conn.close()
    with pytest.raises(StoreOutdated, match="rebuild"):
        ReadModelStore(path)


def test_guidance_visits_count_for_the_visited_station_and_roll_up(feed):
    """Issue 17 item 13: the visit log (督导记录) reaches the reports; §二(一) "定期指導社會工作服務站開展工作"."""
    from reporting import views

    a, b, county = two_stations(feed)
    visits = [(a, "2024-03-05", 90), (a, "2024-05-10", 45), (b, "2024-05-11", 60), (a, "2024-08-01", 30)]
    for station, day, minutes in visits:
        feed("talent.guidance.visit_recorded.v1", {"station_id": station, "visit_id": _id(), "visited_on": day,
                                                   "guide_id": _id(), "mode": "on_site", "minutes": minutes})

    def expected(area, since, as_of):
        chosen = [m for s, d, m in visits if since <= d <= as_of and county[s].startswith(area.rstrip("0"))]
        return len(chosen), views.hours_of_minutes(sum(chosen))

    for area in AREAS:
        talent = views.talent(feed.store, area, "2024-06-30", "2024-01-01")
        assert (talent["guidance_visits"], talent["guidance_hours"]) == expected(area, "2024-01-01", "2024-06-30")
    assert views.talent(feed.store, COUNTY_A, "2024-12-31", "2024-07-01")["guidance_visits"] == 1


def test_interns_are_a_stock_of_the_station_from_the_first_day_of_their_placement_to_the_last(feed):
    """Issue 17 item 15: interns reach the reports (talent.intern.placed.v1)."""
    from reporting import views

    a, b, county = two_stations(feed)
    placements = [(a, "2024-03-01", "2024-06-30"), (a, "2024-05-01", "2024-05-31"), (b, "2024-04-01", "2024-12-31")]
    for station, first, last in placements:
        feed("talent.intern.placed.v1", {"intern_id": _id(), "station_id": station, "placed_from": first,
                                         "placed_until": last})

    def expected(area, day):
        return sum(1 for s, first, last in placements
                   if first <= day <= last and county[s].startswith(area.rstrip("0")))

    for day in ("2024-02-28", "2024-03-01", "2024-05-15", "2024-05-31", "2024-06-01", "2024-06-30", "2024-07-01"):
        for area in AREAS:
            assert views.talent(feed.store, area, day, "2024-01-01")["interns"] == expected(area, day), (area, day)


def test_project_beneficiaries_are_each_projects_latest_count_at_its_station(feed):
    """Issue 17 item 15: projects' beneficiaries reach the reports (casework.project.beneficiaries_recorded.v1):
    the projects view shows, per area, the latest counts as of the day and how many more were served since `since`."""
    from reporting import views

    a, b, county = two_stations(feed)
    p, q, r = _id(), _id(), _id()
    records = [(p, a, "2024-03-01", 40), (q, a, "2024-04-01", 10), (p, a, "2024-05-01", 90),
               (r, b, "2024-05-01", 7), (p, a, "2024-08-01", 85)]  # the last corrects p's count down
    for pid, station, on, n in records:
        feed("casework.project.beneficiaries_recorded.v1", {"project_id": pid, "station_id": station,
                                                            "contract_id": _id(), "beneficiaries": n,
                                                            "recorded_on": on})

    def latest(area, day):
        counts = {}
        for pid, station, on, n in records:
            if on <= day and county[station].startswith(area.rstrip("0")):
                counts[pid] = n
        return sum(counts.values())

    for since, day in (("2024-01-01", "2024-04-30"), ("2024-01-01", "2024-06-30"), ("2024-07-01", "2024-12-31")):
        for area in AREAS:
            before = (date.fromisoformat(since) - timedelta(days=1)).isoformat()
            seen = views.projects(feed.store, area, day, since)["beneficiaries"]
            assert seen == {"total": latest(area, day), "in_period": latest(area, day) - latest(area, before)}


def test_cases_opened_by_target_group_per_area_under_the_small_numbers_rule(feed):
    """Issue 17 item 11, §二(五)2 "重点为辖区内困难家庭、留守空巢老人、困境儿童、残疾人、流动人口等特殊群体……":
    casework.case.opened.v2's categories count per group, area and period (a client in two groups counts in
    both); exact at a county, at its townships under reporting/privacy.py (1-4 shown "<5", and a 0 hidden
    too where the county's exact figure would give its sibling away)."""
    from pzh_shared.target_groups import TARGET_GROUPS
    from reporting import privacy, views
    from reporting.reports.halfyear import FIELDS, area_figures

    one, two = f"{COUNTY_A}001", f"{COUNTY_A}002"  # two townships of a synthetic county
    opened = [(one, ["hardship_family"])] * 6 + [(one, ["hardship_family", "migrant"])] * 2 + [
        (two, ["hardship_family"])] * 7 + [(two, [])] + [(one, ["migrant"], "2024-08-01")]
    for area, groups, *on in opened:
        feed("casework.case.opened.v2", {"case_id": _id(), "station_id": _id(), "area_code": area,
                                         "domain": "social_assistance", "risk_level": "low", "age_band": "35-59",
                                         "subtype": None, "opened_on": on[0] if on else "2024-03-01",
                                         "categories": groups})

    def exact(area, group):
        return sum(1 for a, groups, *on in opened if a.startswith(area) and group in groups and not on)

    county = views.cases(feed.store, COUNTY_A, "2024-06-30", "2024-01-01")["opened_by_group"]
    assert county == {group: exact(COUNTY_A, group) for group in TARGET_GROUPS}
    assert (county["hardship_family"], county["migrant"]) == (15, 2)
    shown = {code: views.cases(feed.store, code, "2024-06-30", "2024-01-01")["opened_by_group"]
             for code in (one, two)}
    for code, groups in shown.items():
        assert groups["hardship_family"] == exact(code, "hardship_family")  # 8 and 7: shown
    # 2 migrants in one township, 0 in the other: the 2 is "<5", and the 0 too, or 2 - 0 would give it away
    assert shown[one]["migrant"] == shown[two]["migrant"] == privacy.MARK
    # the half-year report's columns are these figures
    row = area_figures(feed.store, COUNTY_A, "2024-01-01", "2024-06-30", CITY)
    labels = dict((key, label) for key, label, _ in FIELDS["服务对象类别(半年新开个案)"])
    assert {labels[f"cases_opened_{g}"]: row[f"cases_opened_{g}"] for g in TARGET_GROUPS} == {
        label: exact(COUNTY_A, g) for g, label in TARGET_GROUPS.items()}
    townships = views.township_case_counts(feed.store, COUNTY_A, "2024-06-30", "2024-01-01")
    assert townships[one]["cases_opened_migrant"] == privacy.MARK


def test_the_case_opened_contract_enumerates_the_shared_target_groups():
    """casework.case.opened.v2's categories are the codes of pzh_shared.target_groups, in its order: a code added
    to one side only would dead-letter every case of that group, or never be counted."""
    from typing import get_args

    from pzh_shared.target_groups import TARGET_GROUPS
    from reporting.projections.casework import TargetGroup

    assert list(get_args(TargetGroup)) == list(TARGET_GROUPS)
