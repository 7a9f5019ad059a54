"""The reporting rhythm as pure functions: which periods the schedule must generate, each report's
due date and status for a year, and the station scorecard's points for given facts (the rules
published in services/reporting/README.md)."""

from datetime import date
from fractions import Fraction

import pytest
from reporting.reports import rules
from reporting.reports.rhythm import due_periods, rhythm, status
from reporting.reports.scorecard import score

# the rules' first version (2021), which does not score the projects' beneficiaries
FIRST = rules.load().at("2021-12-31").station_quotas


def _listed(report, period, version=1):
    return {"report": report, "period": period, "version": version, "generated_at": "2024-04-01T00:00:00+00:00",
            "title": "t", "files": {f: f"/read-models/reports/{report.replace('_', '-')}/{period}/v{version}.{f}"
                                    for f in ("json", "xlsx", "pdf")}}


def test_nothing_is_due_before_a_period_ends():
    assert due_periods(date(2024, 1, 31), [], catch_up_years=0) == []


def test_the_day_after_a_month_ends_its_dispatch_is_due_once():
    assert due_periods(date(2024, 2, 1), [], catch_up_years=0) == [("monthly_dispatch", "2024-01")]
    assert due_periods(date(2024, 2, 1), [_listed("monthly_dispatch", "2024-01")], catch_up_years=0) == []


def test_after_a_year_end_every_report_of_the_year_is_due_oldest_first():
    due = [
        d for d in due_periods(date(2025, 1, 1), [_listed("monthly_dispatch", "2024-05")]) if d[1].startswith("2024")
    ]
    assert ("monthly_dispatch", "2024-05") not in due
    assert len(due) == 11 + 4 + 2 + 1 + 1
    assert due[0] == ("monthly_dispatch", "2024-01")
    assert due[-5:] == [
        ("monthly_dispatch", "2024-12"),
        ("quarterly_notice", "2024-Q4"),
        ("half_year_report", "2024-H2"),
        ("year_end_shortlist", "2024"),
        ("station_scorecard", "2024"),
    ]
    assert {("half_year_report", "2024-H1"), ("station_scorecard", "2024"), ("quarterly_notice", "2024-Q3")} <= set(due)


def test_the_schedule_catches_up_on_the_previous_year():
    due = due_periods(date(2024, 1, 15), [])
    assert ("station_scorecard", "2023") in due and ("monthly_dispatch", "2023-01") in due
    assert not any(period.startswith("2022") for _, period in due)


@pytest.mark.parametrize(("as_of", "versions", "expected"), [
    (date(2024, 3, 31), 0, "upcoming"), (date(2024, 4, 1), 0, "due"), (date(2024, 4, 5), 0, "due"),
    (date(2024, 4, 6), 0, "overdue"), (date(2024, 4, 6), 2, "done"), (date(2024, 3, 1), 1, "done")])
def test_status(as_of, versions, expected):
    assert status(as_of, date(2024, 3, 31), date(2024, 4, 5), versions) == expected


def test_rhythm_covers_the_five_reports_of_the_year_with_their_due_dates():
    listing = [
        _listed("monthly_dispatch", "2024-03"),
        _listed("monthly_dispatch", "2024-03", 2),
        _listed("quarterly_notice", "2023-Q4"),
    ]
    answer = rhythm("510402", date(2024, 4, 20), listing, city_name="攀枝花市")
    assert answer["area_code"] == "510402" and answer["as_of"] == "2024-04-20"
    items = {(i["report"], i["period"]): i for i in answer["items"]}
    assert len(items) == 12 + 4 + 2 + 1 + 1
    march = items[("monthly_dispatch", "2024-03")]
    assert (march["due_on"], march["status"], march["versions"]) == ("2024-04-05", "done", 2)
    assert march["latest"]["version"] == 2 and march["latest"]["pdf"].endswith("/2024-03/v2.pdf")
    assert (
        items[("monthly_dispatch", "2024-02")]["status"] == "overdue"
        and items[("monthly_dispatch", "2024-02")]["latest"] is None
    )
    assert items[("monthly_dispatch", "2024-04")]["status"] == "upcoming"
    assert (items[("quarterly_notice", "2024-Q1")]["due_on"], items[("quarterly_notice", "2024-Q1")]["status"]) == (
        "2024-04-15",
        "overdue",
    )
    assert items[("half_year_report", "2024-H1")]["due_on"] == "2024-07-31"
    assert items[("half_year_report", "2024-H2")]["due_on"] == "2025-01-31"
    assert items[("year_end_shortlist", "2024")]["due_on"] == "2025-01-20"
    assert items[("station_scorecard", "2024")]["due_on"] == "2025-03-31"
    assert "2024年3月" in march["title"]
    dues = [i["due_on"] for i in answer["items"]]
    assert dues == sorted(dues)


