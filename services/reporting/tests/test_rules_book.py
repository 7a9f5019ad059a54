"""The reporting rules as data edited by the bureau that owns them (issue 17 item 10): the county's 评价细则 as a
rubric in the rule versions, the rules book's revisions and what it refuses, and its API."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from reporting.adapters.rules_log import RulesLog
from reporting.adapters.store import ReadModelStore
from reporting.api.app import create_app
from reporting.deployment import rules_of
from reporting.projections.facts import CHINA
from reporting.reports import rules, rules_book
from reporting.reports.archive import ReportArchive
from reporting.reports.rules_book import RevisionRefused, StaleRevision
from reporting.settings import ReportingSettings

CITY, EAST, WEST = "510400", "510402", "510403"
DEFAULT = rules.load().versions[-1]


def _rubric(**change: Any) -> dict[str, Any]:
    """The shipped rubric as a county's revision body, with `change` over its parts."""
    rubric = DEFAULT.rubric.model_dump(mode="json")
    return {"rubric": {**rubric, **change}}


def _record(log: RulesLog, owner: str, effective_from: date, version: dict[str, Any], today: date,
            expected: int | None = None) -> rules_book.Revision:
    is_root = owner == CITY

    def check(history: list[rules_book.Revision]) -> dict[str, Any]:
        checked = rules_book.check(history, is_root, effective_from, version, expected, today)
        return checked.model_dump(mode="json", exclude={"effective_from"})

    return log.record(owner, "tester", effective_from, check)


def test_the_shipped_rubric_is_todays_scorecard_and_says_what_the_plan_leaves_to_the_county() -> None:
    """附件2 §5.1.2 評價內容: "包括服務設施、人員配備、服務內容、運行管理、服務滿意度等" and §5.1.3 評價方式:
    "由縣(區)民政部門牽頭制定評價細則": the plan gives the five dimensions, no points; the shipped default says
    which numbers are the system's."""
    for version in rules.load().versions:
        rubric = version.rubric
        assert list(rubric.dimension_points) == list(rules.DIMENSIONS) and set(rubric.dimension_points.values()) == {20}
        assert (rubric.staffing_parts, rubric.management_parts) == (
            {"certified_workers": 10, "head": 5, "certifications": 5}, {"closure": 10, "timeliness": 10})
        assert rubric.level_points == {"professional": 20, "standard": 15, "basic": 10, "none": 0}
        assert (rubric.response_hours, rubric.certified_workers_per_station) == (24, 2)
        assert rubric.grade_floors == {"excellent": 90, "good": 75, "pass": 60}
        for field in ("dimension_points", "staffing_parts", "management_parts", "level_points", "response_hours",
                      "grade_floors"):
            assert "本系统的默认值" in rubric.notes[field], field
        # the one number the plan gives (附件2 §2.1): "至少配備2名具有助理社會工作師及以上職業水平證書的
        # 專(兼)職社會工作者"
        assert "至少配備2名" in rubric.notes["certified_workers_per_station"]


def test_the_rules_in_force_say_which_numbers_the_plan_does_not_give() -> None:
    """§三(二): "每月對省級社會工作服務試點進行1次調度;每季度通報1次縣(區)社會工作服務體系建設工作進展情況;
    每半年向市民政局黨組報告1次工作進展情況": the plan sets the rhythm, neither the notice's weights nor the days a
    report is due."""
    notes = rules.load().at(date(2026, 12, 31)).notes
    assert "本系统的默认值" in notes["notice_weights"] and "本系统的默认值" in notes["calendar"]


@pytest.mark.parametrize(("change", "field"), [
    ({"dimension_points": {**DEFAULT.rubric.dimension_points, "facilities": 25}}, "version.rubric.dimension_points"),
    ({"dimension_points": {"facilities": 100}}, "version.rubric.dimension_points"),
    ({"staffing_parts": {"certified_workers": 10, "head": 5, "certifications": 10}}, "version.rubric"),
    ({"grade_floors": {"excellent": 75, "good": 90, "pass": 60}}, "version.rubric.grade_floors"),
    ({"response_hours": 0}, "version.rubric.response_hours"),
])
def test_a_bad_rubric_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(RevisionRefused, match=field.replace(".", r"\.")):
        rules_book.check([], False, date(2026, 1, 1), _rubric(**change), None, date(2026, 6, 1))


def test_a_new_version_cannot_take_effect_in_a_closed_period() -> None:
    """附件2 §5.1.3: the county "每年度對社會工作服務站進行評估" with its rubric: a county's new rubric takes effect
    this year at the earliest (last year's scorecard is closed); the root's rules make the monthly dispatch, so not
    before this month."""
    today = date(2026, 6, 15)
    rules_book.check([], False, date(2026, 1, 1), _rubric(), None, today)  # this year's scorecard is still open
    with pytest.raises(RevisionRefused, match="effective_from"):
        rules_book.check([], False, date(2025, 12, 31), _rubric(), None, today)
    root = DEFAULT.model_dump(mode="json", exclude={"effective_from"})
    rules_book.check([], True, date(2026, 6, 1), root, None, today)
    with pytest.raises(RevisionRefused, match="effective_from"):
        rules_book.check([], True, date(2026, 5, 31), root, None, today)
    weights = {**root["notice_weights"], "general_station": 11}
    with pytest.raises(RevisionRefused, match=r"version\.notice_weights"):
        rules_book.check([], True, date(2026, 7, 1), {**root, "notice_weights": weights}, None, today)


