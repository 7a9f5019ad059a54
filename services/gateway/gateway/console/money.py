"""Money beyond purchase contracts, under 资金: subsidies and awards, venture philanthropy rounds, charity special
funds and community funds, the community charity needs ledger and donation points. Each list page is the API's list
with its filters and, below it, the form that creates one; each item's page (a round, a fund, a need, a point) shows
it with the forms of what can be done to it (a round's applications, awards and payments, a fund's receipts and
payments, meeting a need, closing a point). A refusal shows in Chinese next to the field it names, or above the form
for a 409 such as a spent budget or a fund's balance."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from gateway.auth import Principal
from gateway.console import lists
from gateway.console.lists import Column, Filter, ListView
from gateway.console.names import SOURCE_KINDS
from gateway.console.session import PageModule, PageRoute

# The funding service's codes (funding/domain/vocabulary.py) and their labels.
PUBLIC_SOURCES = {k: SOURCE_KINDS[k] for k in ("welfare_lottery", "governance_pilot", "fiscal_award_subsidy",
                                               "provincial_pilot_award", "fiscal_county")}
GRANT_KINDS = {"subsidy": "补贴", "award": "奖励"}
FUND_KINDS = {"community_fund": "社区基金", "charity_fund": "慈善专项基金"}
DONOR_KINDS = {"enterprise": "企业", "foundation": "基金会", "charity_organisation": "慈善组织", "individual": "个人"}
RESOURCE_KINDS = {"community_fund": "社区基金", "charity_fund": "慈善专项基金", "donation_point": "慈善捐赠点",
                  "charity_organisation": "慈善组织", "enterprise": "企业", "volunteers": "志愿服务", "other": "其他"}
CATEGORIES = {"elderly": "养老", "disability": "助残", "children": "扶幼", "vulnerable": "济弱", "hardship": "帮困",
              "training": "人才培训", "other": "其他"}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, date, number, area, station, select, textarea
    options: dict[str, str] | None = None
    required: bool = True


def body_of(fields: tuple[Field, ...], form: dict[str, str]) -> dict[str, Any]:
    """The API body: the fields filled in (an empty optional one left out), numbers as numbers, purposes a list."""
    body: dict[str, Any] = {}
    for f in fields:
        value = form.get(f.name, "").strip()
        if not value and not f.required:
            continue
        if f.name == "purposes":
            body[f.name] = [value] if value else []
        elif f.kind == "number" and value.isdigit():
            body[f.name] = int(value)
        else:
            body[f.name] = value
    return body


@dataclass(frozen=True)
class Action:
    """A command on one item: its form, and the API path below the item's ({application_no}: a form field)."""

    slug: str
    heading: str
    path: str
    fields: tuple[Field, ...]
    function: str
    notice: str
    only_when: str | None = None  # the item's status in which the command applies (a need is met once)

    def api_path(self, form: dict[str, str]) -> str:
        return self.path.format(**{f.name: quote(form.get(f.name, "").strip() or "-", safe="")
                                   for f in self.fields if "{" + f.name + "}" in self.path})

    def body(self, form: dict[str, str]) -> dict[str, Any]:
        return body_of(tuple(f for f in self.fields if "{" + f.name + "}" not in self.path), form)


@dataclass(frozen=True)
class Page:
    slug: str  # /console/funding/<slug>
    view: ListView
    api: str  # the API path a form POSTs to
    heading: str  # the form's heading
    fields: tuple[Field, ...]
    function: str  # the gateway function the form needs (the menu and the API check it too)
    notice: str
    # an item's page: what it shows of the item ((key, label)), its sub-rows (key, columns), and its actions
    shown: tuple[tuple[str, str], ...] = ()
    rows: tuple[str, tuple[tuple[str, str], ...]] | None = None
    actions: tuple[Action, ...] = ()
    labels: dict[str, str] | None = None  # the Chinese of the codes the item's page shows (statuses, kinds)

    def body(self, form: dict[str, str]) -> dict[str, Any]:
        return body_of(self.fields, form)


def _area() -> Field:
    return Field("area_code", "行政区划（须在本辖区内）", "area")


def _station() -> Field:
    return Field("station_id", "服务站点（可不选）", "station", required=False)