def _facts(**over):
    base = {
        "pilot": False,
        "level": "none",
        "certified_workers": 0,
        "heads": 0,
        "certifications": 0,
        "volunteers_trained": 0,
        "organisations_incubated": 0,
        "organisations_registered": 0,
        "projects_started": 0,
        "project_evaluations": 0,
        "project_score_centi": 0,
        "beneficiaries": 0,
        "complaints_received": 0,
        "complaints_closed": 0,
        "response_hours_centi": 0,
        "surveys": 0,
        "survey_score_centi": 0,
        "cases_opened_in_township": 0,
    }
    return base | over


def test_scorecard_points_of_an_empty_station():
    points = score(_facts(), FIRST)
    # no complaints counts as handled (a target of 0 is met); nothing else earns anything
    assert points == {"facilities": 0, "staffing": 0, "services": 0, "management": 20, "satisfaction": 0}


def test_scorecard_points_by_the_published_rule():
    points = score(
        _facts(
            pilot=True,
            level="standard",
            certified_workers=1,
            heads=1,
            certifications=1,
            volunteers_trained=15,
            organisations_registered=1,
            organisations_incubated=0,
            projects_started=2,
            project_evaluations=2,
            project_score_centi=16000,
            complaints_received=4,
            complaints_closed=3,
            response_hours_centi=14400,
            surveys=2,
            survey_score_centi=18000,
        ),
        FIRST,
    )
    assert points["facilities"] == 15
    assert points["staffing"] == 10 * Fraction(1, 2) + 5 + 5 * Fraction(1, 2)
    assert points["services"] == 5 + 5 * Fraction(80, 100) + 5 + 5 * Fraction(1, 2)
    # 3 of 4 complaints closed; a mean response of 48 hours earns 24/48 of the timeliness points
    assert points["management"] == 10 * Fraction(3, 4) + 10 * Fraction(24, 48)
    assert points["satisfaction"] == 20 * Fraction(90, 100)
    other = score(_facts(organisations_incubated=3, organisations_registered=1), FIRST)
    assert other["services"] == 5 * Fraction(3, 6)  # non-pilot stations: 6 incubated a year


def test_from_2026_the_scorecard_scores_the_beneficiaries_of_the_stations_projects():
    """附件2 §5.1.2: "重点评估服务对象受益情况、本地社会组织培育、社会工作人才培养和服务工作的社会效益进行评估"。
    The rules' 2026 version scores the people the station's projects served in the year as a fifth part of the
    services dimension (20 points in five equal parts); the 2021 version keeps its four parts of 5."""
    later = rules.load().at("2026-12-31")
    target = later.station_quotas.beneficiaries_per_station
    assert target is not None and FIRST.beneficiaries_per_station is None
    # the plan gives no number: the shipped version says the target is the system's default, not the plan's
    assert "方案未给出" in later.notes["station_quotas.beneficiaries_per_station"]
    facts = _facts(projects_started=1, volunteers_trained=30, beneficiaries=target // 2)
    assert score(facts, later.station_quotas)["services"] == 4 * (1 + 1 + Fraction(target // 2, target))
    assert score(facts, FIRST)["services"] == 5 + 5  # the same year's facts under the first version: unscored
    assert score(_facts(beneficiaries=3 * target), later.station_quotas)["services"] == 4  # capped at the target
