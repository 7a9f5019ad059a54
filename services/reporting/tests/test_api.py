"""The read API: the stations read model (its live shape kept), views of every topic as of a day,
and the quarterly notice generated, listed and downloaded by version."""

import pytest
from fastapi.testclient import TestClient
from reporting.adapters.store import ReadModelStore
from reporting.api.app import create_app
from reporting.projections.router import project
from reporting.reports.archive import ReportArchive
from reporting.scenario import build
from reporting.settings import ReportingSettings


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    store = ReadModelStore(root / "rm.sqlite")
    store.apply((e.id, e.type, project(e.type, e.data)) for _, e in build(seed=5).events)
    return TestClient(create_app(store, ReportArchive(root / "reports")))


def test_the_api_documents_title_is_the_deployments_system_name(tmp_path):
    settings = ReportingSettings(system_name="某省社会工作服务体系")
    app = create_app(ReadModelStore(tmp_path / "rm.sqlite"), settings=settings)
    assert app.openapi()["info"]["title"] == "某省社会工作服务体系 · reporting"


def test_stations_live_shape_and_as_of(client):
    live = client.get("/read-models/stations/510400").json()
    assert set(live) == {"area_code", "level", "stations", "total", "children"}
    assert live["level"] == "city" and len(live["children"]) == 5
    past = client.get("/read-models/stations/510400", params={"as_of": "2023-01-01"}).json()
    assert past["total"] < live["total"] and past["as_of"] == "2023-01-01"
    end = client.get("/read-models/stations/510400", params={"as_of": "2099-01-01"}).json()
    assert end["stations"] == live["stations"] and end["total"] == live["total"]
    assert client.get("/read-models/stations/51040").status_code == 422


@pytest.mark.parametrize("figure", ["stations", "talent", "organisations", "cases", "complaints", "projects", "money"])
def test_every_view_answers_for_every_tier_and_a_past_date(client, figure):
    for area in ("510400", "510402", "510402001"):
        reply = client.get(f"/read-models/{figure}/{area}", params={"as_of": "2024-06-30"})
        assert reply.status_code == 200, reply.text
        assert reply.json()["as_of"] == "2024-06-30" and reply.json()["since"] == "2024-01-01"


def test_unknown_view_bad_dates(client):
    assert client.get("/read-models/nonsense/510400").status_code == 404
    assert client.get("/read-models/talent/510400", params={"as_of": "2024-13-01"}).status_code == 422
    assert (
        client.get("/read-models/talent/510400", params={"as_of": "2024-01-01", "since": "2024-02-01"}).status_code
        == 422
    )


def test_quarterly_notice_versions_and_downloads(client):
    first = client.post("/read-models/reports/quarterly-notice/2024-Q2")
    assert first.status_code == 201, first.text
    second = client.post("/read-models/reports/quarterly-notice/2024-Q2").json()
    assert (first.json()["version"], second["version"]) == (1, 2)
    listing = client.get("/read-models/reports").json()["reports"]
    assert [(r["period"], r["version"]) for r in listing] == [("2024-Q2", 1), ("2024-Q2", 2)]
    assert [v["version"] for v in client.get("/read-models/reports/quarterly-notice/2024-Q2").json()["versions"]] == [
        1,
        2,
    ]
    latest = client.get("/read-models/reports/quarterly-notice/2024-Q2/latest.json").json()
    assert latest["version"] == 2 and len(latest["counties"]) == 5
    pdf = client.get(second["files"]["pdf"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get("/read-models/reports/quarterly-notice/2024-Q2/v1.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get("/read-models/reports/quarterly-notice/2024-Q2/v9.pdf").status_code == 404
    assert client.get("/read-models/reports/quarterly-notice/2024-Q2/v1.doc").status_code == 404
    assert client.post("/read-models/reports/quarterly-notice/2024-Q5").status_code == 422
    assert client.post("/read-models/reports/monthly/2024-Q1").status_code == 404
