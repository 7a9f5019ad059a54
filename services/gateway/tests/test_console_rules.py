"""The console's 报表规则 page (issue 17 item 10), the reporting API real behind the gateway (an empty read model and
its own rules book), the other services stand-ins: a county administrator makes their county's rubric from the
default and sees what it changed; a refused version keeps the form; the city administrator reaches the root's."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, CITY, COUNTIES, World, add_account, login, make_app

from .test_console_casework import _csrf, browser


class RulesWorld(World):
    """Reporting's rules books from the real reporting app; the city's counties for the owner choice."""

    reporting: TestClient | None = None

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if path.startswith("/read-models/rules/") and self.reporting is not None:
            reply = self.reporting.request(request.method, path, content=request.content,
                                           headers={k: v for k, v in request.headers.items()
                                                    if k in ("content-type", "x-user")})
            return httpx.Response(reply.status_code, content=reply.content,
                                  headers={"content-type": reply.headers["content-type"]})
        if path == f"/areas/{CITY}/children":
            return httpx.Response(200, json=[{"code": code, "name": f"{letter}县", "valid": True}
                                             for letter, code in COUNTIES.items()])
        return None


@pytest.fixture
def env(tmp_path):
    from reporting.adapters.store import ReadModelStore
    from reporting.api.app import create_app
    from reporting.reports.archive import ReportArchive
    from reporting.settings import ReportingSettings

    settings = ReportingSettings(city_code=CITY, data_dir=tmp_path / "reporting")
    reporting = TestClient(create_app(ReadModelStore(tmp_path / "rm.sqlite"), ReportArchive(tmp_path / "reports"),
                                      settings=settings))
    world = RulesWorld()
    world.reporting = reporting
    app, world, _ = make_app(tmp_path, world=world)
    with TestClient(app) as api:
        admin = login(api, "admin", ADMIN_PASSWORD)
        add_account(api, admin, "county-a", "county_admin", COUNTIES["A"])
        add_account(api, admin, "city", "city_admin", CITY)
        add_account(api, admin, "worker", "social_worker", CITY)
        yield app, world


def _form(page: str, **fields: str) -> dict[str, str]:
    values = dict(re.findall(r'<input id="f-[^"]+" name="(f:[^"]+)" value="([^"]*)"', page))
    return {"csrf": _csrf(page), **values, **fields}


def test_a_county_administrator_makes_the_countys_rubric_from_the_default(env):
    app, world = env
    county = browser(app, "county-a")
    page = county.get("/console/rules")
    assert page.status_code == 200, page.text
    assert 'id="inherited"' in page.text and f'<option value="{COUNTIES["A"]}" selected>' in page.text
    assert f'<option value="{CITY}"' not in page.text  # the root's rules are not the county's to edit
    year = int(re.search(r'name="effective_from" type="date" value="(\d{4})-01-01"', page.text).group(1))
    form = _form(page.text, area=COUNTIES["A"], expected_version="0", effective_from=f"{year + 1}-01-01")
    refused = county.post("/console/rules", data={**form, "f:rubric.response_hours": "0"})
    assert refused.status_code == 422 and "version.rubric.response_hours" in refused.text
    assert 'name="f:rubric.response_hours" value="0"' in refused.text  # what was typed is kept
    made = county.post("/console/rules", data={**form, "f:rubric.response_hours": "48"}, follow_redirects=False)
    assert made.status_code == 303, made.text
    shown = county.get(made.headers["location"])
    assert "已记录新版本" in shown.text and "第 1 次修订" in shown.text and "待生效" in shown.text
    assert "评价细则 · 投诉响应时限(小时)</span>：<del>24</del> → <ins>48</ins>" in shown.text
    sent = [r for r in world.requests if r.method == "POST" and r.url.path == f"/read-models/rules/{COUNTIES['A']}"]
    assert sent[-1].headers["x-user"] == "county-a"
    stale = county.post("/console/rules", data=form)  # the page it was made from counted 0 revisions
    assert stale.status_code == 409 and "刷新" in stale.text


def test_the_city_administrator_reaches_the_roots_rules_and_a_reader_records_none(env):
    app, _ = env
    city = browser(app, "city")
    page = city.get("/console/rules")
    assert page.status_code == 200 and "本级规则" in page.text and "默认规则文件" in page.text
    assert all(f'<option value="{code}"' in page.text for code in COUNTIES.values())
    assert 'id="form-rules"' in page.text and "季度通报权重 · 总站" in page.text
    reader = browser(app, "worker").get("/console/rules")
    assert reader.status_code == 200 and 'id="form-rules"' not in reader.text
