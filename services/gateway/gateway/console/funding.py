"""Funding: budgets, contracts (sign, file, return, spot-check), instalments and disbursements with the 3%
headroom shown before a payment from social assistance funds is submitted, the filing queue, and the
hardship spending the cap is computed from."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pzh_shared import areas as codes

from gateway.auth import Principal
from gateway.console import lists
from gateway.console.lists import Column, Filter, ListView
from gateway.console.names import PURCHASERS, SOURCE_KINDS
from gateway.console.session import PageModule, PageRoute, Reply, today

SOURCES = ListView(
    "/sources", "预算",
    columns=(Column("area_code", "区划"), Column("year", "年度"), Column("source_name", "资金来源"),
             Column("budget", "预算（元）"), Column("spent", "已支出（元）"), Column("balance", "余额（元）")),
    filters=(Filter("year", "年度"), Filter("source", "资金来源", SOURCE_KINDS)))
CONTRACTS = ListView(
    "/contracts", "购买服务合同", id_key="contract_id", search="承接机构",
    columns=(Column("provider_agency", "承接机构", link="/console/contracts/"),
             Column("purchaser", "购买主体", PURCHASERS),
             Column("area_code", "区划"), Column("year", "年度"), Column("amount", "金额（元）"),
             Column("paid", "已拨付（元）"), Column("status_label", "状态"), Column("signed_on", "签订日期")),
    filters=(Filter("station_id", "站点", hidden=True), Filter("year", "年度"),
             Filter("status", "状态", {"signed": "待备案", "filed": "已备案", "returned": "已退回",
                                       "spot_checked": "已抽查"})))
QUEUE = ListView(
    "/filing-queue", "待备案", id_key="id", search="承接机构或计划名称",
    columns=(Column("title", "合同或计划", link="/console/contracts/", link_when=("type", "contract")),
             Column("type_label", "类型"),
             Column("area_code", "区划"), Column("filed_by", "报送单位"), Column("filed_with", "受理单位"),
             Column("amount", "金额（元）"), Column("status_label", "状态"), Column("since", "等待起始"),
             Column("waiting_days", "已等待（天）")),
    filters=(Filter("type", "类型", {"contract": "购买服务合同", "plan": "年度项目计划"}),
             Filter("status", "状态", {"pending": "待备案", "returned": "已退回"})))
CONTRACT_ACTIONS = {"filing": "已备案", "return": "已退回", "spot-checks": "已登记抽查", "disbursements": "已拨付"}


def _status(reply: Reply) -> int:
    return reply.status if 400 <= reply.status < 500 else 502


def _code(reply: Reply) -> str:
    error = reply.data.get("error") if isinstance(reply.data, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class FundingPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [
            ("GET", "/console/funding/sources", self.sources),
            ("GET", "/console/funding/cap", self.cap),
            ("POST", "/console/funding/hardship", self.hardship),
            ("GET", "/console/contracts", self.contracts),
            ("GET", "/console/contracts/queue", self.queue),
            ("GET", "/console/contracts/new", self.contract_new),
            ("POST", "/console/contracts/new", self.contract_sign),
            ("GET", "/console/contracts/{contract_id}", self.contract_page),
            ("POST", "/console/contracts/{contract_id}/act", self.contract_act),
        ]

    async def sources(self, request: Request, p: Principal, token: str) -> Response:
        return await lists.show(self.c, request, p, token, SOURCES)

    async def contracts(self, request: Request, p: Principal, token: str) -> Response:
        return await lists.show(self.c, request, p, token, CONTRACTS)

    async def queue(self, request: Request, p: Principal, token: str) -> Response:
        # a contract links to its page; a plan has no console page yet, so its row says how it is filed
        return await lists.show(self.c, request, p, token, QUEUE, "filing_queue.html")

    # --- the 3% cap -------------------------------------------------------------------------------------------

    async def cap(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                  errors: dict[str, str] | None = None) -> Response:
        areas = await lists.area_options(self.c, token, p)
        counties = {code: name for code, name in areas.items() if len(code) == 6}
        area = request.query_params.get("area", "") or next(iter(counties), p.area_code[:6])
        year = request.query_params.get("year", "") or str(today().year)
        reply = await self.c.api(token, "GET", f"/assistance-cap/{quote(area, safe='')}/{quote(year, safe='')}")
        if not reply.ok and reply.status in (403, 404):
            return self.c.failed(request, p, reply, "无法显示该区划的限额")
        return self.c.render("cap.html", request, status, p, counties=counties, area=area, year=year,
                             cap=reply.data if reply.ok else None, cap_error="" if reply.ok else reply.message,
                             error=error, errors=errors or {},
                             notice="已登记困难群众救助资金支出" if request.query_params.get("saved") else "")

    async def hardship(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        year = form.get("year", "")
        body: dict[str, Any] = {"area_code": form.get("area_code", ""), "year": int(year) if year.isdigit() else year,
                                "total": form.get("total", "")}
        reply = await self.c.api(token, "POST", "/hardship-spending", body)
        if not reply.ok:
            return await self.cap(request, p, token, _status(reply), reply.message, reply.field_errors)
        query = urlencode({"area": body["area_code"], "year": int(year) + 1 if year.isdigit() else "", "saved": 1})
        return RedirectResponse(f"/console/funding/cap?{query}", status_code=303)

    # --- contracts --------------------------------------------------------------------------------------------

    async def contract_new(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                           errors: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Response:
        stations, areas = await asyncio.gather(
            self.c.api(token, "GET", "/stations", params={"status": "opened", "limit": "200", "sort": "name"}),
            lists.area_options(self.c, token, p))
        choices = {str(s.get("station_id")): f"{s.get('name')}（{s.get('area_code')}）" for s in stations.items}
        return self.c.render("contract_new.html", request, status, p, error=error, errors=errors or {}, areas=areas,
                             stations=choices, values=values or {"area_code": p.area_code, "signed_on": "",
                                                                 "station_ids": []})

    async def contract_sign(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        # one checkbox per station, named station.<id> (a form's repeated names would collapse to one)
        stations = [key.removeprefix("station.") for key, value in form.items() if key.startswith("station.") and value]
        body: dict[str, Any] = {
            "purchaser": form.get("purchaser"), "provider_agency": form.get("provider_agency"), "station_ids": stations,
            "area_code": form.get("area_code"), "service_items": _lines(form.get("service_items", "")),
            "amount": form.get("amount"), "period_start": form.get("period_start"),
            "period_end": form.get("period_end"),
            "sources": [{"source": form.get("source"), "amount": form.get("amount")}]}
        if form.get("signed_on"):
            body["signed_on"] = form["signed_on"]
        reply = await self.c.api(token, "POST", "/contracts", body)
        if not reply.ok:
            return await self.contract_new(request, p, token, _status(reply), reply.message, reply.field_errors,
                                           {**form, "station_ids": stations})
        contract_id = quote(str(reply.data["contract_id"]), safe="")
        return RedirectResponse(f"/console/contracts/{contract_id}?notice=signed", status_code=303)

    async def contract_page(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                            errors: dict[str, str] | None = None, failed: str = "",
                            values: dict[str, str] | None = None) -> Response:
        contract_id = quote(request.path_params["contract_id"], safe="")
        contract = await self.c.api(token, "GET", f"/contracts/{contract_id}")
        if not contract.ok:
            return self.c.failed(request, p, contract, "无法显示该合同")
        c = contract.data
        year = str(today().year)
        funding_area = quote(str(c.get("funding_area_code")), safe="")
        cap = await self.c.api(token, "GET", f"/assistance-cap/{funding_area}/{year}")
        notices = {"signed": "合同已签订，待备案。", **CONTRACT_ACTIONS}
        # filing and returning are offered to the level funding says files it (or above it), never to the signer
        authority = str(c.get("filed_with") or "")
        may_file = bool(authority) and codes.within(authority, p.area_code)
        return self.c.render("contract.html", request, status, p, contract=c, cap=cap.data if cap.ok else None,
                             may_file=may_file, authority=authority,
                             error=error, errors=errors or {}, failed=failed, values=values or {},
                             today=today().isoformat(), notice=notices.get(request.query_params.get("notice", ""), ""))

    @staticmethod
    def _contract_body(action: str, form: dict[str, str]) -> dict[str, Any]:
        on = form.get("on") or today().isoformat()
        if action == "filing":
            return {"filed_on": on}
        if action == "return":
            return {"reasons": _lines(form.get("reasons", "")), "returned_on": on}
        if action == "spot-checks":
            return {"outcome": form.get("outcome"), "findings": _lines(form.get("findings", "")), "checked_on": on}
        return {"amount": form.get("amount"), "milestone": form.get("milestone"), "paid_on": on,
                "sources": [{"source": form.get("source"), "amount": form.get("amount")}]}

    async def contract_act(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        contract_id = quote(request.path_params["contract_id"], safe="")
        action = form.get("action", "")
        if action not in CONTRACT_ACTIONS:
            return await self.contract_page(request, p, token, 422, "请选择要执行的操作")
        reply = await self.c.api(token, "POST", f"/contracts/{contract_id}/{action}", self._contract_body(action, form))
        if not reply.ok:
            errors = reply.field_errors
            if not errors and _code(reply) == "assistance_cap_exceeded":  # the amount is what exceeds the cap
                errors = {"amount": reply.message}
            return await self.contract_page(request, p, token, _status(reply), reply.message, errors, action, form)
        return RedirectResponse(f"/console/contracts/{contract_id}?notice={action}", status_code=303)