def test_each_county_is_scored_by_its_own_rubric_in_force_on_31_december_else_the_roots(tmp_path: Path) -> None:
    log = RulesLog(tmp_path)
    today = date(2026, 6, 15)
    _record(log, EAST, date(2026, 1, 1), _rubric(response_hours=48), today)
    _record(log, WEST, date(2027, 1, 1), _rubric(response_hours=12), today)
    merged = rules_book.merged(rules.load(), CITY, log.book())
    east, west = merged.rubric_on(EAST, "2026-12-31"), merged.rubric_on(WEST, "2026-12-31")
    assert (east.owner, east.effective_from, east.rubric.response_hours) == (EAST, date(2026, 1, 1), 48)
    assert (west.owner, west.effective_from, west.rubric.response_hours) == (CITY, DEFAULT.effective_from, 24)
    assert merged.rubric_on(WEST, "2027-12-31").rubric.response_hours == 12
    assert merged.rubric_on(EAST, "2025-12-31").owner == CITY  # never before the county's version takes effect
    # a second revision for the same day replaces that version; the log keeps both
    _record(log, EAST, date(2026, 1, 1), _rubric(response_hours=36), today, expected=1)
    again = rules_book.merged(rules.load(), CITY, log.book())
    assert again.rubric_on(EAST, "2026-12-31").rubric.response_hours == 36 and len(log.revisions(EAST)) == 2
    with pytest.raises(StaleRevision):
        _record(log, EAST, date(2026, 1, 1), _rubric(), today, expected=1)
    assert len(log.revisions(EAST)) == 2  # a refused revision records nothing


def test_a_root_revision_is_a_new_rules_version_over_the_file(tmp_path: Path) -> None:
    log = RulesLog(tmp_path)
    body = DEFAULT.model_dump(mode="json", exclude={"effective_from"})
    body["station_quotas"] = {**body["station_quotas"], "volunteers_per_station": 40}
    _record(log, CITY, date(2026, 12, 1), body, date(2026, 12, 7))
    merged = rules_book.merged(rules.load(), CITY, log.book())
    assert [v.effective_from for v in merged.versions] == [
        *(v.effective_from for v in rules.load().versions), date(2026, 12, 1)]
    assert merged.at("2026-11-30").station_quotas.volunteers_per_station == 30
    assert merged.at("2026-12-31").station_quotas.volunteers_per_station == 40


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = ReportingSettings(city_code=CITY, data_dir=tmp_path)
    store = ReadModelStore(tmp_path / "rm.sqlite")
    return TestClient(create_app(store, ReportArchive(tmp_path / "reports"), settings=settings))


def test_the_api_lists_versions_records_a_county_rubric_and_refuses_in_chinese(client: TestClient) -> None:
    today = datetime.now(CHINA).date()
    start = today.replace(month=1, day=1)
    before = client.get(f"/read-models/rules/{EAST}").json()
    assert (before["kind"], before["revisions"], before["versions"]) == ("rubric", 0, [])
    assert before["inherited"]["version"]["rubric"] == DEFAULT.rubric.model_dump(mode="json")
    assert before["earliest_effective_from"] == start.isoformat()
    body = copy.deepcopy(before["inherited"]["version"])
    body["rubric"]["grade_floors"] = {"excellent": 85, "good": 70, "pass": 60}
    made = client.post(f"/read-models/rules/{EAST}", json={"effective_from": start.isoformat(), "version": body,
                                                            "expected_version": 0}, headers={"x-user": "east-admin"})
    assert made.status_code == 201, made.text
    (version,) = made.json()["versions"]
    assert (version["source"], version["revision"], version["recorded_by"], version["in_force"]) == (
        "book", 1, "east-admin", True)
    assert version["version"]["rubric"]["grade_floors"]["excellent"] == 85 and made.json()["inherited"] is None
    stale = client.post(f"/read-models/rules/{EAST}", json={"effective_from": start.isoformat(), "version": body,
                                                             "expected_version": 0})
    assert stale.status_code == 409 and "刷新" in stale.json()["error"]["message"]
    bad = copy.deepcopy(body)
    bad["rubric"]["level_points"]["professional"] = 30
    refused = client.post(f"/read-models/rules/{EAST}", json={"effective_from": start.isoformat(), "version": bad})
    assert refused.status_code == 422 and "发展等级分值不能超过设施维度分值" in refused.json()["error"]["message"]
    past = client.post(f"/read-models/rules/{EAST}", json={"effective_from": "2020-01-01", "version": body})
    assert past.status_code == 422 and "生效日期(effective_from)" in past.json()["error"]["message"]
    outside = client.post("/read-models/rules/510502", json={"effective_from": start.isoformat(), "version": body})
    assert outside.status_code == 422 and "不是本市的县(区)" in outside.json()["error"]["message"]
    root = client.get(f"/read-models/rules/{CITY}").json()
    assert root["kind"] == "rules" and [v["source"] for v in root["versions"]] == ["file"] * len(rules.load().versions)
    assert sum(v["in_force"] for v in root["versions"]) == 1


def test_the_rules_of_a_deployment_include_its_book(tmp_path: Path) -> None:
    settings = ReportingSettings(city_code=CITY, data_dir=tmp_path)
    assert rules_of(settings).rubrics == {}
    today = date(2026, 3, 1)
    _record(RulesLog(tmp_path / "rules-book"), EAST, date(2026, 1, 1), _rubric(response_hours=72), today)
    assert rules_of(settings).rubric_on(EAST, "2026-12-31").rubric.response_hours == 72
    line = json.loads((tmp_path / "rules-book" / f"{EAST}.jsonl").read_text(encoding="utf-8"))
    assert (line["type"], line["owner"], line["number"]) == ("RulesVersionRecorded", EAST, 1)
