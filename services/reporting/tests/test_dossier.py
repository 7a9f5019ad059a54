"""A county's dossier (issue 17 item 18) over the synthetic year: the same figures as the views the reports use,
the ranks the archived quarterly notices give, one XLSX with a row per figure and a column per year."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from reporting import views
from reporting.api.app import create_app
from reporting.reports.service import generate

COUNTY = "510421"


@pytest.fixture(scope="module")
def world(scenario_reports):
    store, archive, settings = scenario_reports
    with TestClient(create_app(store, archive, settings=settings)) as client:
        yield store, archive, settings, client


def test_a_year_of_the_dossier_is_the_views_and_the_notices_of_that_year(world):
    """§三(二): the provincial pilots are to "培樹具有創新性、可復制、可推廣的典型模式": what a county shows for it."""
    store, archive, settings, client = world
    reply = client.get(f"/read-models/dossiers/{COUNTY}", params={"from_year": 2023, "to_year": 2024})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["county_code"], body["from_year"], body["to_year"]) == (COUNTY, 2023, 2024)
    year = body["years"][1]
    assert (year["year"], year["as_of"]) == (2024, "2024-12-31")
    stations = views.stations(store, COUNTY, "2024-12-31", "2024-01-01")
    talent = views.talent(store, COUNTY, "2024-12-31", "2024-01-01")
    assert year["stations"] == stations["stations"] and year["levels"] == stations["levels"]
    assert year["talent"]["certified_workers"] == talent["certified_workers"]
    assert year["talent"]["certifications"] == talent["certifications"]
    assert year["stations"]["township_station"] > 0  # the synthetic year has the county's stations
    # Each quarter's rank is the one the city's archived notice of that quarter gives the county.
    assert [r["period"] for r in year["rankings"]] == [f"2024-Q{q}" for q in range(1, 5)]
    for rank in year["rankings"]:
        meta = generate(store, archive, "quarterly_notice", rank["period"], settings=settings)
        notice = json.loads(archive.path("quarterly_notice", rank["period"], meta["version"], "json").read_text())
        row = next(r for r in notice["counties"] if r["area_code"] == COUNTY)
        assert (rank["rank"], rank["of"], rank["score"]) == (row["rank"], len(notice["counties"]), row["score"])


def test_the_file_has_a_row_per_figure_and_a_column_per_year(world):
    _, _, _, client = world
    body = client.get(f"/read-models/dossiers/{COUNTY}", params={"from_year": 2023, "to_year": 2024}).json()
    reply = client.get(f"/read-models/dossiers/{COUNTY}", params={"from_year": 2023, "to_year": 2024,
                                                                  "format": "xlsx"})
    assert reply.status_code == 200 and "attachment" in reply.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(reply.content)).active.values)
    assert rows[0] == ("项目", "2023年", "2024年")
    by_label = {row[0]: row[1:] for row in rows[1:]}
    assert by_label["乡镇(街道)站"] == tuple(y["stations"]["township_station"] for y in body["years"])
    first = body["years"][1]["rankings"][0]
    assert by_label["第1季度通报排名"][1] == f"{first['rank']}/{first['of']}"


@pytest.mark.parametrize(("code", "params", "words"), [
    ("510400", {}, "不是县(区)级"),
    (COUNTY, {"from_year": 2024, "to_year": 2023}, "年度范围"),
    (COUNTY, {"from_year": 2000, "to_year": 2024}, "不超过 10 年"),
    ("5104", {}, "格式不正确"),
    ("510499", {"to_year": 2024}, "没有县(区) 510499"),
])
def test_a_dossier_that_cannot_be_made_is_a_chinese_422(world, code, params, words):
    _, _, _, client = world
    reply = client.get(f"/read-models/dossiers/{code}", params=params)
    assert reply.status_code == 422 and words in reply.text, reply.text
