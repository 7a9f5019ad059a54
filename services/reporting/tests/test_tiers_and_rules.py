"""Reports for any area at any tier (issue 16 item 2) and the reporting rules as versioned data: a synthetic
province (990000) with two cities with stations, whose notice ranks the cities with figures computed here by
the README's rule; a city of it ranks its counties, a county its townships; a second version of the weights
effective mid-year changes a later quarter's scores and not an earlier one's; a calendar version moves a due
date; the default file holds today's values; a malformed file is refused naming its field."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from reporting.adapters.store import ReadModelStore
from reporting.deployment import NotForArea, deployment_for, report_area
from reporting.projections.router import project
from reporting.reports import notice, rules
from reporting.reports.archive import ReportArchive
from reporting.reports.rhythm import rhythm
from reporting.reports.service import generate
from reporting.settings import ReportingSettings

PROVINCE, CITY_A, CITY_B = "990000", "990100", "990200"
COUNTY_A1, COUNTY_A2, COUNTY_B1 = "990101", "990102", "990201"
TODAY = {"general_station": 10, "township_station": 15, "village_room": 15, "certifications": 20, "organisations": 20,
         "volunteers_trained": 20}
LATER = {"general_station": 40, "township_station": 15, "village_room": 15, "certifications": 10, "organisations": 10,
         "volunteers_trained": 10}


def _registered(code: str, level: str, name: str) -> tuple[str, dict[str, Any]]:
    return ("registry.area.registered.v1", {"area_code": code, "parent_code": code[:-3], "level": level, "name": name,
                                            "reform_affected": False, "valid_from": "2020-01-01", "vintage": "2020"})


def _target(county: str, general: int, township: int, village: int) -> tuple[str, dict[str, Any]]:
    return ("registry.target.set.v1", {"county_code": county, "year": 2024, "general_station": general,
                                       "township_station": township, "village_room": village,
                                       "effective_on": "2024-01-02"})


def _station(tier: str, area: str, opened: str) -> list[tuple[str, dict[str, Any]]]:
    sid = str(uuid.uuid4())
    planned = {"station_id": sid, "tier": tier, "area_code": area, "county_code": area[:6], "name": f"{area}站",
               "provincial_pilot": False, "covers": [], "planned_on": "2023-06-01"}
    opened_data = {"station_id": sid, "tier": tier, "area_code": area, "name": f"{area}站", "opened_on": opened}
    return [("registry.station.planned.v1", planned), ("registry.station.opened.v1", opened_data)]


def world() -> list[tuple[str, dict[str, Any]]]:
    """City A: a general station and a township station from February (targets 2, 2, 0 over two counties);
    city B: a township station from August (targets 1, 1, 2)."""
    events = [_registered(CITY_A, "city", "甲市"), _registered(CITY_B, "city", "乙市"),
              _registered(COUNTY_A1, "county", "甲一县"), _registered(COUNTY_A2, "county", "甲二县"),
              _registered(COUNTY_B1, "county", "乙一县"), _registered("990101001", "township", "甲一镇"),
              _registered("990101002", "township", "甲二镇"), _registered("990201001", "township", "乙一镇")]
    events += [_target(COUNTY_A1, 1, 2, 0), _target(COUNTY_A2, 1, 0, 0), _target(COUNTY_B1, 1, 1, 2)]
    events += _station("general_station", COUNTY_A1, "2024-02-01")
    events += _station("township_station", "990101001", "2024-02-01")
    events += _station("township_station", "990201001", "2024-08-01")
    return events


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ReadModelStore:
    s = ReadModelStore(tmp_path_factory.mktemp("province") / "rm.sqlite")
    s.apply((f"{t}:{n}", t, project(t, d)) for n, (t, d) in enumerate(world()))
    return s


def _rules_file(tmp_path: Path, **later: Any) -> str:
    """The default rules plus a second version effective 1 July 2024 (`later` replaces its parts)."""
    data = json.loads(rules.DEFAULT_FILE.read_text(encoding="utf-8"))
    second = {**data["versions"][0], "effective_from": "2024-07-01", **later}
    data["versions"].append(second)
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _score(weights: dict[str, int], actual: dict[str, int], target: dict[str, Fraction]) -> str:
    """The README's rule: Σ weight × min(1, actual / target), a target of 0 met; half-up to 0.01."""
    exact = sum((w * (Fraction(1) if target[k] == 0 else min(Fraction(1), actual[k] / target[k]))
                 for k, w in weights.items()), Fraction(0))
    return str((Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _expected(q: int, weights: dict[str, int]) -> dict[str, str]:
    """The cities' scores from the world's own records: city A's stations open from February, city B's from
    August; one non-pilot township station bears quotas 2, 6 and 30 a year (× q/4), none of them met."""
    share = Fraction(q, 4)
    a_open = {"general_station": 1, "township_station": 1, "village_room": 0}
    b_open = {"general_station": 0, "township_station": 1 if q >= 3 else 0, "village_room": 0}
    flows = {"certifications": 0, "organisations": 0, "volunteers_trained": 0}

    def quotas(stations: int) -> dict[str, Fraction]:
        return {"certifications": 2 * stations * share, "organisations": 6 * stations * share,
                "volunteers_trained": 30 * stations * share}

    a = _score(weights, a_open | flows, {"general_station": Fraction(2), "township_station": Fraction(2),
                                         "village_room": Fraction(0)} | quotas(1))
    b = _score(weights, b_open | flows, {"general_station": Fraction(1), "township_station": Fraction(1),
                                         "village_room": Fraction(2)} | quotas(b_open["township_station"]))
    return {CITY_A: a, CITY_B: b}


def test_the_default_rules_are_todays_values() -> None:
    version = rules.load().at("2024-03-31")
    assert version.notice_weights == TODAY and list(version.notice_weights) == list(TODAY)
    assert version.station_quotas.model_dump() == {"certified_per_station": 2, "volunteers_per_station": 30,
                                                   "organisations_registered_pilot": 1,
                                                   "organisations_incubated_other": 6,
                                                   "beneficiaries_per_station": None}  # scored from 2026 on
    # §三(二) "每月对省级社会工作服务试点进行1次调度"; annex 1: 东区(省级社会工作服务试点区) and 米易县(省级社会工作服务
    # 试点县) are the social work pilots; 西区(省级城乡社区治理试点区) is a community-governance pilot, not one of them
    assert version.provincial_pilot_counties == ("510402", "510421")
    assert version.due_on("quarterly_notice", date(2024, 3, 31)) == date(2024, 4, 15)
    assert version.due_on("station_scorecard", date(2024, 12, 31)) == date(2025, 3, 31)


def test_a_province_notice_ranks_its_cities_with_computed_figures(store: ReadModelStore, tmp_path: Path) -> None:
    settings = ReportingSettings(city_code=PROVINCE)
    archive = ReportArchive(tmp_path / "reports")
    meta = generate(store, archive, "quarterly_notice", "2024-Q1", settings=settings)
    path = archive.path("quarterly_notice", "2024-Q1", meta["version"], "json", "")
    assert path is not None and archive.path("quarterly_notice", "2024-Q1", 1, "xlsx", "") is not None
    content = json.loads(path.read_bytes())
    assert "counties" not in content and content["title"] == "990000社会工作服务体系建设2024年第一季度通报"
    cities = content["cities"]
    assert [(c["area_code"], c["name"]) for c in cities] == [(CITY_B, "乙市"), (CITY_A, "甲市")]
    assert {c["area_code"]: c["score"] for c in cities} == _expected(1, TODAY) == {CITY_A: "27.50", CITY_B: "60.00"}
    assert [c["rank"] for c in cities] == [1, 2]
    a = next(c for c in cities if c["area_code"] == CITY_A)
    assert {k: (v["actual"], v["target"]) for k, v in a["components"].items() if k in TODAY} == {
        "general_station": (1, "2.00"), "township_station": (1, "2.00"), "village_room": (0, "0.00"),
        "certifications": (0, "0.50"), "organisations": (0, "1.50"), "volunteers_trained": (0, "7.50")}
    assert content["totals"]["general_station"] == {"actual": 1, "target": "3.00"}


def test_a_city_of_the_province_ranks_its_counties_and_a_county_its_townships(store: ReadModelStore) -> None:
    settings = ReportingSettings(city_code=PROVINCE)
    assert report_area(settings, CITY_A) == CITY_A and report_area(settings, COUNTY_B1) == COUNTY_B1
    city = notice.build(store, deployment_for(store, settings, CITY_A, "2024-03-31"), "2024-Q1")
    assert city["title"].startswith("甲市") and [c["area_code"] for c in city["counties"]] == [COUNTY_A2, COUNTY_A1]
    county = notice.build(store, deployment_for(store, settings, COUNTY_A1, "2024-03-31"), "2024-Q1")
    assert county["title"].startswith("甲一县")
    assert [t["area_code"] for t in county["townships"]] == ["990101001", "990101002"]
    for outside in ("990101001", "980100", "510400"):
        with pytest.raises(NotForArea):
            report_area(settings, outside)


def test_a_weights_version_effective_mid_year_changes_later_scores_only(store: ReadModelStore,
                                                                        tmp_path: Path) -> None:
    changed = ReportingSettings(city_code=PROVINCE, rules_file=_rules_file(tmp_path, notice_weights=LATER))
    default = ReportingSettings(city_code=PROVINCE)

    def scores(settings: ReportingSettings, period: str) -> dict[str, str]:
        end = notice.quarter(period)[3].isoformat()
        content = notice.build(store, deployment_for(store, settings, PROVINCE, end), period)
        assert content["scoring"]["weights"] == (LATER if settings is changed and period >= "2024-Q3" else TODAY)
        return {c["area_code"]: c["score"] for c in content["cities"]}

    for period in ("2024-Q1", "2024-Q2"):
        assert scores(changed, period) == scores(default, period) == _expected(int(period[-1]), TODAY)
    assert scores(default, "2024-Q3") == _expected(3, TODAY) == {CITY_A: "27.50", CITY_B: "15.00"}
    assert scores(changed, "2024-Q3") == _expected(3, LATER) == {CITY_A: "42.50", CITY_B: "15.00"}


def test_a_report_says_which_rules_version_it_was_made_with(store: ReadModelStore, tmp_path: Path) -> None:
    """Issue 17 item 10: the reports say which version of the rules they used (the one in force on the period's
    last day)."""
    path = _rules_file(tmp_path, notice_weights=LATER)
    settings = ReportingSettings(city_code=PROVINCE, rules_file=path, data_dir=tmp_path)
    archive = ReportArchive(tmp_path / "reports")
    for period, version in (("2024-Q2", "2021-01-01"), ("2024-Q3", "2024-07-01")):
        meta = generate(store, archive, "quarterly_notice", period, settings=settings)
        content = json.loads(archive.path("quarterly_notice", period, meta["version"], "json").read_bytes())
        assert content["rules"] == {"effective_from": version, "file": path}


def test_a_calendar_version_moves_later_due_dates_only(tmp_path: Path) -> None:
    calendar = {**json.loads(rules.DEFAULT_FILE.read_text(encoding="utf-8"))["versions"][0]["calendar"],
                "quarterly_notice": {"due_days_after_end": 20}}
    loaded = rules.load(_rules_file(tmp_path, calendar=calendar))
    items = {i["period"]: i["due_on"] for i in rhythm(PROVINCE, date(2024, 1, 1), [], "某省", ["quarterly_notice"],
                                                      rules=loaded)["items"]}
    assert items == {"2024-Q1": "2024-04-15", "2024-Q2": "2024-07-15", "2024-Q3": "2024-10-20",
                     "2024-Q4": "2025-01-20"}


def test_a_pilot_list_version_and_the_settings_override(tmp_path: Path) -> None:
    from reporting.deployment import pilot_counties

    path = _rules_file(tmp_path, provincial_pilot_counties=[COUNTY_A1])
    assert pilot_counties(ReportingSettings(rules_file=path), "2024-06-30") == ("510402", "510421")
    assert pilot_counties(ReportingSettings(rules_file=path), "2024-07-31") == (COUNTY_A1,)
    assert pilot_counties(ReportingSettings(rules_file=path, provincial_pilot_counties="990201"), "2024-07-31") == (
        COUNTY_B1,)


@pytest.mark.parametrize(("change", "field"), [
    ({"notice_weights": {**TODAY, "general_station": 11}}, "notice_weights"),
    ({"notice_weights": {**{k: v for k, v in TODAY.items() if k != "village_room"}, "village": 15}}, "notice_weights"),
    ({"calendar": {"quarterly_notice": {"due_days_after_end": 15}}}, "calendar"),
    ({"provincial_pilot_counties": ["5104"]}, "provincial_pilot_counties"),
])
def test_a_malformed_rules_file_is_refused_naming_the_field(tmp_path: Path, change: dict[str, Any],
                                                             field: str) -> None:
    with pytest.raises(rules.RulesInvalid, match=field):
        rules.load(_rules_file(tmp_path, **change))
