"""Money beyond purchase contracts, under 资金: subsidies and awards, venture philanthropy rounds, charity special
funds and community funds, the community charity needs ledger and donation points. Each page is the API's list with
its filters and, below it, the form that creates one (a refusal shown in Chinese next to the field it names, or
above the form for a 409 such as a spent budget). Applications, awards and payments of a venture round, a fund's
receipts and payments, meeting a need and closing a point are the API's (POST /api/venture-rounds/{id}/..., ...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
CATEGORIES = {"elderly": "养老", "disability": "助残", "children": "扶幼", "vulnerable": "济弱", "hardship": "帮困",
              "training": "人才培训", "other": "其他"}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, date, number, area, station, select, textarea
    options: dict[str, str] | None = None
    required: bool = True


@dataclass(frozen=True)
class Page:
    slug: str  # /console/funding/<slug>
    view: ListView
    api: str  # the API path a form POSTs to
    heading: str  # the form's heading
    fields: tuple[Field, ...]
    function: str  # the gateway function the form needs (the menu and the API check it too)
    notice: str

    def body(self, form: dict[str, str]) -> dict[str, Any]:
        """The API body: the fields filled in (an empty optional one left out), years as numbers, purposes a list."""
        body: dict[str, Any] = {}
        for f in self.fields:
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
        columns=(Column("title", "创投名称"), Column("area_code", "区划"), Column("year", "年度"),
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
        "funding_write", "公益创投已开始申报。"),
    Page("funds", ListView(
        "/funds", "慈善专项基金与社区基金", id_key="fund_id", search="基金名称",
        columns=(Column("kind_label", "类别"), Column("name", "基金名称"), Column("area_code", "区划"),
                 Column("organisation", "设立机构"), Column("received", "累计收入（元）"),
                 Column("paid", "累计支出（元）"),
                 Column("balance", "余额（元）"), Column("established_on", "设立日期")),
        filters=(Filter("kind", "类别", FUND_KINDS),)),
        "/funds", "设立基金",
        (Field("kind", "类别", "select", FUND_KINDS), Field("name", "基金名称"), _area(), _station(),
         Field("organisation", "设立的慈善组织（慈善专项基金必填）", required=False),
         Field("purposes", "用途（慈善专项基金必选）", "select", CATEGORIES, required=False),
         Field("established_on", "设立日期（留空为今天）", "date", required=False)),
        "funding_write", "基金已设立。"),
    Page("needs", ListView(
        "/charity/needs", "社区慈善服务需求台账", id_key="need_id", search="需求概述",
        columns=(Column("category_label", "需求类别"), Column("summary", "需求概述"), Column("area_code", "区划"),
                 Column("recorded_on", "登记日期"), Column("status_label", "状态"), Column("resource_name", "对接资源"),
                 Column("met_on", "对接日期")),
        filters=(Filter("category", "需求类别", CATEGORIES),
                 Filter("status", "状态", {"open": "待对接", "met": "已对接"}))),
        "/charity/needs", "登记慈善服务需求",
        (Field("area_code", "村(社区)或乡镇(街道)", "area"), _station(),
         Field("category", "需求类别", "select", CATEGORIES),
         Field("summary", "需求概述（不得填写个人信息）", "textarea"),
         Field("recorded_on", "登记日期（留空为今天）", "date", required=False)),
        "service_write", "需求已登记。"),
    Page("donation-points", ListView(
        "/charity/donation-points", "社区慈善捐赠点", id_key="point_id", search="捐赠点名称",
        columns=(Column("name", "捐赠点名称"), Column("area_code", "区划"), Column("operator", "运营慈善组织"),
                 Column("location", "设置地点"), Column("opened_on", "设立日期"), Column("status_label", "状态")),
        filters=(Filter("status", "状态", {"open": "运行中", "closed": "已撤销"}),)),
        "/charity/donation-points", "设立慈善捐赠点",
        (Field("name", "捐赠点名称"), Field("area_code", "村(社区)或乡镇(街道)", "area"),
         Field("operator", "联合设立的慈善组织"), Field("location", "设置地点"),
         Field("opened_on", "设立日期（留空为今天）", "date", required=False)),
        "service_write", "捐赠点已设立。"),
)
BY_SLUG = {page.slug: page for page in PAGES}


class MoneyPages(PageModule):
    def routes(self) -> list[PageRoute]:
        found: list[PageRoute] = []
        for page in PAGES:
            found += [("GET", f"/console/funding/{page.slug}", self.show),
                      ("POST", f"/console/funding/{page.slug}", self.create)]
        return found

    @staticmethod
    def _page(request: Request) -> Page:
        return BY_SLUG[request.url.path.rstrip("/").rsplit("/", 1)[-1]]

    async def show(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                   errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Response:
        page = self._page(request)
        stations: dict[str, str] = {}
        if any(f.kind == "station" for f in page.fields):
            reply = await self.c.api(token, "GET", "/stations", params={"status": "opened", "limit": "200",
                                                                        "sort": "name"})
            stations = {str(s.get("station_id")): f"{s.get('name')}（{s.get('area_code')}）" for s in reply.items}
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
