"""The console's county dossier (县(区)档案, issue 17 item 18), the reporting API real behind the gateway (the synthetic
year's read model in process), the other services stand-ins: a county administrator sees their county's record
year by year with its XLSX; a city administrator chooses among the counties; another county's dossier is refused."""

from __future__ import annotations

import io

import httpx
import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, CITY, COUNTIES, World, add_account, login, make_app
from openpyxl import load_workbook

from .test_console_casework import browser


class DossierWorld(World):
    """Reporting's dossiers from the real reporting app; the city's counties for the area filter."""

    reporting: TestClient | None = None

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if path.startswith("/read-models/dossiers/") and self.reporting is not None:
            reply = self.reporting.get(path, params=dict(request.url.params))
            headers = {k: v for k, v in reply.headers.items() if k in ("content-type", "content-disposition")}
            return httpx.Response(reply.status_code, content=reply.content, headers=headers)
        if path == f"/areas/{CITY}/children":
            return httpx.Response(200, json=[{"code": code, "name": f"{letter}县", "valid": True}
                                             for letter, code in COUNTIES.items()])
        return None


@pytest.fixture(scope="module")
def reporting(tmp_path_factory):
    from reporting.adapters.store import ReadModelStore
    from reporting.api.app import create_app
    from reporting.projections.router import project
    from reporting.reports.archive import ReportArchive
    from reporting.scenario import build
    from reporting.settings import ReportingSettings

    root = tmp_path_factory.mktemp("dossier")
    store = ReadModelStore(root / "rm.sqlite")
    store.apply((e.id, e.type, project(e.type, e.data)) for _, e in build(seed=2024).events)
    with TestClient(create_app(store, ReportArchive(root / "reports", CITY),
                               settings=ReportingSettings(city_code=CITY))) as client:
        yield client


@pytest.fixture
def env(tmp_path, reporting):
    world = DossierWorld()
    world.reporting = reporting
    app, world, _ = make_app(tmp_path, world=world)
    with TestClient(app) as api:
        admin = login(api, "admin", ADMIN_PASSWORD)
        add_account(api, admin, "county-a", "county_admin", COUNTIES["A"])
        add_account(api, admin, "city", "city_admin", CITY)
        yield app, world


def test_a_county_administrator_sees_the_record_and_exports_it(env):
    app, world = env
    county = browser(app, "county-a")
    page = county.get("/console/dossier", params={"from_year": 2024, "to_year": 2024})
    assert page.status_code == 200, page.text
    assert "县(区)档案" in page.text and 'id="dossier"' in page.text and "2024年" in page.text
    asked = [r for r in world.requests if r.url.path == f"/read-models/dossiers/{COUNTIES['A']}"]
    assert asked and asked[-1].url.params["from_year"] == "2024"
    exact = world.reporting.get(f"/read-models/dossiers/{COUNTIES['A']}",  # type: ignore[union-attr]
                                params={"from_year": 2024, "to_year": 2024}).json()
    row = next(r for r in exact["table"]["rows"] if r["label"] == "乡镇(街道)站")
    assert f'<td data-label="2024年">{row["2024"]}</td>' in page.text
    file = county.get("/console/dossier/file", params={"county": COUNTIES["A"], "from_year": 2024,
                                                        "to_year": 2024})
    assert file.status_code == 200 and "attachment" in file.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(file.content)).active.values)
    assert rows[0] == ("项目", "2024年") and ("乡镇(街道)站", row["2024"]) in rows


def test_a_city_administrator_chooses_a_county_and_another_countys_dossier_is_refused(env):
    app, _ = env
    city = browser(app, "city")
    page = city.get("/console/dossier")
    assert page.status_code == 200 and "请选择县(区)" in page.text
    assert all(f'<option value="{code}"' in page.text for code in COUNTIES.values())
    county = browser(app, "county-a")
    other = county.get("/console/dossier", params={"county": COUNTIES["B"], "from_year": 2024, "to_year": 2024})
    assert other.status_code == 404 and 'id="dossier"' not in other.text
    bad = county.get("/console/dossier", params={"from_year": 2024, "to_year": 2023})
    assert bad.status_code == 422 and "年度范围" in bad.text
