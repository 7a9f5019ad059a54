"""The console's pages of money beyond purchases and community charity (资金 → 补贴奖励, 公益创投, 基金, 需求台账,
捐赠点) without a browser, on stand-in services: each lists the API's rows with its filters passed on, offers its
create form (with the session's CSRF token) only to a role whose function allows it, sends the form as the API's
body, shows a 422 next to the field it names and a 409 (a spent budget) above the form, and says what was done."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from fastapi.testclient import TestClient
from gateway.console.money import PAGES
from gateway.testing import ADMIN_PASSWORD, COUNTIES, TOWNSHIPS, World, add_account, login, make_app

from .test_console_talent_funding import csrf_of, signed_in

ROWS = {
    "/grants": {"grant_id": "g1", "kind": "subsidy", "kind_label": "补贴", "organisation": "攀莲社工中心",
                "purpose": "运营补贴", "area_code": TOWNSHIPS["A"], "source_name": "县(区)财政资金",
                "amount": "3000.00", "awarded_on": "2026-05-01"},
    "/venture-rounds": {"round_id": "r1", "title": "2026年公益创投", "area_code": COUNTIES["A"], "year": 2026,
                        "source_name": "市级福彩公益金", "budget": "150000.00", "applications": 2, "awards": 1,
                        "awarded": "60000.00", "paid": "0.00", "closes_on": "2026-03-31"},
    "/funds": {"fund_id": "f1", "kind_label": "社区基金", "name": "金沙社区基金", "area_code": TOWNSHIPS["A"],
               "organisation": None, "received": "4000.00", "paid": "1000.00", "balance": "3000.00",
               "established_on": "2026-01-05"},
    "/charity/needs": {"need_id": "n1", "category_label": "养老", "summary": "高龄老人助餐",
                       "area_code": TOWNSHIPS["A"], "recorded_on": "2026-02-10", "status_label": "待对接",
                       "resource_name": None, "met_on": None},
    "/charity/donation-points": {"point_id": "p1", "name": "金沙捐赠点", "area_code": TOWNSHIPS["A"],
                                 "operator": "慈善会", "location": "党群服务中心", "opened_on": "2026-01-20",
                                 "status_label": "运行中"},
}


# What funding shows of one item of county A, by kind (the gateway reads its area_code for the scope check).
ITEMS = {
    "venture_round": {"title": "2026年公益创投", "area_code": COUNTIES["A"], "year": 2026, "budget": "150000.00",
                      "applications": [{"application_no": 1, "organisation": "攀莲社工中心", "project": "儿童陪伴",
                                        "area_code": TOWNSHIPS["A"], "requested": "60000.00", "awarded": None,
                                        "paid": "0.00"}]},
    "fund": {"kind_label": "社区基金", "name": "金沙社区基金", "area_code": TOWNSHIPS["A"], "balance": "3000.00",
             "entries": [{"on": "2026-01-06", "type": "received", "amount": "3000.00", "donor_kind": "individual",
                          "balance": "3000.00"}]},
    "charity_need": {"category_label": "养老", "summary": "高龄老人助餐", "area_code": TOWNSHIPS["A"],
                     "status": "open"},
    "charity_point": {"name": "金沙捐赠点", "area_code": TOWNSHIPS["A"], "status": "open"},
}
ITEM_PATHS = {"venture_round": ("ventures", "/venture-rounds"), "fund": ("funds", "/funds"),
              "charity_need": ("needs", "/charity/needs"),
              "charity_point": ("donation-points", "/charity/donation-points")}


class MoneyWorld(World):
    """The funding service's lists and items and its answers to the forms: a spent budget, a bad amount, done."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[tuple[str, dict]] = []

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        if request.method == "GET" and path in ROWS:
            return httpx.Response(200, json={"items": [ROWS[path]], "total": 1, "next_cursor": None})
        for kind, (_, api) in ITEM_PATHS.items():
            if path == f"{api}/{self.id('A', kind)}":
                if request.method == "GET":
                    return httpx.Response(200, json=ITEMS[kind])
        if request.method == "POST" and any(path.startswith(f"{api}/") for _, api in ITEM_PATHS.values()):
            body = json.loads(request.content)
            self.posted.append((path, body))
            if body.get("amount") == "999999.00":
                return httpx.Response(409, json={"error": {"code": "conflict", "message": "基金余额不足"}})
            return httpx.Response(200, json={"ok": True})
        if request.method == "GET" and path == "/stations":
            return httpx.Response(200, json={"items": [{"station_id": self.id("A", "station"), "name": "A镇社工站",
                                                        "area_code": TOWNSHIPS["A"]}], "total": 1,
                                             "next_cursor": None})
        if request.method != "POST" or path not in ROWS:
            return None
        body = json.loads(request.content)
        self.posted.append((path, body))
        if body.get("amount") == "abc":
            return httpx.Response(422, json={"error": {"code": "invalid_request",
                                                       "message": "请求内容无效：金额(amount)",
                                                       "details": [{"field": "amount", "problem": "格式不正确",
                                                                    "label": "金额"}]}})
        if body.get("amount") == "999999.00":
            return httpx.Response(409, json={"error": {"code": "budget_exceeded",
                                                       "message": "县级财政资金预算不足：余额 0.00 元"}})
        return httpx.Response(201, json={"ok": True})


