"""Township coverage toward the 2025 goal, the 2021 reform-affected share and the names, on the
synthetic year of all four topics (services/reporting/reporting/scenario.py), checked against values
computed here from the scenario's own records (`truth`), never with the service's code: per county
and for the city, on days around each area change, in the coverage view, the stations view, the
half-year report (JSON and XLSX) and the dispatch and scorecard rows."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook
from reporting.adapters.store import ReadModelStore
from reporting.projections.router import project
from reporting.reports.archive import ReportArchive
from reporting.reports.service import generate
from reporting.scenario import COUNTIES, build
from reporting.views import view

CITY = "510400"


def _load(tmp_path_factory, year):
    scenario = build(seed=31, year=year)
    root = tmp_path_factory.mktemp(f"coverage-{year}")
    store = ReadModelStore(root / "rm.sqlite")
    store.apply((e.id, e.type, project(e.type, e.data)) for _, e in scenario.events)
    return scenario.truth, store, ReportArchive(root / "reports")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return _load(tmp_path_factory, 2024)


@pytest.fixture(scope="module")
def world_2021(tmp_path_factory):
    return _load(tmp_path_factory, 2021)


def _latest(history, day):
    """The value of a [(day, value)] history in effect on `day` (the last one set on or before it)."""
    value = None
    for on, v in sorted(history, key=lambda pair: pair[0]):
        if on <= day:
            value = v
    return value


def _expected(truth, prefix, day):
    townships = {
        a["area_code"]
        for a in truth["areas"]
        if a["level"] == "township"
        and a["area_code"].startswith(prefix)
        and a["valid_from"] <= day
        and (a["valid_to"] is None or day < a["valid_to"])
    }
    served = set()
    for s in truth["stations"]:
        if (
            s["tier"] == "township_station"
            and s["opened_on"] <= day
            and (s["closed_on"] is None or day < s["closed_on"])
        ):
            served |= {s["area_code"], *s["covers"]}
    served &= townships
    share = (
        None
        if not townships
        else str((Decimal(len(served)) / len(townships)).quantize(Decimal("0.0001"), ROUND_HALF_UP))
    )
    return townships, served, share


def _name(truth, code, day):
    return _latest(next(a["names"] for a in truth["areas"] if a["area_code"] == code), day)


def _days(truth, year):
    changes = {a["valid_from"] for a in truth["areas"]} | {a["valid_to"] for a in truth["areas"] if a["valid_to"]}
    changes |= {s["opened_on"] for s in truth["stations"]} | {
        s["closed_on"] for s in truth["stations"] if s["closed_on"]
    }
    around = {d + timedelta(days=k) for d in changes if d.year == year for k in (-1, 0)}
    return sorted(around | {date(year, m, 1) for m in (1, 4, 7, 10)} | {date(year, 12, 31)})


def test_the_scenario_has_area_changes_and_a_covering_station(world):
    truth, _, _ = world
    assert any(a["valid_to"] for a in truth["areas"]) and any(a["valid_from"].year == 2024 for a in truth["areas"])
    assert any(len(a["names"]) > 1 for a in truth["areas"]) and any(len(a["reform"]) > 1 for a in truth["areas"])
    assert sum(bool(s["covers"]) for s in truth["stations"]) == len(COUNTIES)


def test_coverage_per_county_and_city_on_every_day_around_a_change(world):
    truth, store, _ = world
    days = _days(truth, 2024)
    assert len(days) > 20
    shares = set()
    for day in days:
        for code in [CITY, *COUNTIES]:
            townships, served, share = _expected(truth, code[:4] if code == CITY else code, day)
            body = view(store, "coverage", code, day)
            assert (body["townships"], body["served"], body["share"]) == (len(townships), len(served), share), (
                code,
                day,
            )
            assert body["unserved"] == [
                {"area_code": t, "name": _name(truth, t, day)} for t in sorted(townships - served)
            ]
            assert body["goal_2025"]["remaining"] == len(townships - served)
            assert body["goal_2025"]["met"] == (bool(townships) and townships == served)
            if code == CITY:
                assert [(c["area_code"], c["name"], c["townships"], c["served"]) for c in body["children"]] == [
                    (
                        county,
                        COUNTIES[county],
                        len(_expected(truth, county, day)[0]),
                        len(_expected(truth, county, day)[1]),
                    )
                    for county in sorted(COUNTIES)
                ]
            shares.add(share)
    assert len(shares) > 5  # the days asked do see the figures move


def test_the_2021_township_stations_in_reform_affected_townships(world_2021):
    truth, store, _ = world_2021
    for day in (date(2021, 3, 31), date(2021, 6, 30), date(2021, 12, 31), date(2022, 5, 1)):
        for code in [CITY, *COUNTIES]:
            prefix = code[:4] if code == CITY else code
            opened = [
                s
                for s in truth["stations"]
                if s["tier"] == "township_station"
                and s["area_code"].startswith(prefix)
                and s["opened_on"].year == 2021
                and s["opened_on"] <= day
            ]
            reform = sum(
                1
                for s in opened
                if _latest(
                    next(a["reform"] for a in truth["areas"] if a["area_code"] == s["area_code"]), s["opened_on"]
                )
            )
            got = view(store, "coverage", code, day)["reform_affected_2021"]
            assert (got["township_stations_2021"], got["in_reform_affected"]) == (len(opened), reform), (code, day)
            assert got["goal_over_half"] == (bool(opened) and reform * 2 >= len(opened))  # 50%以上: half included
    assert view(store, "coverage", CITY, date(2021, 12, 31))["reform_affected_2021"]["township_stations_2021"] > 0


def test_the_stations_view_names_its_sub_areas(world):
    truth, store, _ = world
    body = view(store, "stations", "510402", date(2024, 12, 31))
    assert {c["area_code"]: c["name"] for c in body["children"]} == {
        c["area_code"]: _name(truth, c["area_code"], date(2024, 12, 31)) for c in body["children"]}
    assert view(store, "stations", "510402", date(2024, 2, 1))["children"][0]["name"] == _name(
        truth, "510402001", date(2024, 2, 1)
    )


def test_the_half_year_report_computes_2025_coverage(world):
    truth, store, archive = world
    version = generate(store, archive, "half_year_report", "2024-H1")["version"]
    content = json.loads(archive.path("half_year_report", "2024-H1", version, "json").read_text())
    end = date(2024, 6, 30)
    for county in content["counties"]:
        townships, served, share = _expected(truth, county["area_code"], end)
        assert (county["townships"], county["townships_served"], county["townships_unserved"]) == (
            len(townships), len(served), len(townships - served))
        assert county["coverage_percent"] == (
            None if share is None else str((Decimal(share) * 100).quantize(Decimal("0.01")))
        )
        assert county["unserved_townships"] == [
            {"area_code": t, "name": _name(truth, t, end)} for t in sorted(townships - served)
        ]
        assert county["goal_2025"]["every_township_served"] == (townships == served)
    townships, served, share = _expected(truth, "5104", end)
    assert (content["totals"]["townships"], content["totals"]["townships_served"]) == (len(townships), len(served))
    assert content["totals"]["coverage_percent"] == str((Decimal(share) * 100).quantize(Decimal("0.01")))
    assert not any("不计覆盖率" in note for note in content["notes"])
    book = load_workbook(io.BytesIO(archive.path("half_year_report", "2024-H1", version, "xlsx").read_bytes()))
    rows = [list(r) for r in book["网络建设"].iter_rows(values_only=True)]
    header, body = rows[3], [r for r in rows[4:] if any(v is not None for v in r)]
    i = header.index("乡镇(街道)总数")
    assert [r[i] for r in body[:5]] == [c["townships"] for c in content["counties"]]
    assert body[5][1] == "合计" and body[5][i] == len(townships)
    assert any(r[0] and str(r[0]).startswith("尚未覆盖的乡镇(街道)") for r in body[6:])


def test_dispatch_and_scorecard_rows_carry_station_and_area_names(world):
    truth, store, archive = world
    stations = {s["station_id"]: s for s in truth["stations"]}
    dispatch = json.loads(
        archive.path(
            "monthly_dispatch", "2024-02", generate(store, archive, "monthly_dispatch", "2024-02")["version"], "json"
        ).read_text()
    )
    assert dispatch["stations"]
    for row in dispatch["stations"]:
        station = stations[row["station_id"]]
        assert (row["station_name"], row["station_area_code"]) == (station["name"], station["area_code"])
        assert row["station_area_name"] == _name(truth, station["area_code"], date(2024, 2, 29))
    scorecard = json.loads(
        archive.path(
            "station_scorecard", "2024", generate(store, archive, "station_scorecard", "2024")["version"], "json"
        ).read_text()
    )
    assert scorecard["stations"]
    for row in scorecard["stations"]:
        assert row["station_name"] == stations[row["station_id"]]["name"]
        assert row["township_name"] == _name(truth, row["township_code"], date(2024, 12, 31))
    renamed = [a["area_code"] for a in truth["areas"] if len(a["names"]) > 1]
    assert any(row["township_code"] in renamed for row in scorecard["stations"])