PAGES = (
    Page("grants", ListView(
        "/grants", "补贴奖励", id_key="grant_id", search="受资助机构",
        columns=(Column("kind_label", "类别"), Column("organisation", "受资助机构"), Column("purpose", "事由"),
                 Column("area_code", "区划"), Column("source_name", "资金来源"), Column("amount", "金额（元）"),
                 Column("awarded_on", "发放日期")),
        filters=(Filter("year", "年度"), Filter("kind", "类别", GRANT_KINDS),
                 Filter("source", "资金来源", PUBLIC_SOURCES))),
        "/grants", "发放补贴或奖励",
        (Field("kind", "类别", "select", GRANT_KINDS), Field("organisation", "受资助机构"), Field("purpose", "事由"),
         _area(), _station(), Field("source", "资金来源", "select", PUBLIC_SOURCES), Field("amount", "金额（元）"),
         Field("awarded_on", "发放日期（留空为今天）", "date", required=False)),
        "funding_write", "已发放，并已从该县(区)当年的资金来源预算中支出。"),
    Page("ventures", ListView(
        "/venture-rounds", "公益创投", id_key="round_id", search="创投名称",
        columns=(Column("title", "创投名称", link="/console/funding/ventures/"), Column("area_code", "区划"),
                 Column("year", "年度"),
                 Column("source_name", "资金来源"), Column("budget", "资金总额（元）"),
                 Column("applications", "申报数"),
                 Column("awards", "资助项目数"), Column("awarded", "已资助（元）"), Column("paid", "已拨付（元）"),
                 Column("closes_on", "申报截止")),
        filters=(Filter("year", "年度"),)),
        "/venture-rounds", "开展一轮公益创投",
        (Field("title", "创投名称"), Field("area_code", "开展的县(区)或市（6 位代码）", "area"),
         Field("year", "年度", "number"), Field("source", "资金来源", "select", PUBLIC_SOURCES),
         Field("budget", "资金总额（元）"), Field("opened_on", "申报开始（留空为今天）", "date", required=False),
         Field("closes_on", "申报截止", "date")),
        "funding_write", "公益创投已开始申报。",
        shown=(("title", "创投名称"), ("area_code", "区划"), ("year", "年度"), ("source_name", "资金来源"),
               ("budget", "资金总额（元）"), ("awarded", "已资助（元）"), ("paid", "已拨付（元）"),
               ("opened_on", "申报开始"), ("closes_on", "申报截止")),
        rows=("applications", (("application_no", "编号"), ("organisation", "申报机构"), ("project", "项目"),
                               ("area_code", "区划"), ("requested", "申请（元）"), ("awarded", "资助（元）"),
                               ("paid", "已拨付（元）"))),
        actions=(
            Action("apply", "登记申报", "/applications",
                   (Field("organisation", "申报机构"), Field("project", "项目名称"), _area(), _station(),
                    Field("requested", "申请金额（元）"),
                    Field("applied_on", "申报日期（留空为今天）", "date", required=False)),
                   "funding_write", "申报已登记。"),
            Action("award", "资助", "/applications/{application_no}/award",
                   (Field("application_no", "申报编号", "number"), Field("amount", "资助金额（元）"),
                    Field("awarded_on", "资助日期（留空为今天）", "date", required=False)),
                   "funding_write", "已资助。"),
            Action("pay", "拨付", "/applications/{application_no}/disbursements",
                   (Field("application_no", "申报编号", "number"), Field("amount", "拨付金额（元）"),
                    Field("paid_on", "拨付日期（留空为今天）", "date", required=False)),
                   "funding_write", "已拨付，并已从该县(区)当年的资金来源预算中支出。"),
        )),
    Page("funds", ListView(
        "/funds", "慈善专项基金与社区基金", id_key="fund_id", search="基金名称",
        columns=(Column("kind_label", "类别"), Column("name", "基金名称", link="/console/funding/funds/"),
                 Column("area_code", "区划"),
                 Column("organisation", "设立机构"), Column("received", "累计收入（元）"),
                 Column("paid", "累计支出（元）"),
                 Column("balance", "余额（元）"), Column("established_on", "设立日期")),
        filters=(Filter("kind", "类别", FUND_KINDS),)),
        "/funds", "设立基金",
        (Field("kind", "类别", "select", FUND_KINDS), Field("name", "基金名称"), _area(), _station(),
         Field("organisation", "设立的慈善组织（慈善专项基金必填）", required=False),
         Field("purposes", "用途（慈善专项基金必选）", "select", CATEGORIES, required=False),
         Field("established_on", "设立日期（留空为今天）", "date", required=False)),
        "funding_write", "基金已设立。",
        shown=(("name", "基金名称"), ("kind_label", "类别"), ("area_code", "区划"), ("organisation", "设立机构"),
               ("established_on", "设立日期"), ("received", "累计收入（元）"), ("paid", "累计支出（元）"),
               ("balance", "余额（元）")),
        rows=("entries", (("on", "日期"), ("type", "收支"), ("amount", "金额（元）"), ("donor_kind", "捐赠人类别"),
                          ("project", "资助项目"), ("balance", "余额（元）"))),
        actions=(
            Action("receive", "登记收入", "/receipts",
                   (Field("donor_kind", "捐赠人类别", "select", DONOR_KINDS),
                    Field("donor_name", "捐赠单位（个人捐赠不填）", required=False), Field("amount", "金额（元）"),
                    Field("received_on", "收入日期（留空为今天）", "date", required=False)),
                   "funding_write", "收入已登记。"),
            Action("pay", "登记支出", "/payments",
                   (Field("project", "资助项目"), Field("category", "用途", "select", CATEGORIES),
                    Field("amount", "金额（元）"), Field("paid_on", "支出日期（留空为今天）", "date", required=False)),
                   "funding_write", "支出已登记。"),
        ), labels={"received": "收入", "paid": "支出", **DONOR_KINDS}),
    Page("needs", ListView(
        "/charity/needs", "社区慈善服务需求台账", id_key="need_id", search="需求概述",
        columns=(Column("category_label", "需求类别"), Column("summary", "需求概述", link="/console/funding/needs/"),
                 Column("area_code", "区划"),
                 Column("recorded_on", "登记日期"), Column("status_label", "状态"), Column("resource_name", "对接资源"),
                 Column("met_on", "对接日期")),
        filters=(Filter("category", "需求类别", CATEGORIES),
                 Filter("status", "状态", {"open": "待对接", "met": "已对接"}))),
        "/charity/needs", "登记慈善服务需求",
        (Field("area_code", "村(社区)或乡镇(街道)", "area"), _station(),
         Field("category", "需求类别", "select", CATEGORIES),
         Field("summary", "需求概述（不得填写个人信息）", "textarea"),
         Field("recorded_on", "登记日期（留空为今天）", "date", required=False)),
        "service_write", "需求已登记。",
        shown=(("category_label", "需求类别"), ("summary", "需求概述"), ("area_code", "区划"),
               ("recorded_on", "登记日期"), ("status", "状态"), ("resource_name", "对接资源"), ("met_on", "对接日期")),
        actions=(
            Action("meet", "对接慈善资源", "/meeting",
                   (Field("resource_kind", "资源类别", "select", RESOURCE_KINDS), Field("resource_name", "资源名称"),
                    Field("met_on", "对接日期（留空为今天）", "date", required=False)),
                   "service_write", "需求已对接。", only_when="open"),
        ), labels={"open": "待对接", "met": "已对接", **RESOURCE_KINDS}),
    Page("donation-points", ListView(
        "/charity/donation-points", "社区慈善捐赠点", id_key="point_id", search="捐赠点名称",
        columns=(Column("name", "捐赠点名称", link="/console/funding/donation-points/"), Column("area_code", "区划"),
                 Column("operator", "运营慈善组织"),
                 Column("location", "设置地点"), Column("opened_on", "设立日期"), Column("status_label", "状态")),
        filters=(Filter("status", "状态", {"open": "运行中", "closed": "已撤销"}),)),
        "/charity/donation-points", "设立慈善捐赠点",
        (Field("name", "捐赠点名称"), Field("area_code", "村(社区)或乡镇(街道)", "area"),
         Field("operator", "联合设立的慈善组织"), Field("location", "设置地点"),
         Field("opened_on", "设立日期（留空为今天）", "date", required=False)),
        "service_write", "捐赠点已设立。",
        shown=(("name", "捐赠点名称"), ("area_code", "区划"), ("operator", "运营慈善组织"), ("location", "设置地点"),
               ("opened_on", "设立日期"), ("status", "状态"), ("closed_on", "撤销日期")),
        actions=(
            Action("close", "撤销捐赠点", "/closing",
                   (Field("closed_on", "撤销日期（留空为今天）", "date", required=False),),
                   "service_write", "捐赠点已撤销。", only_when="open"),
        ), labels={"open": "运行中", "closed": "已撤销"}),
)
BY_SLUG = {page.slug: page for page in PAGES}


