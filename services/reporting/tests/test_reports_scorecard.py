"""The annual township-station scorecard on a small hand-made world projected into a real read-model
store: which stations are scored, and every point worked out by hand from the rule published in
services/reporting/README.md ("Annual township-station scorecard")."""

import io
import json
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from reporting.adapters.store import ReadModelStore
from reporting.deployment import rules_log_of
from reporting.projections.router import project
from reporting.reports import rules, rules_book
from reporting.reports.archive import ReportArchive
from reporting.reports.service import generate
from reporting.settings import ReportingSettings

A, B, C, D, E = (f"00000000-0000-4000-8000-00000000000{i}" for i in range(1, 6))
BENEFICIARIES = (("2024-06-15", 120), ("2026-03-01", 260), ("2026-09-01", 250))


# The city and its counties as the registry publishes them: the reports take their rows and names from these.
AREAS = {
    "510400": "攀枝花市",
    "510402": "东区",
    "510403": "西区",
    "510411": "仁和区",
    "510421": "米易县",
    "510422": "盐边县",
}


def _world() -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = [
        ("registry.area.registered.v1", {"area_code": code, "parent_code": None if code == "510400" else "510400",
                                         "level": "city" if code == "510400" else "county", "name": name,
                                         "reform_affected": False, "valid_from": "2020-01-01", "vintage": "2020"})
        for code, name in AREAS.items()]

    def station(sid, tier, area, pilot, opened):
        events.append(
            (
                "registry.station.planned.v1",
                {
                    "station_id": sid,
                    "tier": tier,
                    "area_code": area,
                    "county_code": area[:6],
                    "provincial_pilot": pilot,
                    "planned_on": "2022-12-01",
                },
            )
        )
        events.append(
            ("registry.station.opened.v1", {"station_id": sid, "tier": tier, "area_code": area, "opened_on": opened})
        )

    station(A, "township_station", "510402001", True, "2023-05-01")
    events.append(
        ("registry.station.level_changed.v1", {"station_id": A, "level": "standard", "effective_on": "2023-06-01"})
    )
    events.append(
        ("registry.station.level_changed.v1", {"station_id": A, "level": "professional", "effective_on": "2024-06-01"})
    )
    station(B, "township_station", "510402002", False, "2024-02-01")
    events.append(
        ("registry.station.level_changed.v1", {"station_id": B, "level": "basic", "effective_on": "2024-03-01"})
    )
    station(C, "village_room", "510402001001", False, "2023-01-01")
    station(D, "township_station", "510421001", False, "2023-01-01")
    events.append(("registry.station.closed.v1", {"station_id": D, "effective_on": "2024-10-01"}))
    station(E, "township_station", "510421002", False, "2025-01-05")
    # A: two certified workers (one certified this year), a head, 30 volunteers, a registered organisation,
    # a project scored 90, two complaints answered in 12 and 36 hours, surveys 80, 90, 100
    events += [
        ("talent.worker.assigned.v1", {"worker_id": "w1", "station_id": A, "assigned_on": "2023-01-01"}),
        ("talent.worker.certified.v1", {"worker_id": "w1", "certified_on": "2024-03-01"}),
        ("talent.worker.assigned.v1", {"worker_id": "w2", "station_id": A, "assigned_on": "2024-02-01"}),
        ("talent.worker.certified.v1", {"worker_id": "w2", "certified_on": "2020-01-01"}),
        ("talent.station_head.appointed.v1", {"station_id": A, "worker_id": "w1", "appointed_on": "2024-01-10"}),
        (
            "talent.organisation.registered.v1",
            {"organisation_id": "o1", "host_station_id": A, "registered_on": "2024-05-01"},
        ),
        (
            "casework.project.started.v1",
            {"project_id": "p1", "station_id": A, "domain": "elderly_care", "started_on": "2024-03-01"},
        ),
        (
            "casework.project.evaluated.v1",
            {"project_id": "p1", "station_id": A, "score": 90, "evaluated_on": "2024-11-01"},
        ),
    ]
    # p1's people served so far: 120 by mid-2024, then 260 corrected to 250 in 2026 (the count replaces, not adds)
    events += [
        ("casework.project.beneficiaries_recorded.v1",
         {"project_id": "p1", "station_id": A, "contract_id": "k1", "beneficiaries": n, "recorded_on": on})
        for on, n in BENEFICIARIES
    ]
    events += [
        ("talent.volunteer.trained.v1", {"volunteer_id": f"v{i}", "station_id": A, "trained_on": "2024-04-01"})
        for i in range(30)
    ]
    for n, hours in enumerate((12, 36)):
        events.append(("casework.complaint.received.v1", {"complaint_id": f"q{n}", "station_id": A, "channel": "phone",
                                                          "received_at": "2024-05-01T09:00:00+08:00"}))
        events.append(
            (
                "casework.complaint.closed.v1",
                {
                    "complaint_id": f"q{n}",
                    "station_id": A,
                    "channel": "phone",
                    "closed_at": "2024-05-05T09:00:00+08:00",
                    "response_hours": hours,
                    "resolution_hours": 96,
                },
            )
        )
    events += [
        (
            "casework.survey.recorded.v1",
            {
                "survey_id": f"s{score}",
                "station_id": A,
                "respondent": "client",
                "score": score,
                "surveyed_on": "2024-09-01",
            },
        )
        for score in (80, 90, 100)
    ]
    events += [
        (
            "casework.case.opened.v1",
            {"case_id": f"c{i}", "area_code": area, "domain": "elderly_care", "opened_on": "2024-02-02"},
        )
        for i, area in enumerate(("510402001001", "510402001", "510402002"))
    ]
    # B: a head relieved before the year's end, three organisations incubated, one complaint still open
    events += [("talent.station_head.appointed.v1", {"station_id": B, "worker_id": "w3", "appointed_on": "2024-03-01"}),
               ("talent.station_head.relieved.v1", {"station_id": B, "relieved_on": "2024-11-01"}),
               ("casework.complaint.received.v1", {"complaint_id": "q9", "station_id": B, "channel": "visit",
                                                   "received_at": "2024-12-30T09:00:00+08:00"})]
    events += [
        (
            "talent.organisation.incubated.v1",
            {
                "organisation_id": f"b{i}",
                "host_station_id": B,
                "organisation_type": "interest_volunteer",
                "reform_affected": False,
                "incubated_on": "2024-07-01",
            },
        )
        for i in range(3)
    ]
    return events


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("scorecard")
    store = ReadModelStore(root / "rm.sqlite")
    store.apply((f"e{n}", kind, project(kind, data)) for n, (kind, data) in enumerate(_world()))
    return store, ReportArchive(root / "reports")


