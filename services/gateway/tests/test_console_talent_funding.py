"""The console's talent and funding pages without a browser, on stand-in services: each page renders for a
role that may see it and is absent from the menu of a role that may not, every form carries the session's
CSRF token, and a service's 422 shows next to the field it names (the cap's refusal next to the amount);
a contract is offered for filing to the level it is filed with, not to the county that signed it."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, COUNTIES, PASSWORD, TOWNSHIPS, World, add_account, login, make_app

from .console_sign_in import console_sign_in

TALENT_PAGES = ("/console/workers", "/console/workers/new", "/console/volunteers", "/console/volunteers/import",
                "/console/interns", "/console/organisations", "/console/quotas")
FUNDING_PAGES = ("/console/funding/sources", "/console/funding/cap", "/console/contracts",
                 "/console/contracts/queue", "/console/contracts/new")
TALENT_MENU = ("社工", "志愿者", "实习生", "社会组织孵化", "站点配额")
FUNDING_MENU = ("预算", "购买服务合同", "签订合同", "待备案合同", "社会救助 3% 限额")
PLAN_ID = "5f0c3e2a-7b1d-4c9e-8a6f-2d4b6c8e0a13"
CAP = {"area_code": COUNTIES["A"], "year": 2026, "basis_year": 2025, "rate": "0.03", "hardship_total": "100000.00",
       "recorded": True, "cap": "3000.00", "used": "1000.00", "headroom": "2000.00"}


def invalid(field: str, problem: str, label: str) -> httpx.Response:
    message = f"请求内容无效：{label}({field})：{problem}"
    return httpx.Response(422, json={"error": {"code": "invalid_request", "message": message,
                                               "details": [{"field": field, "problem": problem, "label": label}]}})


def page(items: list[dict], total: int | None = None) -> httpx.Response:
    return httpx.Response(200, json={"items": items, "total": len(items) if total is None else total,
                                     "next_cursor": None})


class TalentFundingWorld(World):
    """World with the rows and reads the talent and funding pages show, and the services' refusals."""

    contract_filing = "filed"

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        path, method = request.url.path, request.method
        body = json.loads(request.content) if request.content and method != "GET" else {}
        if method == "GET":
            return self.read(path, request.url.params)
        if path == "/workers" and body.get("id_number") == "bad":
            return invalid("id_number", "居民身份证号码校验位不正确", "居民身份证号码")
        if path.endswith("/exams/result") and body.get("exam_year") == 1900:
            return invalid("exam_year", "应在 2000 至 2100 之间", "考试年度")
        if path == "/contracts" and body.get("amount") == "abc":
            return invalid("amount", "应为金额", "金额")
        if path == "/hardship-spending" and not body.get("total"):
            return invalid("total", "不能为空", "困难群众救助资金支出总额")
        if path.endswith("/disbursements"):
            return httpx.Response(422, json={"error": {
                "code": "assistance_cap_exceeded", "details": {**CAP, "requested": "5000.00"},
                "message": "超出社会救助资金购买服务上限：…已使用 1,000.00 元，剩余额度 2,000.00 元，"
                           "本次拟从社会救助资金支付 5,000.00 元"}})
        return None

    def read(self, path: str, query: httpx.QueryParams) -> httpx.Response | None:
        area = query.get("area", "5104")
        if path == "/stations":
            return page([{"station_id": self.id(c, "station"), "name": f"{c}镇社工站", "area_code": TOWNSHIPS[c]}
                         for c in COUNTIES if TOWNSHIPS[c].startswith(area)])
        if path == "/sources":
            return page([{"area_code": COUNTIES["A"], "year": 2026, "source": "welfare_lottery",
                          "source_name": "市级福彩公益金", "budget": "50000.00", "spent": "0.00",
                          "balance": "50000.00"}])
        if path == "/filing-queue":
            return page([{"id": self.id("A", "contract"), "title": "攀莲社工中心", "type": "contract",
                          "type_label": "购买服务合同", "area_code": COUNTIES["A"], "filed_by": COUNTIES["A"],
                          "filed_with": "510400", "amount": "20000.00", "status": "pending", "status_label": "待备案",
                          "since": "2026-11-01", "waiting_days": 33},
                         {"id": PLAN_ID, "title": "米易县2027年度项目计划", "type": "plan",
                          "type_label": "年度项目计划", "area_code": COUNTIES["A"], "filed_by": COUNTIES["A"],
                          "filed_with": "510400", "amount": "90000.00", "status": "pending", "status_label": "待备案",
                          "since": "2026-11-20", "waiting_days": 14}])
        if path == "/talent/quota-items":
            return page([{"station_id": self.id("A", "station"), "area_code": TOWNSHIPS["A"],
                          "tier": "township_station", "year": 2026, "met": False, "unmet": "持证社工"}])
        if path == "/organisations":
            return page([{"organisation_id": self.id("A", "organisation"), "name": "攀莲志愿队", "status": "filed",
                          "host_station_id": self.id("A", "station"), "area_code": TOWNSHIPS["A"]}])
        if path.startswith("/assistance-cap/"):
            return httpx.Response(200, json=CAP)
        if path == f"/workers/{self.id('A', 'worker')}":
            return httpx.Response(200, json={"worker_id": self.id("A", "worker"), "name": "张社工",
                                             "station_id": self.id("A", "station"), "employment": "full_time",
                                             "area_code": TOWNSHIPS["A"]})
        if path == f"/contracts/{self.id('A', 'contract')}":
            return httpx.Response(200, json={
                "contract_id": self.id("A", "contract"), "provider_agency": "攀莲社工中心",
                "purchaser": "civil_affairs",
                "area_code": COUNTIES["A"], "funding_area_code": COUNTIES["A"],
                "filed_with": COUNTIES["A"][:4] + "00",
                "filing": self.contract_filing,
                "filing_label": {"filed": "已备案", "pending": "待备案"}[self.contract_filing],
                "period_start": "2026-01-01", "period_end": "2026-12-31",
                "signed_on": "2026-01-05", "service_items": ["社会救助"], "station_ids": [self.id("A", "station")],
                "balance": {"amount": "20000.00", "paid": "0.00", "remaining": "20000.00"}, "filings": [],
                "disbursements": [], "spot_checks": []})
        return None


