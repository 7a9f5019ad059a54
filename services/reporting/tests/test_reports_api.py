"""The report routes take every report of the rhythm, and GET /read-models/rhythm/{area} shows each
report of the year with its due date, status and latest downloads."""

import pytest
from fastapi.testclient import TestClient
from reporting.adapters.store import ReadModelStore
from reporting.api.app import create_app
from reporting.projections.router import project
from reporting.reports.archive import ReportArchive
from reporting.scenario import build


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = ReadModelStore(tmp_path_factory.mktemp("reports-api") / "rm.sqlite")
    store.apply((e.id, e.type, project(e.type, e.data)) for _, e in build(seed=11).events)
    return store


@pytest.fixture
def client(store, tmp_path):
    return TestClient(create_app(store, ReportArchive(tmp_path / "reports")))  # an empty archive per test


@pytest.mark.parametrize(("name", "period"), [("monthly-dispatch", "2024-03"), ("half-year-report", "2024-H1"),
                                              ("year-end-shortlist", "2024"), ("station-scorecard", "2024")])
def test_every_new_report_generates_lists_and_downloads(client, name, period):
    made = client.post(f"/read-models/reports/{name}/{period}")
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 1 and made.json()["files"]["pdf"] == f"/read-models/reports/{name}/{period}/v1.pdf"
    assert [v["version"] for v in client.get(f"/read-models/reports/{name}/{period}").json()["versions"]] == [1]
    latest = client.get(f"/read-models/reports/{name}/{period}/latest.json").json()
    assert latest["period"] == period and latest["version"] == 1
    for fmt, start in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        reply = client.get(f"/read-models/reports/{name}/{period}/v1.{fmt}")
        assert reply.status_code == 200 and reply.content.startswith(start)


@pytest.mark.parametrize(("name", "period"), [("monthly-dispatch", "2024-13"), ("monthly-dispatch", "2024-Q1"),
                                              ("half-year-report", "2024-H3"), ("year-end-shortlist", "24"),
                                              ("station-scorecard", "2024-Q4")])
def test_a_malformed_period_is_refused_in_chinese(client, name, period):
    reply = client.post(f"/read-models/reports/{name}/{period}")
    assert reply.status_code == 422 and "格式" in reply.text


def test_the_rhythm_of_a_year(client):
    client.post("/read-models/reports/quarterly-notice/2024-Q1")
    reply = client.get("/read-models/rhythm/510400", params={"as_of": "2024-07-10"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["area_code"], body["as_of"]) == ("510400", "2024-07-10")
    items = {(i["report"], i["period"]): i for i in body["items"]}
    assert {report for report, _ in items} == {
        "monthly_dispatch",
        "quarterly_notice",
        "half_year_report",
        "year_end_shortlist",
        "station_scorecard",
    }
    assert len(items) == 20
    q1 = items[("quarterly_notice", "2024-Q1")]
    assert (q1["status"], q1["versions"]) == ("done", 1) and q1["latest"]["json"].endswith("/2024-Q1/v1.json")
    assert items[("monthly_dispatch", "2024-06")]["status"] == "overdue"  # due on 5 July
    assert items[("monthly_dispatch", "2024-07")]["status"] == "upcoming"
    assert (
        items[("half_year_report", "2024-H1")]["status"] == "due"
        and items[("half_year_report", "2024-H1")]["latest"] is None
    )
    assert items[("quarterly_notice", "2024-Q2")]["status"] == "due"
    assert items[("station_scorecard", "2024")]["status"] == "upcoming"
    assert client.get("/read-models/rhythm/5104").status_code == 422
    assert client.get("/read-models/rhythm/510402", params={"as_of": "2024-13-01"}).status_code == 422
    assert client.get("/read-models/rhythm/510400").json()["items"]