@pytest.fixture
def world() -> MoneyWorld:
    return MoneyWorld()


@pytest.fixture
def app(tmp_path, world):
    app, _, _ = make_app(tmp_path, world=world)
    with TestClient(app) as api:
        admin = login(api, "admin", ADMIN_PASSWORD)
        for name, role, area in (("county", "county_admin", COUNTIES["A"]),
                                 ("funding", "funding_officer", COUNTIES["A"]), ("auditor", "auditor", "510400")):
            add_account(api, admin, name, role, area)
        yield app


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.slug)
def test_each_page_lists_the_rows_and_offers_its_form_to_a_role_that_may_create(app, world, page):
    county = signed_in(app, "county")
    listing = county.get(f"/console/funding/{page.slug}", params={"area": COUNTIES["A"]})
    assert listing.status_code == 200, listing.text[:300]
    row = ROWS[page.view.path]
    assert all(str(row[c.key]) in listing.text for c in page.view.columns if row.get(c.key) is not None)
    assert 'id="create-form"' in listing.text and page.heading in listing.text
    csrf_of(listing.text)
    asked = [r for r in world.requests if r.method == "GET" and r.url.path == page.view.path]
    assert asked[-1].url.params["area"] == COUNTIES["A"]
    # the funding officer keeps the money, not the charity ledger (service_write): no form there
    officer = signed_in(app, "funding").get(f"/console/funding/{page.slug}")
    assert officer.status_code == 200
    assert ('id="create-form"' in officer.text) == (page.function == "funding_write")