@pytest.fixture
def world() -> TalentFundingWorld:
    return TalentFundingWorld()


@pytest.fixture
def app(tmp_path, world):
    app, _, _ = make_app(tmp_path, world=world)
    with TestClient(app) as api:
        admin = login(api, "admin", ADMIN_PASSWORD)
        for name, role, area in (("county", "county_admin", COUNTIES["A"]),
                                 ("city-funding", "funding_officer", "510400"),
                                 ("funding", "funding_officer", COUNTIES["A"]),
                                 ("operator", "station_operator", TOWNSHIPS["A"]),
                                 ("worker", "social_worker", TOWNSHIPS["A"]), ("auditor", "auditor", "510400"),
                                 ("sysadmin", "system_admin", "510400")):
            add_account(api, admin, name, role, area)
        yield app


def signed_in(app, username: str) -> TestClient:
    client = TestClient(app)
    reply = console_sign_in(client, username, PASSWORD)
    assert reply.status_code == 303, reply.text
    return client


def csrf_of(html: str) -> str:
    """The page's CSRF token, checking that every POST form carries it (and the same one)."""
    posts = len(re.findall(r'<form method="post"', html))
    tokens = re.findall(r'name="csrf" value="([^"]*)"', html)
    assert posts == len(tokens) and all(t == tokens[0] and t for t in tokens), "a form without the CSRF token"
    return tokens[0]


def menu_of(html: str) -> list[str]:
    nav = re.search(r'<nav[^>]*id="menu".*?</nav>', html, re.S)
    assert nav, "the page has no menu"
    return [re.sub(r"<[^>]+>", "", link).strip() for link in re.findall(r"<a [^>]*>.*?</a>", nav.group(0), re.S)]


@pytest.mark.parametrize("username, pages", [("county", TALENT_PAGES + FUNDING_PAGES), ("operator", TALENT_PAGES),
                                             ("funding", FUNDING_PAGES)])
def test_each_page_renders_for_a_role_that_may_see_it_with_the_csrf_token_in_every_form(app, username, pages):
    client = signed_in(app, username)
    for path in pages:
        reply = client.get(path)
        assert reply.status_code == 200, (path, reply.text[:300])
        csrf_of(reply.text)
        assert "<h1" in reply.text and 'lang="zh-CN"' in reply.text


def test_the_object_pages_render_with_their_forms(app, world):
    ids = world
    county = signed_in(app, "county")
    worker = county.get(f"/console/workers/{ids.id('A', 'worker')}")
    assert worker.status_code == 200 and "张社工" in worker.text and 'id="do-assignment"' in worker.text
    csrf_of(worker.text)
    contract = signed_in(app, "funding").get(f"/console/contracts/{ids.id('A', 'contract')}")
    assert contract.status_code == 200 and "剩余额度 2000.00 元" in contract.text
    assert 'id="do-disburse"' in contract.text
    csrf_of(contract.text)
    board = county.get("/console/organisations")
    assert "攀莲志愿队" in board.text and "开始孵化" in board.text
    queue = county.get("/console/contracts/queue", params={"q": "攀莲"})
    assert "攀莲社工中心" in queue.text and 'id="q-q"' in queue.text  # the queue is searched by agency