class MoneyPages(PageModule):
    def routes(self) -> list[PageRoute]:
        found: list[PageRoute] = []
        for page in PAGES:
            found += [("GET", f"/console/funding/{page.slug}", self.show),
                      ("POST", f"/console/funding/{page.slug}", self.create)]
            if page.actions:
                found += [("GET", f"/console/funding/{page.slug}/{{item_id}}", self.item),
                          ("POST", f"/console/funding/{page.slug}/{{item_id}}/{{action}}", self.act)]
        return found

    async def _stations(self, token: str, forms: tuple[Page | Action, ...]) -> dict[str, str]:
        """The open stations to choose from, when one of the forms asks for a station."""
        if not any(f.kind == "station" for form in forms for f in form.fields):
            return {}
        reply = await self.c.api(token, "GET", "/stations", params={"status": "opened", "limit": "200",
                                                                    "sort": "name"})
        return {str(s.get("station_id")): f"{s.get('name')}（{s.get('area_code')}）" for s in reply.items}

    @staticmethod
    def _page(request: Request) -> Page:
        return BY_SLUG[request.url.path.rstrip("/").rsplit("/", 1)[-1]]

    async def show(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                   errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Response:
        page = self._page(request)
        stations = await self._stations(token, (page,))
        response = await lists.show(
            self.c, request, p, token, page.view, "money_list.html", page=page, stations=stations,
            form_error=error, form_errors=errors or {}, values=values or {"area_code": p.area_code},
            notice=page.notice if request.query_params.get("notice") == "created" else "")
        if status != 200:
            response.status_code = status
        return response

    async def create(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        page = self._page(request)
        reply = await self.c.api(token, "POST", page.api, page.body(form))
        if not reply.ok:
            status = reply.status if 400 <= reply.status < 500 else 502
            return await self.show(request, p, token, status, reply.message, reply.field_errors, form)
        return RedirectResponse(f"/console/funding/{page.slug}?notice=created", status_code=303)

    @staticmethod
    def _item_page(request: Request) -> Page:
        return BY_SLUG[request.url.path.split("/")[3]]

    async def item(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                   errors: dict[str, str] | None = None, failed: str = "",
                   values: dict[str, str] | None = None) -> Response:
        page = self._item_page(request)
        item_id = quote(request.path_params["item_id"], safe="")
        reply, stations = await asyncio.gather(self.c.api(token, "GET", f"{page.api}/{item_id}"),
                                               self._stations(token, page.actions))
        if not reply.ok:
            return self.c.failed(request, p, reply, f"无法显示该{page.view.title}")
        notices = {a.slug: a.notice for a in page.actions}
        return self.c.render("money_item.html", request, status, p, page=page, item=reply.data,
                             item_href=f"/console/funding/{page.slug}/{item_id}", stations=stations,
                             form_error=error, form_errors=errors or {}, failed=failed, values=values or {},
                             notice=notices.get(request.query_params.get("notice", ""), ""))

    async def act(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        page = self._item_page(request)
        item_id = quote(request.path_params["item_id"], safe="")
        action = next((a for a in page.actions if a.slug == request.path_params["action"]), None)
        if action is None:
            return await self.item(request, p, token, 422, "请选择要执行的操作")
        reply = await self.c.api(token, "POST", f"{page.api}/{item_id}{action.api_path(form)}", action.body(form))
        if not reply.ok:
            status = reply.status if 400 <= reply.status < 500 else 502
            return await self.item(request, p, token, status, reply.message, reply.field_errors, action.slug, form)
        return RedirectResponse(f"/console/funding/{page.slug}/{item_id}?notice={action.slug}", status_code=303)
