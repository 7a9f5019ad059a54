"""A county's own reports (issue 15 item 6) and the list of archived reports: a county's quarterly notice
ranks its townships (checked against figures computed here from the scenario's records with the rule
published in the README, not with the service's code); each county's reports are archived apart, so a
county filter never lists another county's; the list pages, sorts, searches and exports; the rhythm of a
county is its own, and a township sees what its county owes."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from reporting.adapters.store import ReadModelStore
from reporting.api.app import create_app
from reporting.projections.router import project
from reporting.reports.archive import ReportArchive
from reporting.reports.service import generate
from reporting.scenario import build
from reporting.settings import ReportingSettings

COUNTY, OTHER, CITY = "510421", "510422", "510400"
WEIGHTS = {"township_station": 15, "certifications": 20, "organisations": 20, "volunteers_trained": 20}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    scenario = build(seed=2024)
    store = ReadModelStore(tmp_path_factory.mktemp("county-reports") / "rm.sqlite")
    store.apply((e.id, e.type, project(e.type, e.data)) for _, e in scenario.events)
    return scenario.truth, store


@pytest.fixture
def client(world, tmp_path):
    return TestClient(create_app(world[1], ReportArchive(tmp_path / "reports"), settings=ReportingSettings()))


def _open(station, end):
    return station["opened_on"] <= end and (station["closed_on"] is None or station["closed_on"] > end)


def _expected_townships(truth, county, year, q):
    """Each township's score by the README's rule for a county's notice, from the scenario's own records."""
    start, end = date(year, 1, 1), date(year, 3 * q, 31 if q in (1, 4) else 30)
    share = Fraction(q, 4)
    townships = [a["area_code"] for a in truth["areas"]
                 if a["level"] == "township" and a["area_code"].startswith(county)
                 and a["valid_from"] <= end and (a["valid_to"] is None or a["valid_to"] > end)]
    stations = [s for s in truth["stations"] if s["county"] == county]
    open_township = [s for s in stations if s["tier"] == "township_station" and _open(s, end)]
    out = {}
    for code in townships:
        own = [s for s in open_township if s["area_code"] == code]
        served = bool(own) or any(code in s["covers"] for s in open_township)
        pilots = sum(s["pilot"] for s in own)
        others = len(own) - pilots if own else 1
        here = {s["station_id"]: s for s in stations if s["area_code"].startswith(code)}
        certified = sum(1 for w in truth["workers"] if w["station_id"] in here and w["certified_on"]
                        and start <= w["certified_on"] <= end)
        trained = sum(1 for v in truth["volunteer_trainings"] if v["station_id"] in here and start <= v["first"] <= end)
        def counted(o, here=here):
            if here[o["station_id"]]["pilot"]:
                return o["registered_on"] is not None and start <= o["registered_on"] <= end
            return start <= o["incubated_on"] <= end

        orgs = sum(1 for o in truth["organisations"] if o["station_id"] in here and counted(o))
        actual = {"township_station": int(served), "certifications": certified, "organisations": orgs,
                  "volunteers_trained": trained}
        goal = {"township_station": Fraction(1), "certifications": 2 * (pilots + others) * share,
                "organisations": (pilots + 6 * others) * share, "volunteers_trained": 30 * (pilots + others) * share}
        points = sum((w * (Fraction(1) if goal[k] == 0 else min(Fraction(1), actual[k] / goal[k]))
                      for k, w in WEIGHTS.items()), Fraction(0))
        out[code] = {"actual": actual, "score": points * Fraction(100, 75)}
    return out


def _rounded(value: Fraction) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("q", [2, 4])
def test_a_county_notice_ranks_its_townships_with_computed_figures(world, tmp_path, q):
    truth, store = world
    archive = ReportArchive(tmp_path / "reports", CITY)
    meta = generate(store, archive, "quarterly_notice", f"2024-Q{q}", area=COUNTY)
    assert meta["area_code"] == COUNTY and meta["files"]["json"].endswith("?area=510421")
    content = json.loads(archive.path("quarterly_notice", f"2024-Q{q}", 1, "json", COUNTY).read_bytes())
    assert content["title"] == f"米易县社会工作服务体系建设2024年第{'一二三四'[q - 1]}季度通报"
    assert content["area_code"] == COUNTY and "counties" not in content
    expected = _expected_townships(truth, COUNTY, 2024, q)
    rows = content["townships"]
    assert {r["area_code"] for r in rows} == set(expected) and len(rows) >= 4
    order = sorted(expected, key=lambda code: (-expected[code]["score"], code))
    assert [r["area_code"] for r in rows] == order
    for row in rows:
        assert row["score"] == _rounded(expected[row["area_code"]]["score"]), row["area_code"]
        assert {k: row["components"][k]["actual"] for k in WEIGHTS} == expected[row["area_code"]]["actual"]
    assert rows[0]["rank"] == 1 and all(a["rank"] <= b["rank"] for a, b in zip(rows, rows[1:], strict=False))
    assert content["totals"]["assistance_headroom"]  # the county's money, shown once
    assert not (tmp_path / "reports" / "quarterly_notice").exists()  # nothing written as the city's


def test_the_city_notice_keeps_its_place_and_shape(world, tmp_path):
    _, store = world
    archive = ReportArchive(tmp_path / "reports", CITY)
    meta = generate(store, archive, "quarterly_notice", "2024-Q2")
    assert meta["files"]["json"] == "/read-models/reports/quarterly-notice/2024-Q2/v1.json"
    folder = tmp_path / "reports" / "quarterly_notice" / "2024-Q2" / "v1"
    content = json.loads((folder / "quarterly_notice.json").read_text())
    assert len(content["counties"]) == 5 and "area_code" not in content and "townships" not in content


@pytest.mark.parametrize(("name", "period"), [("half-year-report", "2024-H1"), ("station-scorecard", "2024"),
                                              ("monthly-dispatch", "2024-06"), ("quarterly-notice", "2024-Q1")])
def test_a_county_generates_and_downloads_its_own_reports(client, name, period):
    made = client.post(f"/read-models/reports/{name}/{period}", params={"area": COUNTY})
    assert made.status_code == 201, made.text
    assert made.json()["area_code"] == COUNTY and "米易县" in made.json()["title"]
    content = client.get(f"/read-models/reports/{name}/{period}/latest.json", params={"area": COUNTY}).json()
    rows = content.get("townships") or content.get("stations") or content.get("counties")
    assert rows and all(r["area_code"].startswith(COUNTY) for r in rows)
    for fmt, start in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        reply = client.get(made.json()["files"][fmt])
        assert reply.status_code == 200 and reply.content.startswith(start)
    assert client.get(f"/read-models/reports/{name}/{period}/latest.json").status_code == 404  # not the city's
    versions = client.get(f"/read-models/reports/{name}/{period}", params={"area": COUNTY}).json()["versions"]
    assert [v["version"] for v in versions] == [1]


def test_reports_a_county_cannot_make_are_refused_in_chinese(client):
    shortlist = client.post("/read-models/reports/year-end-shortlist/2024", params={"area": COUNTY})
    assert shortlist.status_code == 422 and "市级" in shortlist.json()["error"]["message"]
    dispatch = client.post("/read-models/reports/monthly-dispatch/2024-06", params={"area": "510411"})
    assert dispatch.status_code == 422 and "试点" in dispatch.json()["error"]["message"]
    township = client.post("/read-models/reports/quarterly-notice/2024-Q1", params={"area": "510421001"})
    assert township.status_code == 422 and "县(区)" in township.json()["error"]["message"]
    elsewhere = client.post("/read-models/reports/quarterly-notice/2024-Q1", params={"area": "510502"})
    assert elsewhere.status_code == 422


def test_another_countys_report_is_not_listed_to_a_county_filter(client):
    for area in (COUNTY, OTHER, None):
        assert client.post("/read-models/reports/quarterly-notice/2024-Q1", params={"area": area} if area else {}
                           ).status_code == 201
    mine = client.get("/read-models/reports", params={"area": COUNTY}).json()
    assert mine["total"] == 1 and [i["area_code"] for i in mine["items"]] == [COUNTY]
    assert mine["reports"] == mine["items"]
    city = client.get("/read-models/reports", params={"area": CITY}).json()
    assert city["total"] == 3 and {i["area_code"] for i in city["items"]} == {COUNTY, OTHER, CITY}
    township = client.get("/read-models/reports", params={"area": "510421001"}).json()
    assert township["total"] == 0


def test_the_list_filters_sorts_pages_and_exports(client):
    client.post("/read-models/reports/quarterly-notice/2024-Q1")
    client.post("/read-models/reports/quarterly-notice/2024-Q2")
    client.post("/read-models/reports/quarterly-notice/2024-Q2")
    client.post("/read-models/reports/half-year-report/2024-H1", params={"area": COUNTY})
    seen, cursor = [], None
    while True:
        page = client.get("/read-models/reports", params={"limit": 1, "sort": "-generated_at",
                                                          **({"cursor": cursor} if cursor else {})}).json()
        assert page["total"] == 4
        seen += [(i["report"], i["period"], i["version"]) for i in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(seen) == sorted([("quarterly_notice", "2024-Q1", 1), ("quarterly_notice", "2024-Q2", 1),
                                   ("quarterly_notice", "2024-Q2", 2), ("half_year_report", "2024-H1", 1)])
    assert len(set(seen)) == 4
    by_name = client.get("/read-models/reports", params={"name": "quarterly-notice", "period": "2024-Q2"}).json()
    assert [i["version"] for i in by_name["items"]] == [1, 2]
    assert client.get("/read-models/reports", params={"q": "半年"}).json()["total"] == 1
    by_period = client.get("/read-models/reports", params={"sort": "-period"}).json()["items"]
    assert by_period[0]["period"] == "2024-Q2"
    bad = client.get("/read-models/reports", params={"sort": "title"})
    assert bad.status_code == 422 and "sort" in bad.json()["error"]["message"]
    assert client.get("/read-models/reports", params={"limit": 500}).status_code == 422
    assert client.get("/read-models/reports", params={"name": "nonsense"}).status_code == 422
    export = client.get("/read-models/reports", params={"format": "xlsx", "area": COUNTY})
    sheet = load_workbook(io.BytesIO(export.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == ["行政区划代码", "报表", "期间", "版本", "生成时间", "标题"]
    assert cells[1][:4] == [COUNTY, "半年报告", "2024-H1", 1] and len(cells) == 2


def test_the_rhythm_of_a_county_is_its_own_and_a_township_sees_its_countys(client):
    client.post("/read-models/reports/quarterly-notice/2024-Q1")  # the city's: not the county's
    client.post("/read-models/reports/half-year-report/2024-H1", params={"area": COUNTY})
    body = client.get(f"/read-models/rhythm/{COUNTY}", params={"as_of": "2024-07-10"}).json()
    items = {(i["report"], i["period"]): i for i in body["items"]}
    assert body["reporting_area_code"] == COUNTY
    assert {report for report, _ in items} == {"monthly_dispatch", "quarterly_notice", "half_year_report",
                                               "station_scorecard"}  # a pilot county: the dispatch too
    assert items[("quarterly_notice", "2024-Q1")]["status"] == "overdue"
    done = items[("half_year_report", "2024-H1")]
    assert done["status"] == "done" and done["latest"]["json"].endswith("?area=510421") and "米易县" in done["title"]
    township = client.get("/read-models/rhythm/510421001", params={"as_of": "2024-07-10"}).json()
    assert township["reporting_area_code"] == COUNTY and township["items"] == body["items"]
    other = client.get("/read-models/rhythm/510411", params={"as_of": "2024-07-10"}).json()
    assert {i["report"] for i in other["items"]} == {"quarterly_notice", "half_year_report", "station_scorecard"}
    assert client.get("/read-models/rhythm/510502").status_code == 404