def test_a_grant_form_becomes_the_api_body_and_its_refusals_show_in_chinese(app, world):
    county = signed_in(app, "county")
    form = {"kind": "subsidy", "organisation": "攀莲社工中心", "purpose": "运营补贴", "area_code": TOWNSHIPS["A"],
            "station_id": "", "source": "fiscal_county", "amount": "abc", "awarded_on": ""}
    page = county.get("/console/funding/grants")
    bad = county.post("/console/funding/grants", data={**form, "csrf": csrf_of(page.text)})
    assert bad.status_code == 422
    assert re.search(r'id="amount-error">格式不正确<', bad.text) and 'value="攀莲社工中心"' in bad.text
    spent = county.post("/console/funding/grants", data={**form, "amount": "999999.00", "csrf": csrf_of(page.text)})
    assert spent.status_code == 409 and "预算不足" in spent.text
    done = county.post("/console/funding/grants", data={**form, "amount": "3000.00", "csrf": csrf_of(page.text)},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/console/funding/grants?notice=created"
    assert "已发放" in county.get(done.headers["location"]).text
    # an optional field left empty is not sent; the rest as typed
    assert world.posted[-1] == ("/grants", {k: v for k, v in {**form, "amount": "3000.00"}.items() if v})


def test_a_fund_sends_its_purpose_as_a_list_and_a_venture_its_year_as_a_number(app, world):
    county = signed_in(app, "county")
    token = csrf_of(county.get("/console/funding/funds").text)
    county.post("/console/funding/funds", data={"csrf": token, "kind": "charity_fund", "name": "助残专项基金",
                                                "area_code": TOWNSHIPS["A"], "station_id": world.id("A", "station"),
                                                "organisation": "市慈善总会", "purposes": "disability"})
    assert world.posted[-1][1]["purposes"] == ["disability"]
    county.post("/console/funding/ventures", data={"csrf": token, "title": "创投", "area_code": COUNTIES["A"],
                                                   "year": "2026", "source": "welfare_lottery", "budget": "100.00",
                                                   "closes_on": "2026-03-31"})
    assert world.posted[-1] == ("/venture-rounds", {"title": "创投", "area_code": COUNTIES["A"], "year": 2026,
                                                    "source": "welfare_lottery", "budget": "100.00",
                                                    "closes_on": "2026-03-31"})


def test_the_menu_offers_the_pages_under_funding_and_not_to_an_auditor(app):
    def menu(username: str) -> str:
        return signed_in(app, username).get("/console/", follow_redirects=True).text

    labels = ("补贴奖励", "公益创投", "慈善专项基金与社区基金", "慈善服务需求台账", "慈善捐赠点")
    assert all(label in menu("funding") for label in labels)
    assert not any(label in menu("auditor") for label in labels)


@pytest.mark.parametrize("kind", ITEM_PATHS)
def test_an_items_page_shows_it_and_the_forms_of_what_can_be_done_to_it(app, world, kind):
    slug, _ = ITEM_PATHS[kind]
    page = signed_in(app, "county").get(f"/console/funding/{slug}/{world.id('A', kind)}")
    assert page.status_code == 200, page.text[:300]
    csrf_of(page.text)
    shown = ITEMS[kind]
    assert all(str(v) in page.text for v in shown.values() if isinstance(v, str) and v not in ("open", "received"))
    actions = {"venture_round": ("apply", "award", "pay"), "fund": ("receive", "pay"), "charity_need": ("meet",),
               "charity_point": ("close",)}[kind]
    assert all(f'id="{a}-form"' in page.text for a in actions)
    # codes in Chinese: a point's status, a fund entry's type and donor kind
    assert {"charity_point": "运行中", "charity_need": "待对接", "fund": "个人", "venture_round": "儿童陪伴"}[kind] in (
        page.text)
    # another county's item: the gateway's 404, the console's error page
    other = signed_in(app, "county").get(f"/console/funding/{slug}/{world.id('B', kind)}")
    assert other.status_code == 404


def test_an_award_goes_to_its_applications_path_and_a_fund_refusal_shows_above_its_form(app, world):
    county = signed_in(app, "county")
    venture = world.id("A", "venture_round")
    token = csrf_of(county.get(f"/console/funding/ventures/{venture}").text)
    done = county.post(f"/console/funding/ventures/{venture}/award",
                       data={"csrf": token, "application_no": "1", "amount": "50000.00", "awarded_on": ""},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?notice=award")
    assert world.posted[-1] == (f"/venture-rounds/{venture}/applications/1/award", {"amount": "50000.00"})
    assert "已资助" in county.get(done.headers["location"]).text
    fund = world.id("A", "fund")
    refused = county.post(f"/console/funding/funds/{fund}/pay", data={
        "csrf": token, "project": "助老餐", "category": "elderly", "amount": "999999.00"})
    assert refused.status_code == 409 and "基金余额不足" in refused.text
    assert 'value="助老餐"' in refused.text  # the refused form keeps what was typed
    assert world.posted[-1] == (f"/funds/{fund}/payments", {"project": "助老餐", "category": "elderly",
                                                            "amount": "999999.00"})


@pytest.mark.parametrize("kind, action", [("charity_need", "meet"), ("charity_point", "close")])
def test_a_met_need_or_closed_point_offers_its_command_no_more(app, world, kind, action, monkeypatch):
    slug, _ = ITEM_PATHS[kind]
    monkeypatch.setitem(ITEMS, kind, {**ITEMS[kind], "status": "met" if kind == "charity_need" else "closed"})
    page = signed_in(app, "county").get(f"/console/funding/{slug}/{world.id('A', kind)}")
    assert page.status_code == 200, page.text[:300]
    assert f'id="{action}-form"' not in page.text