def test_the_filing_queue_links_contracts_and_says_how_a_plan_is_filed(app, world):
    queue = signed_in(app, "city-funding").get("/console/contracts/queue")
    assert queue.status_code == 200
    contract, plan = re.findall(r"<tr>.*?</tr>", queue.text, re.S)[1:]  # the header row first
    assert f'<a href="/console/contracts/{world.id("A", "contract")}">攀莲社工中心</a>' in contract
    assert "米易县2027年度项目计划" in plan and "/console/contracts/" not in plan  # no page to link: no 404
    assert f"POST /api/project-plans/{PLAN_ID}/filing" in plan and "控制台暂无年度项目计划页面" in plan


@pytest.mark.parametrize("username, absent, present", [
    ("funding", TALENT_MENU + ("登记社工",), FUNDING_MENU),
    ("worker", FUNDING_MENU + ("登记社工", "导入志愿者"), TALENT_MENU),
    ("auditor", TALENT_MENU + FUNDING_MENU, ()),
    ("sysadmin", TALENT_MENU + FUNDING_MENU, ()),
    ("operator", FUNDING_MENU, TALENT_MENU + ("登记社工", "导入志愿者")),
])
def test_the_pages_are_absent_from_the_menu_of_a_role_that_may_not_use_them(app, username, absent, present):
    landing = signed_in(app, username).get("/console/", follow_redirects=True)
    menu = menu_of(landing.text)
    assert not set(absent) & set(menu), f"{username} is offered {set(absent) & set(menu)}"
    assert set(present) <= set(menu), f"{username} misses {set(present) - set(menu)}"


def test_a_service_422_shows_next_to_its_field(app, world):
    ids = world
    county = signed_in(app, "county")
    token = csrf_of(county.get("/console/workers/new").text)
    bad = county.post("/console/workers/new", data={"csrf": token, "name": "李四", "id_number": "bad",
                                                    "phone": "13800000000", "role": "social_worker"})
    assert bad.status_code == 422 and 'id="id_number-error"' in bad.text and "校验位不正确" in bad.text
    assert 'value="李四"' in bad.text  # what was typed stays in the form
    exam = county.post(f"/console/workers/{ids.id('A', 'worker')}/act", data={
        "csrf": token, "action": "exams/result", "level": "assistant_social_worker", "exam_year": "1900",
        "passed": "true"})
    assert exam.status_code == 422 and 'id="exam-exam_year-error"' in exam.text
    funding = signed_in(app, "funding")
    token = csrf_of(funding.get("/console/contracts/new").text)
    contract = funding.post("/console/contracts/new", data={"csrf": token, "purchaser": "civil_affairs",
                                                            "provider_agency": "某中心", "amount": "abc",
                                                            "area_code": COUNTIES["A"], "source": "fiscal_county"})
    assert contract.status_code == 422 and 'id="amount-error"' in contract.text and "应为金额" in contract.text
    hardship = funding.post("/console/funding/hardship", data={"csrf": token, "area_code": COUNTIES["A"],
                                                               "year": "2025", "total": ""})
    assert hardship.status_code == 422 and 'id="total-error"' in hardship.text
    # the 3% cap's refusal names no field: it is the amount that exceeds the headroom, so it shows there
    paid = funding.post(f"/console/contracts/{ids.id('A', 'contract')}/act", data={
        "csrf": token, "action": "disbursements", "amount": "5000.00", "milestone": "首期",
        "source": "social_assistance"})
    assert paid.status_code == 422 and 'id="pay-amount-error"' in paid.text
    assert re.search(r'id="pay-amount-error">[^<]*剩余额度 2,000.00 元', paid.text)
    assert 'value="5000.00"' in paid.text and "剩余额度 2000.00 元" in paid.text  # the headroom stays shown


def test_a_contract_is_offered_for_filing_to_the_level_above_the_signer(app, world):
    world.contract_filing = "pending"
    contract = f"/console/contracts/{world.id('A', 'contract')}"
    county = signed_in(app, "funding").get(contract)  # the county signed it: it is filed with the city
    assert county.status_code == 200 and 'id="do-filing"' not in county.text and 'id="do-return"' not in county.text
    assert 'id="filing-note"' in county.text and "510400" in county.text
    city = signed_in(app, "city-funding").get(contract)
    assert city.status_code == 200 and 'id="do-filing"' in city.text and 'id="do-return"' in city.text
    csrf_of(city.text)
