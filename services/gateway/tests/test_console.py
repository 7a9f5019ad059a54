"""The web console without a browser: sign-in with a CSRF-protected form and a cookie session,
dashboards scoped exactly like the API (the console calls the gateway's own /api routes),
forms for commands with the services' Chinese error messages, CSRF refusal and sign-out."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, COUNTIES, PASSWORD, TOWNSHIPS, World, add_account, login, make_app

from .console_sign_in import console_sign_in

NAMES = {
    "510400": "攀枝花市",
    COUNTIES["A"]: "米易县",
    COUNTIES["B"]: "盐边县",
    TOWNSHIPS["A"]: "攀莲镇",
    TOWNSHIPS["B"]: "桐子林镇",
}
# Figures that tell the counties apart on a page: B's must never show to A.
FIGURES = {"A": {"township_station": 3, "budget": "111111.00", "headroom": "3333.00", "open_cases": 41},
           "B": {"township_station": 7, "budget": "987654.00", "headroom": "7777.00", "open_cases": 97}}


def _county_of(area: str) -> str | None:
    return next((k for k, code in COUNTIES.items() if area.startswith(code)), None)


class ConsoleWorld(World):
    """The stand-in services, with reporting's read models and registry's areas answering per county."""

    rhythm_ready = True

    def read_model(self, figure: str, area: str) -> httpx.Response:
        county = _county_of(area)
        counties = [county] if county else list(COUNTIES)
        tsn = sum(FIGURES[c]["township_station"] for c in counties)
        if figure == "stations":
            children = (
                []
                if len(area) > 6
                else [
                    {
                        "area_code": COUNTIES[c] if area == "510400" else TOWNSHIPS[c],
                        "stations": {
                            "general_station": 1,
                            "township_station": FIGURES[c]["township_station"],
                            "village_room": 0,
                            "institution_station": 0,
                        },
                        "total": 1 + FIGURES[c]["township_station"],
                    }
                    for c in counties
                ]
            )
            return httpx.Response(
                200,
                json={
                    "area_code": area,
                    "level": {4: "city", 6: "county", 9: "township"}.get(
                        len(area.rstrip("0")) if area == "510400" else len(area)
                    ),
                    "stations": {
                        "general_station": len(counties),
                        "township_station": tsn,
                        "village_room": 0,
                        "institution_station": 0,
                    },
                    "total": len(counties) + tsn,
                    "children": children,
                    "levels": {"none": tsn, "basic": 0, "standard": 0, "professional": 0},
                    "targets": {
                        "year": 2026,
                        "general_station": 1,
                        "township_station": 5,
                        "village_room": 0,
                        "total": 6,
                    },
                },
            )
        if figure == "coverage":  # one township per county, A's served by a township station, B's not
            townships = [TOWNSHIPS[c] for c in counties if len(area) < 9 or TOWNSHIPS[c] == area]
            served = [t for t in townships if t == TOWNSHIPS["A"]]
            share = f"{len(served) / len(townships):.4f}" if townships else None
            return httpx.Response(200, json={
                "townships": len(townships), "served": len(served), "share": share,
                "unserved": [{"area_code": t, "name": NAMES[t]} for t in townships if t not in served]})
        if figure == "talent":
            return httpx.Response(
                200,
                json={
                    "workers": 12,
                    "certified_workers": 8,
                    "heads": 2,
                    "volunteers": 40,
                    "certifications": 3,
                    "volunteers_trained": 25,
                },
            )
        if figure == "cases":
            return httpx.Response(
                200,
                json={
                    "open": sum(FIGURES[c]["open_cases"] for c in counties),
                    "opened": {"total": 5},
                    "closed": {"total": 2},
                    "escalations": 1,
                },
            )
        if figure == "money":
            c = counties[0]
            return httpx.Response(
                200,
                json={
                    "budget": {"year": 2026, "total": FIGURES[c]["budget"]},
                    "contracts": {"signed": 2, "amount": "50000.00"},
                    "disbursed": {"instalments": 1, "total": "10000.00"},
                    "assistance_cap": {
                        "funding_area_code": area[:6],
                        "year": 2026,
                        "cap": "9000.00",
                        "used": "1000.00",
                        "headroom": FIGURES[c]["headroom"],
                    },
                },
            )
        if figure == "rhythm":
            if not self.rhythm_ready:
                return httpx.Response(
                    404, json={"error": {"code": "not_found", "message": "没有名为 'rhythm' 的读模型；现有：stations"}}
                )
            return httpx.Response(
                200,
                json={
                    "area_code": area,
                    "items": [
                        {
                            "report": "quarterly-notice",
                            "period": "2026-Q3",
                            "title": f"季度通报 {NAMES.get(area, area)}",
                            "due_on": "2026-10-15",
                            "status": "overdue",
                            "versions": 0,
                            "latest": None,
                        }
                    ],
                },
            )
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "没有该读模型"}})

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if request.method == "GET":
            if path == "/read-models/reports":
                return httpx.Response(
                    200,
                    json={
                        "reports": [
                            {
                                "report": "quarterly_notice",
                                "period": "2026-Q1",
                                "version": 1,
                                "title": "季度通报",
                                "generated_at": "2026-04-02T08:00:00+08:00",
                                "files": {"pdf": "/read-models/reports/quarterly-notice/2026-Q1/v1.pdf"},
                            }
                        ]
                    },
                )
            if path == "/read-models/reports/quarterly-notice/2026-Q1/v1.pdf":
                return httpx.Response(
                    200,
                    content=b"%PDF-1.4 test",
                    headers={"content-type": "application/pdf", "content-disposition": 'attachment; filename="n.pdf"'},
                )
            found = re.match(r"^/read-models/(\w+)/(\d+)$", path)
            if found:
                return self.read_model(found.group(1), found.group(2))
            found = re.match(r"^/areas/(\d+)(/children)?$", path)
            if found:
                code = found.group(1)
                if found.group(2):
                    kids = [
                        c
                        for c in (*COUNTIES.values(), *TOWNSHIPS.values())
                        if c[:-3] == code or (code == "510400" and len(c) == 6)
                    ]
                    return httpx.Response(200, json=[{"code": c, "name": NAMES[c], "valid": True} for c in kids])
                return httpx.Response(200, json={"code": code, "name": NAMES.get(code, code), "level": "county"})
        if request.method == "POST" and path == "/stations" and b'"name":"bad"' in request.content.replace(b" ", b""):
            return httpx.Response(
                422,
                json={
                    "error": {"code": "tier_mismatch", "message": "站点层级与行政区划级别不符：乡镇站应设在乡镇(街道)"}
                },
            )
        return None


def _csrf(html: str) -> str:
    tokens = re.findall(r'name="csrf" value="([^"]*)"', html)
    assert tokens and all(t == tokens[0] for t in tokens), "every form of the page carries the same CSRF token"
    return tokens[0]


def console_login(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return console_sign_in(client, username, password)


@pytest.fixture
def env(tmp_path):
    world = ConsoleWorld()
    app, world, clock = make_app(tmp_path, world=world)
    with TestClient(app) as api:
        admin = login(api, "admin", ADMIN_PASSWORD)
        for name, role, area in (("city", "city_admin", "510400"), ("county-a", "county_admin", COUNTIES["A"]),
                                 ("county-b", "county_admin", COUNTIES["B"]), ("auditor", "auditor", "510400")):
            add_account(api, admin, name, role, area)
        yield app, world, clock


def browser(app, username: str | None = None) -> TestClient:
    client = TestClient(app)
    if username:
        reply = console_login(client, username)
        assert reply.status_code == 303, reply.text
    return client


def test_sign_in_sets_an_httponly_strict_session_cookie(env):
    app, _, _ = env
    client = TestClient(app)
    page = client.get("/console/login")
    assert "登录" in page.text and 'lang="zh-CN"' in page.text
    assert "Content-Security-Policy" in page.headers
    reply = console_login(client, "county-a")
    assert reply.status_code == 303 and reply.headers["location"] == "/console/"
    cookie = next(v for k, v in reply.headers.multi_items() if k == "set-cookie" and v.startswith("pzh_console="))
    assert (
        "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/console" in cookie
    )
    dashboard = client.get("/console/")
    assert dashboard.status_code == 200 and "county-a" in dashboard.text and "县(区)管理员" in dashboard.text


def test_every_page_is_headed_by_the_deployments_system_name(tmp_path):
    app, _, _ = make_app(tmp_path, system_name="某省社会工作服务体系")
    with TestClient(app) as client:
        page = client.get("/console/login")
    assert page.status_code == 200
    assert "· 某省社会工作服务体系</title>" in page.text and 'href="/console/">某省社会工作服务体系</a>' in page.text


def test_wrong_password_and_missing_csrf_are_refused_in_chinese(env):
    app, _, _ = env
    client = TestClient(app)
    wrong = console_login(client, "county-a", "not-the-password")
    assert (
        wrong.status_code == 401
        and "用户名、密码或动态验证码错误" in wrong.text
        and "pzh_console=" not in wrong.headers.get("set-cookie", "")
    )
    client.get("/console/login")
    forged = client.post(
        "/console/login", data={"csrf": "forged", "username": "county-a", "password": PASSWORD}, follow_redirects=False
    )
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert "pzh_console=" not in forged.headers.get("set-cookie", "")


def test_pages_need_a_session(env):
    app, _, _ = env
    client = TestClient(app)
    for path in ("/console/", "/console/stations/new", "/console/reports", "/console/rhythm"):
        reply = client.get(path, follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/console/login?next="), path
    client.cookies.set("pzh_console", "not-a-token", path="/console")
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_a_county_admin_sees_only_their_county(env):
    app, world, _ = env
    client = browser(app, "county-a")
    world.requests.clear()
    page = client.get("/console/")
    assert page.status_code == 200
    a, b = FIGURES["A"], FIGURES["B"]
    assert "米易县" in page.text and f'data-count="{a["township_station"]}"' in page.text
    assert a["budget"] in page.text and a["headroom"] in page.text and "攀莲镇" in page.text
    assert (
        "盐边县" not in page.text
        and "桐子林镇" not in page.text
        and b["budget"] not in page.text
        and b["headroom"] not in page.text
    )
    asked = [r.url.path for r in world.requests if r.url.path.startswith(("/read-models", "/areas"))]
    assert asked and all(COUNTIES["A"] in path for path in asked), asked
    # another county: refused by the gateway's own scope check before any service is asked
    world.requests.clear()
    other = client.get(f"/console/?area={COUNTIES['B']}")
    assert other.status_code == 404 and "不在您的管辖范围内" in other.text
    assert b["budget"] not in other.text and "盐边县" not in other.text
    assert not [r for r in world.requests if COUNTIES["B"] in r.url.path]
    # a township inside the county: allowed
    assert client.get(f"/console/?area={TOWNSHIPS['A']}").status_code == 200


def test_the_city_admin_sees_every_county_and_can_drill_down(env):
    app, _, _ = env
    client = browser(app, "city")
    page = client.get("/console/")
    assert page.status_code == 200 and "米易县" in page.text and "盐边县" in page.text
    # the plan's township coverage as reporting counts it: A's township served, B's not
    assert re.search(r'id="coverage"><div class="value">1 / 2</div>.*覆盖率 50\.00%', page.text)
    assert "<svg" in page.text
    county = client.get(f"/console/?area={COUNTIES['B']}")
    assert county.status_code == 200 and FIGURES["B"]["budget"] in county.text


def test_an_auditor_sees_no_figures(env):
    app, _, _ = env
    reply = browser(app, "auditor").get("/console/")
    assert reply.status_code == 403 and "无权" in reply.text


def test_opening_a_station_from_the_form(env):
    app, world, _ = env
    client = browser(app, "county-a")
    form = client.get("/console/stations/new")
    assert form.status_code == 200 and "开设站点" in form.text
    world.requests.clear()
    reply = client.post(
        "/console/stations/new",
        data={
            "csrf": _csrf(form.text),
            "name": "攀莲镇社会工作服务站",
            "tier": "township_station",
            "area_code": TOWNSHIPS["A"],
            "address": "",
            "host_venue": "",
            "opened_on": "",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303 and reply.headers["location"].startswith("/console/stations/"), reply.text
    sent = [r for r in world.requests if r.method == "POST" and r.url.path == "/stations"]
    assert len(sent) == 1 and b'"plan_only"' not in sent[0].content and "攀莲镇".encode() in sent[0].content
    assert sent[0].headers["x-user"] == "county-a"
    # the service's 4xx message is shown in Chinese, the values kept
    bad = client.post(
        "/console/stations/new",
        data={"csrf": _csrf(form.text), "name": "bad", "tier": "township_station", "area_code": COUNTIES["A"]},
    )
    assert bad.status_code == 422 and "站点层级与行政区划级别不符" in bad.text and 'value="bad"' in bad.text
    # outside the county: the gateway's 404, and the service never asked
    world.requests.clear()
    outside = client.post(
        "/console/stations/new",
        data={"csrf": _csrf(form.text), "name": "越界站", "tier": "township_station", "area_code": TOWNSHIPS["B"]},
    )
    assert outside.status_code == 404 and "不在您的管辖范围内" in outside.text
    assert not [r for r in world.requests if r.method == "POST"]


def test_forms_refuse_a_missing_or_foreign_csrf_token(env):
    app, world, _ = env
    client = browser(app, "county-a")
    other = browser(app, "city")
    foreign = _csrf(other.get("/console/stations/new").text)  # a valid token of another session
    world.requests.clear()
    for data in ({}, {"csrf": ""}, {"csrf": foreign}):
        reply = client.post(
            "/console/stations/new",
            data={**data, "name": "站", "tier": "township_station", "area_code": TOWNSHIPS["A"]},
        )
        assert reply.status_code == 403 and "CSRF" in reply.text
        reply = client.post("/console/logout", data=data, follow_redirects=False)
        assert reply.status_code == 403
    assert not [r for r in world.requests if r.method == "POST"]
    assert client.get("/console/").status_code == 200  # still signed in


def test_certify_and_file_forms(env):
    app, world, _ = env
    client = browser(app, "county-a")
    form = client.get("/console/workers/certification")
    token = _csrf(form.text)
    done = client.post(
        "/console/workers/certification",
        data={
            "csrf": token,
            "worker_id": world.id("A", "worker"),
            "level": "social_worker",
            "certified_on": "2026-03-01",
        },
    )
    assert done.status_code == 200 and "已登记持证信息" in done.text
    sent = [r for r in world.requests if r.url.path.endswith("/certification")]
    assert sent and b'"certified_on":"2026-03-01"' in sent[-1].content.replace(b" ", b"")
    foreign = client.post(
        "/console/workers/certification",
        data={"csrf": token, "worker_id": world.id("B", "worker"), "level": "social_worker"},
    )
    assert foreign.status_code == 404 and "不在您的管辖范围内" in foreign.text
    filing = client.post("/console/contracts/filing", data={"csrf": token, "contract_id": world.id("A", "contract")})
    # the county signed its own contract: the level above files it (issue 18; api/duties.py, test_duties.py)
    assert filing.status_code == 403 and "备案" in filing.text and "合同已备案" not in filing.text
    empty = client.post("/console/contracts/filing", data={"csrf": token, "contract_id": ""})
    assert empty.status_code == 422 and "请填写合同编号" in empty.text


def test_station_pages_are_scoped(env):
    app, world, _ = env
    client = browser(app, "county-a")
    assert client.get(f"/console/stations/{world.id('A', 'station')}").status_code == 200
    foreign = client.get(f"/console/stations/{world.id('B', 'station')}")
    assert foreign.status_code == 404 and "不在您的管辖范围内" in foreign.text
    lookup = client.get(f"/console/stations?station_id={world.id('A', 'station')}", follow_redirects=False)
    assert lookup.status_code == 303


def test_rhythm_at_a_glance_and_its_empty_state(env):
    app, world, _ = env
    client = browser(app, "county-a")
    page = client.get("/console/rhythm")
    assert page.status_code == 200 and "已逾期" in page.text and "季度通报 米易县" in page.text
    dashboard = client.get("/console/").text
    assert "季度通报 米易县" in dashboard and "已逾期 1" in dashboard and "暂无数据" not in dashboard
    assert client.get(f"/console/rhythm?area={COUNTIES['B']}").status_code == 404
    world.rhythm_ready = False
    empty = client.get("/console/rhythm")
    assert empty.status_code == 200 and "暂无数据" in empty.text
    assert "暂无数据" in client.get("/console/").text


def test_reports_listing_and_download(env):
    app, world, _ = env
    county = browser(app, "county-a").get("/console/reports")
    # a county's own reports (issue 15): the gateway asks reporting for the county's area, never the city's
    assert county.status_code == 200 and "仅对市级账户开放" not in county.text
    asked = [r for r in world.requests if r.url.path == "/read-models/reports"]
    assert asked and asked[-1].url.params["area"] == COUNTIES["A"]
    city = browser(app, "city")
    listing = city.get("/console/reports")
    assert "季度通报" in listing.text and "/console/reports/quarterly-notice/2026-Q1/v1.pdf" in listing.text
    download = city.get("/console/reports/quarterly-notice/2026-Q1/v1.pdf")
    assert (
        download.status_code == 200
        and download.content.startswith(b"%PDF")
        and download.headers["content-type"] == "application/pdf"
    )
    mine = browser(app, "county-a").get("/console/reports/quarterly-notice/2026-Q1/v1.pdf")
    assert mine.status_code == 200 and world.requests[-1].url.params["area"] == COUNTIES["A"]


def test_sign_out_ends_the_session(env):
    app, _, clock = env
    client = browser(app, "county-a")
    page = client.get("/console/")
    token = client.cookies.get("pzh_console")
    clock.advance(600)  # past half the token's lifetime: sign-out must not hand out a renewed token
    reply = client.post("/console/logout", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/console/login"
    assert [v for k, v in reply.headers.multi_items() if k == "set-cookie" and v.startswith("pzh_console=")] == \
        [v for k, v in reply.headers.multi_items() if k == "set-cookie" and v.startswith('pzh_console=""')]
    assert client.get("/console/", follow_redirects=False).status_code == 303
    # the old token is dead for the API too, not just dropped by the browser
    with TestClient(app) as api:
        assert api.get("/api/gateway/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_token_is_renewed_while_the_session_is_used(env):
    app, _, clock = env
    client = browser(app, "county-a")
    for _ in range(4):  # 4 × 10 minutes: past the 15-minute token, within the 30-minute idle timeout each time
        clock.advance(600)
        assert client.get("/console/", follow_redirects=False).status_code == 200


def test_static_files_are_vendored(env):
    app, _, _ = env
    client = TestClient(app)
    assert client.get("/console/static/vendor/htmx.min.js").status_code == 200
    assert client.get("/console/static/console.css").status_code == 200
    page = client.get("/console/login").text
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page


# --- issue 15: the menu, the list pages and the pages of every role ------------------------------------------

STATION_ROWS = {"A": {"station_id": None, "name": "攀莲镇社会工作服务站", "tier": "township_station",
                      "area_code": TOWNSHIPS["A"], "status": "opened", "level": "basic",
                      "construction_mode": "county_self_built", "provincial_pilot": False},
                "B": {"station_id": None, "name": "桐子林镇社会工作服务站", "tier": "township_station",
                      "area_code": TOWNSHIPS["B"], "status": "opened", "level": "none",
                      "construction_mode": "county_self_built", "provincial_pilot": True}}


READ_RECORDS = [
    {"seq": 1, "at": "2026-03-01T09:00:00+08:00", "user": "worker-a", "action": "read", "subject_kind": "case",
     "subject_id": "c-1", "purpose": "个案跟进", "prev_hash": "", "hash": "h1"},
    {"seq": 2, "at": "2026-03-02T09:00:00+08:00", "user": "worker-b", "action": "client_read",
     "subject_kind": "client", "subject_id": "k-1", "purpose": "入户", "prev_hash": "h1", "hash": "h2"}]


def read_matches(record: dict, query: dict[str, str]) -> bool:
    """Casework's read-audit filters, as its store applies them (actor, action, a text of the purpose, the window)."""
    from datetime import datetime

    at = datetime.fromisoformat(record["at"])
    return (record["seq"] > int(query.get("after", "0")) and query.get("actor", record["user"]) == record["user"]
            and query.get("action", record["action"]) == record["action"]
            and query.get("purpose", "") in record["purpose"]
            and ("since" not in query or at >= datetime.fromisoformat(query["since"]))
            and ("until" not in query or at < datetime.fromisoformat(query["until"])))


