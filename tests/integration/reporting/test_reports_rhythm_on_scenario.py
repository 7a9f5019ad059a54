"""The rest of the plan's reports on the synthetic year of all four topics: the monthly pilot
dispatch, half-year report, year-end shortlist and station scorecard checked against values
computed here from the scenario's own records (not with the service's code); each XLSX's totals
match its JSON; each PDF's text, read back with pdftotext, holds the Chinese county names; and the
schedule's job generates what is due into the archive, once."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import subprocess
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import faust
import pytest
from openpyxl import load_workbook
from reporting.adapters.store import ReadModelStore
from reporting.consumers.schedule import register_schedule, run_schedule
from reporting.projections.router import project
from reporting.reports.archive import ReportArchive
from reporting.reports.service import generate
from reporting.scenario import COUNTIES, PILOTS, build
from reporting.settings import ReportingSettings


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    scenario = build(seed=2024)
    root = tmp_path_factory.mktemp("reports")
    store = ReadModelStore(root / "rm.sqlite")
    store.apply((e.id, e.type, project(e.type, e.data)) for _, e in scenario.events)
    return scenario.truth, store, ReportArchive(root / "reports")


def _make(world, report, period):
    _, store, archive = world
    meta = generate(store, archive, report, period)
    content = json.loads(archive.path(report, period, meta["version"], "json").read_bytes())
    book = load_workbook(io.BytesIO(archive.path(report, period, meta["version"], "xlsx").read_bytes()))
    pdf = archive.path(report, period, meta["version"], "pdf")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "yes" in fonts.splitlines()[-1].split()  # the CJK font is embedded
    return content, book, text


def _table(sheet):
    """(header, rows) of a report sheet: title, lines, a blank row, then the table."""
    rows = list(sheet.iter_rows(values_only=True))
    return rows[3], [r for r in rows[4:] if any(v is not None for v in r)]


def _between(day, start, end):
    return day is not None and start <= day <= end


@pytest.mark.parametrize("month", [3, 7, 12])
def test_monthly_dispatch_matches_the_scenario(world, month):
    truth, _, _ = world
    period = f"2024-{month:02d}"
    end = date(2024, month, {3: 31, 7: 31, 12: 31}[month])
    content, book, text = _make(world, "monthly_dispatch", period)
    jan1, month_start = date(2024, 1, 1), date(2024, month, 1)
    assert {c["area_code"] for c in content["counties"]} == PILOTS
    # §三(二) "每月对省级社会工作服务试点进行1次调度": annex 1's social work pilots, 东区(省级社会工作服务试点区) and
    # 米易县; 西区 is a 省级城乡社区治理试点区, a governance pilot, and is not dispatched
    assert sorted(c["name"] for c in content["counties"]) == sorted(["东区", "米易县"])
    for county in content["counties"]:
        code = county["area_code"]
        pilots = {
            s["station_id"] for s in truth["stations"] if s["county"] == code and s["pilot"] and s["opened_on"] <= end
        }
        workers = [w for w in truth["workers"] if w["station_id"] in pilots and w["since"] <= end]
        certified = sum(1 for w in workers if w["certified_on"] is not None and w["certified_on"] <= end)
        certifications = sum(1 for w in workers if _between(w["certified_on"], jan1, end))
        trained = [v for v in truth["volunteer_trainings"] if v["station_id"] in pilots]
        registered = sum(
            1 for o in truth["organisations"] if o["station_id"] in pilots and _between(o["registered_on"], jan1, end)
        )
        assert county["pilot_stations"] == county["pilot_township_stations"] == len(pilots)
        assert (county["workers"], county["certified_workers"]) == (len(workers), certified)
        q = county["quotas"]
        assert (q["certifications"]["year_to_date"], q["certifications"]["quota"]) == (certifications, 2 * len(pilots))
        assert q["volunteers_trained"]["year_to_date"] == sum(1 for v in trained if _between(v["first"], jan1, end))
        assert q["volunteers_trained"]["month"] == sum(1 for v in trained if _between(v["first"], month_start, end))
        assert (q["organisations_registered"]["year_to_date"], q["organisations_registered"]["quota"]) == (
            registered,
            len(pilots),
        )
        if pilots:
            expected = Fraction(certifications * 100, 2 * len(pilots))
            assert abs(Decimal(q["certifications"]["completion_percent"]) - Decimal(float(expected))) <= Decimal("0.05")
    assert len(content["stations"]) == sum(c["pilot_stations"] for c in content["counties"])
    header, rows = _table(book["试点县区"])
    counties, total = rows[:len(content["counties"])], rows[len(content["counties"])]
    assert total[1] == "合计"
    for column in ("持证社工", "新增持证社工·年累计", "志愿者培训·年累计", "登记社会组织·年度任务"):
        i = header.index(column)
        assert sum(r[i] for r in counties) == total[i]
    assert total[header.index("持证社工")] == content["totals"]["certified_workers"]
    assert total[header.index("志愿者培训·年累计")] == content["totals"]["quotas"]["volunteers_trained"]["year_to_date"]
    for code in PILOTS:
        assert COUNTIES[code] in text
    assert "调度" in text


def test_half_year_report_matches_the_scenario(world):
    truth, _, _ = world
    content, book, text = _make(world, "half_year_report", "2024-H1")
    start, end = date(2024, 1, 1), date(2024, 6, 30)
    for county in content["counties"]:
        code = county["area_code"]
        open_ = [s for s in truth["stations"] if s["county"] == code and s["opened_on"] <= end
                 and (s["closed_on"] is None or s["closed_on"] > end)]
        mine = {s["station_id"] for s in truth["stations"] if s["county"] == code}
        for tier in ("general_station", "township_station", "village_room"):
            assert county[tier] == sum(s["tier"] == tier for s in open_), (code, tier)
        assert county["townships_covered"] == len({s["area_code"] for s in open_ if s["tier"] == "township_station"})
        assert county["cases_opened"] == sum(
            1 for c in truth["cases"] if c["county"] == code and _between(c["opened_on"], start, end)
        )
        assert county["certifications"] == sum(1 for w in truth["workers"] if w["station_id"] in mine
                                               and _between(w["certified_on"], start, end))
        assert county["volunteers_trained"] == sum(1 for v in truth["volunteer_trainings"] if v["station_id"] in mine
                                                   and _between(v["first"], start, end))
        surveys = [s["score"] for s in truth["surveys"] if s["county"] == code and _between(s["on"], start, end)]
        assert county["surveys"] == len(surveys)
        if surveys:
            assert Decimal(county["satisfaction"]) == (Decimal(sum(surveys)) / len(surveys)).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
        disbursed = sum(
            d["total"] for d in truth["disbursements"] if d["county"] == code and _between(d["paid_on"], start, end)
        )
        assert Decimal(county["disbursed"]) * 100 == disbursed
        cap = sum(c["cap"] for c in truth["caps"] if c["county"] == code and c["year"] == 2024)
        used = sum(
            d["assistance"]
            for d in truth["disbursements"]
            if d["county"] == code and _between(d["paid_on"], start, end)
        )
        assert Decimal(county["assistance_headroom"]) * 100 == max(cap - used, 0)
    sheet_totals = {"网络建设": ("township_station", "乡镇(街道)站"), "人才队伍": ("certifications", "半年新增持证"),
                    "个案投诉与满意度": ("cases_opened", "半年新开个案"), "资金与3余额": ("disbursed", "半年拨付(元)")}
    for sheet, (key, label) in sheet_totals.items():
        header, rows = _table(book[sheet])
        i = header.index(label)
        body, total = rows[:5], rows[5]
        assert total[1] == "合计"
        assert (
            Decimal(str(sum(Decimal(str(r[i])) for r in body)))
            == Decimal(str(total[i]))
            == Decimal(str(content["totals"][key]))
        )
    for name in COUNTIES.values():
        assert name in text
    assert "上半年工作报告" in text


def test_year_end_shortlist_is_the_full_year_scoring_and_the_published_rule(world):
    _, store, archive = world
    content, book, text = _make(world, "year_end_shortlist", "2024")
    q4 = json.loads(
        archive.path(
            "quarterly_notice", "2024-Q4", generate(store, archive, "quarterly_notice", "2024-Q4")["version"], "json"
        ).read_bytes()
    )
    # the quarterly scoring with the full-year quota share is exactly the fourth quarter's notice
    assert [(c["area_code"], c["score"], c["rank"]) for c in content["counties"]] == \
        [(c["area_code"], c["score"], c["rank"]) for c in q4["counties"]]
    expected = [c["name"] for c in q4["counties"] if c["rank"] <= 2 and Decimal(c["score"]) >= 60]
    assert content["shortlist"] == expected and expected
    header, rows = _table(book["年终表彰"])
    assert [r[header.index("推荐表彰")] for r in rows[:5]] == [
        "是" if c["shortlisted"] else "否" for c in content["counties"]
    ]
    assert [Decimal(str(r[header.index("综合得分")])) for r in rows[:5]] == [
        Decimal(c["score"]) for c in content["counties"]
    ]
    for name in COUNTIES.values():
        assert name in text
    assert "推荐表彰" in text


def test_station_scorecard_rows_match_the_scenario(world):
    truth, _, _ = world
    content, book, text = _make(world, "station_scorecard", "2024")
    end = date(2024, 12, 31)
    township = {
        s["station_id"]: s for s in truth["stations"] if s["tier"] == "township_station" and s["opened_on"] <= end
    }
    assert {s["station_id"] for s in content["stations"]} == set(township)
    for row in content["stations"]:
        station = township[row["station_id"]]
        assert (row["township_code"], row["provincial_pilot"]) == (station["area_code"], station["pilot"])
        certified = sum(
            1 for w in truth["workers"] if w["station_id"] == row["station_id"] and w["certified_on"] is not None
        )
        assert row["facts"]["certified_workers"] == certified
        assert row["points"]["facilities"] == "10.00"  # every station of the scenario is at the basic level
    header, rows = _table(book["站点评分"])
    assert sorted(r[header.index("站点编号")] for r in rows if r[header.index("站点编号")]) == sorted(township)
    for name in COUNTIES.values():
        assert name in text


def test_the_schedule_job_generates_what_is_due_once(world, tmp_path):
    _, store, _ = world
    archive = ReportArchive(tmp_path / "reports")
    archive.store("monthly_dispatch", "2024-02", lambda v, at: {"json": json.dumps({"title": "已有"}).encode()})
    written = asyncio.run(run_schedule(store, archive, today=date(2024, 4, 2), catch_up_years=0))
    assert [(m["report"], m["period"], m["version"]) for m in written] == [
        ("monthly_dispatch", "2024-01", 1), ("monthly_dispatch", "2024-03", 1), ("quarterly_notice", "2024-Q1", 1)]
    assert archive.versions("monthly_dispatch", "2024-02") == [1]  # an existing period keeps its single version
    assert asyncio.run(run_schedule(store, archive, today=date(2024, 4, 3), catch_up_years=0)) == []
    notice = json.loads(archive.path("quarterly_notice", "2024-Q1", "latest", "json").read_bytes())
    assert len(notice["counties"]) == 5 and archive.path("monthly_dispatch", "2024-03", 1, "pdf").is_file()


def test_the_worker_registers_the_crontab_and_its_job_fills_the_archive(tmp_path):
    app = faust.App("schedule-test", broker="kafka://127.0.0.1:1", store="memory://", web_enabled=False)
    before = len(app._app_tasks)
    assert register_schedule(app, ReportingSettings(data_dir=tmp_path, schedule_cron="")) is None
    assert len(app._app_tasks) == before
    store = ReadModelStore(tmp_path / "reporting.sqlite")  # the worker's read models, where the job reads them
    store.apply((e.id, e.type, project(e.type, e.data)) for _, e in build(seed=3).events)
    job = register_schedule(app, ReportingSettings(data_dir=tmp_path))
    assert len(app._app_tasks) == before + 1
    # Faust hands the app to a task whose function takes a parameter; the cron's must take none.
    assert not inspect.signature(app._app_tasks[-1]).parameters
    written = asyncio.run(job(date(2024, 2, 1)))  # the previous year's reports are caught up on too
    assert len(written) == 12 + 4 + 2 + 1 + 1 + 1
    archive = ReportArchive(
        tmp_path / "reports"
    )  # REPORTING_REPORTS_DIR unset: <DATA_DIR>/reports, as the API reads it
    assert archive.versions("monthly_dispatch", "2024-01") == [1] and archive.versions("station_scorecard", "2023") == [
        1
    ]
    assert asyncio.run(job(date(2024, 2, 1))) == []