def _report(world, period):
    store, archive = world
    meta = generate(store, archive, "station_scorecard", period)
    return json.loads(archive.path("station_scorecard", period, meta["version"], "json").read_bytes()), meta


def test_only_township_stations_open_on_31_december_are_scored(world):
    report, _ = _report(world, "2024")
    assert [s["station_id"] for s in report["stations"]] == [A, B]
    assert [s["station_id"] for s in _report(world, "2023")[0]["stations"]] == [A, D]


def test_every_point_by_the_published_rule(world):
    report, _ = _report(world, "2024")
    a, b = report["stations"]
    assert a["points"] == {"facilities": "20.00", "staffing": "17.50", "services": "19.50", "management": "20.00",
                           "satisfaction": "18.00"}
    assert (a["total"], a["grade"], a["flags"], a["township_code"]) == ("95.00", "优秀", [], "510402001")
    # the township's own and its village's (2): not scored, and shown as "<5" (a township's small number)
    assert a["facts"]["cases_opened_in_township"] == "<5"
    assert b["points"] == {
        "facilities": "10.00",
        "staffing": "0.00",
        "services": "2.50",
        "management": "0.00",
        "satisfaction": "0.00",
    }
    assert (b["total"], b["grade"], b["flags"]) == ("12.50", "不合格", ["无满意度调查记录"])
    east = next(c for c in report["counties"] if c["area_code"] == "510402")
    assert (east["stations"], east["average_total"], east["grades"]["优秀"], east["grades"]["不合格"]) == (
        2,
        "53.75",
        1,
        1,
    )
    assert set(report["not_from_events"]) == {"facilities", "management", "satisfaction"}


def test_xlsx_rows_match_the_json_and_the_pdf_says_what_is_not_from_events(world):
    store, archive = world
    report, meta = _report(world, "2024")
    book = load_workbook(io.BytesIO(archive.path("station_scorecard", "2024", meta["version"], "xlsx").read_bytes()))
    rows = list(book["站点评分"].iter_rows(values_only=True))
    header = rows[3]
    body = [r for r in rows[4:] if r[2] in (A, B)]
    assert [r[2] for r in body] == [A, B]
    for row, station in zip(body, report["stations"], strict=True):
        assert Decimal(str(row[header.index("总分")])) == Decimal(station["total"])
        assert row[header.index("等级")] == station["grade"]
    county_rows = list(book["县区汇总"].iter_rows(values_only=True))
    assert sum(r[2] for r in county_rows[4:9]) == len(report["stations"])
    pdf = archive.path("station_scorecard", "2024", meta["version"], "pdf")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for name in ("东区", "米易县", "盐边县", "乡镇(街道)社会工作服务站2024年度评估", "无事件来源"):
        assert name in text


