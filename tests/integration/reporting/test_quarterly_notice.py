"""The quarterly notice end to end on a synthetic year of all four topics: every scored figure and
the ranking checked against values computed here from the scenario's own records with the
formula published in services/reporting/README.md (not with the service's code); the XLSX opens
with openpyxl and its totals match the JSON; the PDF's text, read back with pdftotext, holds the
five county names; regenerating adds a version."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from reporting.adapters.store import ReadModelStore
from reporting.projections.router import project
from reporting.reports.archive import ReportArchive
from reporting.reports.service import generate_quarterly_notice
from reporting.scenario import COUNTIES, build

NAMES = ["东区", "西区", "仁和区", "米易县", "盐边县"]
WEIGHTS = {"general_station": 10, "township_station": 15, "village_room": 15, "certifications": 20, "organisations": 20,
           "volunteers_trained": 20}


def _expected(truth, year, q):
    start, end = date(year, 1, 1), date(year, 3 * q, 31 if q in (1, 4) else 30)
    share = Fraction(q, 4)
    out = {}
    for county in COUNTIES:
        open_ = [s for s in truth["stations"] if s["county"] == county and s["opened_on"] <= end
                 and (s["closed_on"] is None or s["closed_on"] > end)]
        targets = [t for t in truth["targets"] if t["county"] == county and t["year"] == year and t["on"] <= end]
        target = max(targets, key=lambda t: t["on"])["values"] if targets else (0, 0, 0)
        township = [s for s in open_ if s["tier"] == "township_station"]
        # the quota figures count at the quota-bearing stations only: the township stations open at the period's
        # end (§二(三)(四), A2 §3.1.4-3.1.5; services/reporting/README.md), not the general stations or village rooms
        by_id = {s["station_id"]: s for s in township}
        pilots = sum(s["pilot"] for s in township)
        certified = sum(
            1
            for w in truth["workers"]
            if w["station_id"] in by_id and w["certified_on"] and start <= w["certified_on"] <= end
        )
        volunteers = sum(
            1 for v in truth["volunteer_trainings"] if v["station_id"] in by_id and start <= v["first"] <= end
        )
        orgs = sum(
            1
            for o in truth["organisations"]
            if o["station_id"] in by_id
            and (
                (not by_id[o["station_id"]]["pilot"] and start <= o["incubated_on"] <= end)
                + (
                    by_id[o["station_id"]]["pilot"]
                    and o["registered_on"] is not None
                    and start <= o["registered_on"] <= end
                )
            )
        )
        actual = {"general_station": sum(s["tier"] == "general_station" for s in open_),
                  "township_station": len(township), "village_room": sum(s["tier"] == "village_room" for s in open_),
                  "certifications": certified, "organisations": orgs, "volunteers_trained": volunteers}
        goal = {
            "general_station": Fraction(target[0]),
            "township_station": Fraction(target[1]),
            "village_room": Fraction(target[2]),
            "certifications": 2 * len(township) * share,
            "organisations": (pilots + 6 * (len(township) - pilots)) * share,
            "volunteers_trained": 30 * len(township) * share,
        }
        score = sum(
            (WEIGHTS[k] * (Fraction(1) if goal[k] == 0 else min(Fraction(1), actual[k] / goal[k])) for k in WEIGHTS),
            Fraction(0),
        )
        disbursed = sum(
            d["total"] for d in truth["disbursements"] if d["county"] == county and start <= d["paid_on"] <= end
        )
        cap = sum(c["cap"] for c in truth["caps"] if c["county"] == county and c["year"] == year)
        used = sum(
            d["assistance"] for d in truth["disbursements"] if d["county"] == county and start <= d["paid_on"] <= end
        )
        cases = sum(1 for c in truth["cases"] if c["county"] == county and start <= c["opened_on"] <= end)
        out[county] = {
            "actual": actual,
            "goal": goal,
            "score": score,
            "disbursed": disbursed,
            "headroom": cap - used,
            "cases": cases,
        }
    return out


def _round(value: Fraction) -> str:
    return str(
        (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    scenario = build(seed=2024)
    root = tmp_path_factory.mktemp("notice")
    store = ReadModelStore(root / "rm.sqlite")
    store.apply((e.id, e.type, project(e.type, e.data)) for _, e in scenario.events)
    return scenario, store, ReportArchive(root / "reports")


@pytest.mark.parametrize("period", ["2024-Q1", "2024-Q2", "2024-Q4"])
def test_every_scored_figure_and_the_ranking_match_an_independent_computation(world, period):
    scenario, store, archive = world
    year, q = int(period[:4]), int(period[-1])
    meta = generate_quarterly_notice(store, archive, period)
    notice = json.loads(archive.path("quarterly_notice", period, meta["version"], "json").read_bytes())
    expected = _expected(scenario.truth, year, q)
    assert [c["area_code"] for c in notice["counties"]] == sorted(expected, key=lambda c: (-expected[c]["score"], c))
    for county in notice["counties"]:
        e = expected[county["area_code"]]
        assert county["name"] == COUNTIES[county["area_code"]]
        for name in WEIGHTS:
            assert county["components"][name]["actual"] == e["actual"][name], (county["name"], name)
            assert Decimal(county["components"][name]["target"]) == Decimal(_round(e["goal"][name])), (
                county["name"],
                name,
            )
        assert county["score"] == _round(e["score"])
        assert Decimal(county["figures"]["disbursed"]) * 100 == e["disbursed"]
        assert Decimal(county["figures"]["assistance_headroom"]) * 100 == max(e["headroom"], 0)
        assert county["figures"]["cases_opened"] == e["cases"]
    ranks = [c["rank"] for c in notice["counties"]]
    assert ranks[0] == 1 and ranks == sorted(ranks)


def test_xlsx_totals_match_the_json_and_pdf_text_has_the_county_names(world):
    _, store, archive = world
    meta = generate_quarterly_notice(store, archive, "2024-Q3")
    notice = json.loads(archive.path("quarterly_notice", "2024-Q3", meta["version"], "json").read_bytes())
    sheet = load_workbook(io.BytesIO(archive.path("quarterly_notice", "2024-Q3", "latest", "xlsx").read_bytes()))[
        "季度通报"
    ]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[3]
    counties = rows[4:9]
    total_row = rows[9]
    assert [r[2] for r in counties] == [c["name"] for c in notice["counties"]] and total_row[2] == "合计"
    for name, label in notice["scoring"]["labels"].items():
        column = header.index(f"{label}·实际")
        assert sum(r[column] for r in counties) == total_row[column] == notice["totals"][name]["actual"]
        assert [r[column] for r in counties] == [c["components"][name]["actual"] for c in notice["counties"]]
    assert [Decimal(str(r[3])) for r in counties] == [Decimal(c["score"]) for c in notice["counties"]]
    column = header.index("已拨付资金(元)")
    assert Decimal(str(total_row[column])) == Decimal(notice["totals"]["disbursed"])
    assert sum(Decimal(str(r[column])) for r in counties) == Decimal(notice["totals"]["disbursed"])
    pdf = archive.path("quarterly_notice", "2024-Q3", "latest", "pdf")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for name in NAMES:
        assert name in text
    assert "季度通报" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "yes" in fonts.splitlines()[-1].split()  # the CJK font is embedded


def test_regenerating_a_quarter_adds_a_version(world):
    _, store, archive = world
    first = generate_quarterly_notice(store, archive, "2023-Q4")
    second = generate_quarterly_notice(store, archive, "2023-Q4")
    assert (first["version"], second["version"]) == (1, 2)
    assert archive.versions("quarterly_notice", "2023-Q4") == [1, 2]
    assert archive.path("quarterly_notice", "2023-Q4", 1, "pdf").is_file()