class ListWorld(ConsoleWorld):
    """ConsoleWorld with the services' list answers ({items, total, next_cursor}) and the new reads."""

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        path, query = request.url.path, dict(request.url.params)
        if request.method == "GET" and path == "/stations":
            if query.get("format") == "xlsx":
                return httpx.Response(200, content=b"PK\x03\x04xlsx", headers={
                    "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "content-disposition": "attachment; filename*=UTF-8''x.xlsx"})
            rows = [{**row, "station_id": self.id(c, "station")} for c, row in STATION_ROWS.items()
                    if row["area_code"].startswith(query.get("area", "5104"))]
            return httpx.Response(200, json={"items": rows, "total": len(rows),
                                             "next_cursor": None if query.get("cursor") else "CURSOR-2"})
        found = re.match(r"^/stations/([0-9a-f-]{36})$", path)
        if request.method == "GET" and found and self.find(found.group(1)):
            county = self.find(found.group(1))[0]
            return httpx.Response(200, json={**STATION_ROWS[county], "station_id": found.group(1), "version": 3,
                                             "facilities": [{"item": "venue", "present": True, "evidence": "照片"}],
                                             "staff_count": 2, "has_head": False})
        if request.method == "GET" and re.match(r"^/stations/[^/]+/history$", path):
            return httpx.Response(200, json={"entries": [
                {"kind": "opened", "on": "2026-01-05", "version": 2},
                {"kind": "level_changed", "on": "2026-02-01", "version": 3, "level": "basic", "previous": "none"}]})
        found = re.match(r"^/areas/(\d+)/tree$", path)
        if request.method == "GET" and found:
            code = found.group(1)
            kids = [{"code": c, "name": NAMES[c], "level": "township", "has_children": False}
                    for c in TOWNSHIPS.values() if c.startswith(code) and c != code]
            return httpx.Response(200, json={"code": code, "name": NAMES.get(code), "level": "county",
                                             "parent_code": "510400", "children": kids})
        if request.method == "GET" and path == "/targets":
            return httpx.Response(200, json={"items": [{"county_code": query.get("area"), "year": 2026,
                                                        "general_station": 1, "township_station": 5, "village_room": 9,
                                                        "general_station_active": 1, "township_station_active": 3,
                                                        "village_room_active": 0}], "total": 1, "next_cursor": None})
        if request.method == "GET" and path.startswith("/progress/"):
            return httpx.Response(200, json={"county_code": path[10:], "name": NAMES.get(path[10:]), "year": 2026,
                                             "as_of": "2026-06-30", "stations": {"township_station": 3},
                                             "progress": {"township_station": {"target": 5, "actual": 3,
                                                                               "met": False}}})
        if request.method == "GET" and path == "/audit/reads":
            records = [r for r in READ_RECORDS if read_matches(r, query)][:int(query.get("limit", "100"))]
            return httpx.Response(200, json={"count": len(records), "records": records})
        if request.method == "GET" and path == "/read-models/reports/quarterly-notice/2025-Q4":
            return httpx.Response(
                200,
                json={
                    "versions": [
                        {
                            "report": "quarterly_notice",
                            "period": "2025-Q4",
                            "version": 1,
                            "title": "米易县季度通报",
                            "area_code": query.get("area"),
                            "files": {"json": "/read-models/reports/quarterly-notice/2025-Q4/v1.json?area=510421"},
                        }
                    ]
                },
            )
        if request.method == "GET" and path == "/audit/verification":
            return httpx.Response(200, json={"intact": True, "broken_seqs": []})
        if request.method == "POST" and re.match(r"^/stations/[^/]+/suspend$", path) and b'"reason":""' in \
                request.content.replace(b" ", b""):
            return httpx.Response(422, json={"error": {"code": "invalid_request",
                                                       "message": "请求内容无效：原因(reason)：不能为空",
                                                       "details": [{"field": "reason", "problem": "不能为空",
                                                                    "label": "原因"}]}})
        return super().answer(request)


@pytest.fixture
def lists_env(tmp_path):
    app, world, clock = make_app(tmp_path, world=ListWorld())
    with TestClient(app) as api:
        admin = login(api, "admin", ADMIN_PASSWORD)
        for name, role, area in (("city", "city_admin", "510400"), ("county-a", "county_admin", COUNTIES["A"]),
                                 ("auditor", "auditor", "510400"), ("sysadmin", "system_admin", "510400")):
            add_account(api, admin, name, role, area)
        yield app, world


def test_the_menu_shows_only_what_the_role_may_do(lists_env):
    app, _ = lists_env
    county = browser(app, "county-a").get("/console/")
    assert "站点台账" in county.text and "年度目标与进度" in county.text and "签订合同" in county.text
    assert "网关审计日志" not in county.text and "API 密钥" not in county.text
    auditor = TestClient(app)
    assert console_login(auditor, "auditor").headers["location"] == "/console/audit/gateway"
    page = auditor.get("/console/audit/gateway")
    assert page.status_code == 200 and "个案查阅审计" in page.text and "站点台账" not in page.text
    system = browser(app, "sysadmin").get("/console/accounts")
    assert system.status_code == 200 and "API 密钥" in system.text and "签订合同" not in system.text


def test_station_list_filters_pages_and_exports_through_the_api(lists_env):
    app, world = lists_env
    client = browser(app, "county-a")
    world.requests.clear()
    page = client.get("/console/stations", params={"tier": "township_station", "status": "opened", "q": "攀莲"})
    assert page.status_code == 200 and "攀莲镇社会工作服务站" in page.text and "桐子林镇" not in page.text
    sent = [r for r in world.requests if r.url.path == "/stations"][-1]
    assert sent.url.params["tier"] == "township_station" and sent.url.params["q"] == "攀莲"
    assert sent.url.params["area"] == COUNTIES["A"]  # the gateway's default: the caller's own area
    assert "cursor=CURSOR-2" in page.text and f'/console/stations/{world.id("A", "station")}' in page.text
    second = client.get("/console/stations", params={"cursor": "CURSOR-2"})
    assert [r for r in world.requests if r.url.path == "/stations"][-1].url.params["cursor"] == "CURSOR-2"
    assert "第一页" in second.text and "下一页" not in second.text
    export = client.get("/console/stations", params={"format": "xlsx", "tier": "township_station"})
    assert export.status_code == 200 and export.content.startswith(b"PK") and "attachment" in \
        export.headers["content-disposition"]
    assert client.get("/console/stations", params={"area": COUNTIES["B"]}).status_code == 404


def test_station_page_lifecycle_history_and_field_errors(lists_env):
    app, world = lists_env
    client = browser(app, "county-a")
    station = world.id("A", "station")
    page = client.get(f"/console/stations/{station}")
    assert page.status_code == 200 and "等级变化" in page.text and "五有" in page.text
    assert 'id="do-suspend"' in page.text and "有场地" in page.text
    # a refused change: the service's message next to the field it names, on the form it came from
    bad = client.post(f"/console/stations/{station}/lifecycle", data={"csrf": _csrf(page.text), "action": "suspend",
                                                                      "on": "2026-03-01", "reason": ""})
    assert bad.status_code == 422 and 'id="suspend-reason-error"' in bad.text and "不能为空" in bad.text
    done = client.post(f"/console/stations/{station}/lifecycle", data={"csrf": _csrf(page.text), "action": "close",
                                                                       "on": "2026-03-01", "reason": "撤并"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("notice=close")
    saved = client.post(f"/console/stations/{station}/facilities", data={
        "csrf": _csrf(page.text), "item": "venue", "present": "on", "evidence": "场地照片"}, follow_redirects=False)
    assert saved.status_code == 303
    sent = [r for r in world.requests if r.method == "PUT" and r.url.path.endswith("/facilities/venue")]
    assert b'"present":true' in sent[-1].content.replace(b" ", b"") and "场地照片".encode() in sent[-1].content


def test_area_drill_down_and_targets_with_progress(lists_env):
    app, world = lists_env
    client = browser(app, "county-a")
    areas = client.get("/console/areas")
    assert areas.status_code == 200 and "攀莲镇" in areas.text
    assert f"/console/stations?area={TOWNSHIPS['A']}" in areas.text
    targets = client.get("/console/targets")
    assert targets.status_code == 200 and "未达成" in targets.text
    # coverage as the reports count it (reporting's view for the county), not a second count of registry's
    assert "1 / 1 个乡镇(街道)有社工站服务（覆盖率 100.00%）" in targets.text
    assert [r for r in world.requests if r.url.path == f"/read-models/coverage/{COUNTIES['A']}"]
    saved = client.post("/console/targets", data={"csrf": _csrf(targets.text), "county": COUNTIES["A"], "year": "2031",
                                                  "general_station": "1", "township_station": "6",
                                                  "village_room": "10"}, follow_redirects=False)
    assert saved.status_code == 303
    put = [r for r in world.requests if r.method == "PUT" and r.url.path == f"/targets/{COUNTIES['A']}/2031"]
    assert put and b'"township_station":6' in put[-1].content.replace(b" ", b"")


def test_auditor_pages_filter_and_show_the_chain(lists_env):
    app, world = lists_env
    client = browser(app, "auditor")

    def sent() -> dict[str, str]:
        return dict([r for r in world.requests if r.url.path == "/audit/reads"][-1].url.params)

    reads = client.get("/console/audit/reads", params={"actor": "worker-a"})
    assert reads.status_code == 200 and "哈希链校验通过" in reads.text
    assert "个案跟进" in reads.text and "入户" not in reads.text and "查阅个案" in reads.text
    assert sent() == {"actor": "worker-a", "after": "0", "limit": "50"}  # filtered by casework, not by the page
    assert '<span id="total">共 1 条</span>' in reads.text  # the first page is short: it holds every match
    assert "入户" not in client.get("/console/audit/reads", params={"to": "2026-03-01"}).text
    assert sent()["until"] == "2026-03-02T00:00:00+08:00" and "since" not in sent()  # `to` is a whole China day
    page = client.get("/console/audit/reads", params={"action": "client_read", "purpose": "入户", "from": "2026-03-02",
                                                      "area": "510400", "after": "1"})
    assert "入户" in page.text and "个案跟进" not in page.text and '<option value="client_read" selected>' in page.text
    assert sent() == {"action": "client_read", "purpose": "入户", "since": "2026-03-02T00:00:00+08:00", "after": "1",
                      "limit": "50"}  # a read record has no area: the page sends none
    assert 'id="first-page"' in page.text and 'id="next-page"' not in page.text and 'id="total"' not in page.text
    log = client.get("/console/audit/gateway")
    assert log.status_code == 200 and 'id="records"' in log.text and "/api/gateway/login" in log.text
    assert browser(app, "county-a").get("/console/audit/reads").status_code == 403


def test_accounts_are_created_locked_and_reset_from_the_console(lists_env):
    app, _ = lists_env
    client = browser(app, "sysadmin")
    page = client.get("/console/accounts")
    weak = client.post("/console/accounts", data={"csrf": _csrf(page.text), "username": "new-auditor",
                                                  "password": "short", "role": "auditor", "area_code": "510400"})
    assert weak.status_code == 422 and 'id="password-error"' in weak.text
    made = client.post("/console/accounts", data={"csrf": _csrf(page.text), "username": "new-auditor",
                                                  "password": "a-long-password-1", "role": "auditor",
                                                  "area_code": "510400"}, follow_redirects=False)
    assert made.status_code == 303
    locked = client.post("/console/accounts/new-auditor/disable", data={"csrf": _csrf(page.text)})
    assert locked.status_code == 200 and "已锁定" in locked.text
    reset = client.post("/console/accounts/new-auditor/password", data={"csrf": _csrf(page.text)})
    assert reset.status_code == 200 and 'id="new-password"' in reset.text
    keys = client.get("/console/api-keys")
    created = client.post("/console/api-keys", data={"csrf": _csrf(keys.text), "name": "stats-feed",
                                                     "role": "city_admin", "area_code": "510400"})
    assert created.status_code == 201 and "pzhk_" in created.text


def test_a_county_generates_its_own_report_and_sees_its_versions(lists_env):
    app, world = lists_env
    client = browser(app, "county-a")
    page = client.get("/console/reports")
    assert 'id="generate-report"' in page.text
    world.requests.clear()
    made = client.post("/console/reports/generate", data={"csrf": _csrf(page.text), "report": "quarterly-notice",
                                                          "period": "2025-Q4", "area": ""})
    assert made.status_code == 200 and "米易县季度通报" in made.text and "已生成新版本" in made.text
    assert "/console/reports/quarterly-notice/2025-Q4/v1.json?area=510421" in made.text
    posted = [r for r in world.requests if r.method == "POST"]
    assert posted and posted[0].url.path == "/read-models/reports/quarterly-notice/2025-Q4"
    assert posted[0].url.params["area"] == COUNTIES["A"]  # the gateway's scope: the county's own reports