def test_the_beneficiaries_are_scored_from_the_rules_version_that_scores_them(world):
    """附件2 §5.1.2 评价内容: "重点评估服务对象受益情况、本地社会组织培育、社会工作人才培养……进行评估"。
    A station's figure is how many more people its projects served in the year (their latest counts on 31 December
    less those of the year before); the 2024 scorecard (rules of 2021) shows it and does not score it, the 2026 one
    (rules of 2026) scores it and says the target is no number of the plan's."""
    def served(year):
        def latest(day):
            return next((n for on, n in reversed(BENEFICIARIES) if on <= day), 0)
        return latest(f"{year}-12-31") - latest(f"{year - 1}-12-31")

    old, _ = _report(world, "2024")
    a = old["stations"][0]
    assert a["facts"]["beneficiaries"] == served(2024) and a["points"]["services"] == "19.50"
    assert (old["beneficiaries_scored"], old["rule_notes"]) == (False, {})
    new, _ = _report(world, "2026")
    a = next(s for s in new["stations"] if s["station_id"] == A)
    target = rules.load().at("2026-12-31").station_quotas.beneficiaries_per_station
    # nothing else of A's falls in 2026: the services points are the beneficiaries' fifth alone
    assert a["facts"]["beneficiaries"] == served(2026)
    assert Decimal(a["points"]["services"]) == (Decimal(4) * min(1, Decimal(served(2026)) / target)).quantize(
        Decimal("0.01"))
    assert new["beneficiaries_scored"] and "方案未给出" in new["rule_notes"]["station_quotas.beneficiaries_per_station"]


def test_an_edited_county_rubric_scores_that_countys_stations_in_the_next_scorecard(world, tmp_path):
    """附件2 §5.1.3 評價方式: "由縣(區)民政部門牽頭制定評價細則,組建評價小組,每年度對社會工作服務站進行評估"。
    东区's bureau records its own rubric from 1 January 2026 (facilities 30 and management 10 of the 100 points,
    other level points and grade floors): its stations' 2026 points change in those dimensions only; every other
    county keeps the root's rubric, the 2024 scorecard stays as it was, and each county row names the version it
    was scored by."""
    store, archive = world
    settings = ReportingSettings(data_dir=tmp_path)
    default = rules.load().at("2026-12-31")
    edited = default.rubric.model_dump(mode="json") | {
        "dimension_points": {"facilities": 30, "staffing": 20, "services": 20, "management": 10, "satisfaction": 20},
        "level_points": {"professional": 30, "standard": 24, "basic": 12, "none": 0},
        "management_parts": {"closure": 5, "timeliness": 5},
        "grade_floors": {"excellent": 80, "good": 70, "pass": 50}}

    def check(history):
        return rules_book.check(history, False, date(2026, 1, 1), {"rubric": edited}, 0, date(2026, 6, 1)).model_dump(
            mode="json", exclude={"effective_from"})

    before = json.loads(archive.path("station_scorecard", "2026", generate(store, archive, "station_scorecard",
                                                                           "2026", settings=settings)["version"],
                                     "json").read_bytes())
    rules_log_of(settings).record("510402", "东区民政局", date(2026, 1, 1), check)
    meta = generate(store, archive, "station_scorecard", "2026", settings=settings)
    after = json.loads(archive.path("station_scorecard", "2026", meta["version"], "json").read_bytes())
    old = {s["station_id"]: s for s in before["stations"]}
    assert after["stations"] and {s["area_code"] for s in after["stations"]} & {"510402"}
    for station in after["stations"]:
        was = old[station["station_id"]]
        if station["area_code"] != "510402":
            assert station["points"] == was["points"] and station["grade"] == was["grade"]
            continue
        f = station["facts"]
        closure = Decimal(f["complaints_closed"]) / f["complaints_received"] if f["complaints_received"] else 1
        # management under the default rubric is 10 x closure + 10 x timeliness: the edited one halves both parts
        timeliness = (Decimal(was["points"]["management"]) - 10 * Decimal(closure)) / 10
        expected = {**was["points"], "facilities": f"{edited['level_points'][f['level']]:.2f}",
                    "management": f"{5 * Decimal(closure) + 5 * timeliness:.2f}"}
        assert station["points"] == expected
        total = sum(Decimal(v) for v in expected.values())
        assert Decimal(station["total"]) == total
        floors = edited["grade_floors"]
        assert station["grade"] == ("优秀" if total >= floors["excellent"] else "良好" if total >= floors["good"]
                                    else "合格" if total >= floors["pass"] else "不合格")
    versions = {c["area_code"]: c["rubric"] for c in after["counties"]}
    assert versions["510402"] == {"owner": "510402", "effective_from": "2026-01-01"}
    assert versions["510403"] == {"owner": "510400", "effective_from": default.effective_from.isoformat()}
    assert [(u["owner"], u["counties"]) for u in after["rubrics"]] == [
        ("510402", ["510402"]), ("510400", ["510403", "510411", "510421", "510422"])]
    again = json.loads(archive.path("station_scorecard", "2024", generate(store, archive, "station_scorecard",
                                                                          "2024", settings=settings)["version"],
                                    "json").read_bytes())
    assert [s["points"] for s in again["stations"]] == [s["points"] for s in _report(world, "2024")[0]["stations"]]
