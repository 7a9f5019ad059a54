"""Stations: the 台账 with its filters, planning or opening one, and a station's page carrying its whole
lifecycle (plan, open, suspend, resume, close, merge), its facilities checklist with evidence notes,
its staff and head, its computed level with the history, its year's quotas and the service items it
offers today (its county's list for its tier)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from gateway.auth import Principal
from gateway.console import lists
from gateway.console.lists import Column, Filter, ListView
from gateway.console.names import (
    CONSTRUCTION_MODES,
    FACILITY_NAMES,
    NEXT_ACTIONS,
    STATION_ACTIONS,
    STATION_LEVELS,
    STATUS_NAMES,
    TIER_NAMES,
)
from gateway.console.session import PageModule, PageRoute, Reply, today

STATIONS = ListView(
    "/stations", "站点台账", id_key="station_id", search="站点名称",
    columns=(Column("name", "站点名称", link="/console/stations/"), Column("tier", "层级", TIER_NAMES),
             Column("area_code", "行政区划"), Column("status", "状态", STATUS_NAMES),
             Column("level", "等级", STATION_LEVELS), Column("construction_mode", "建设方式", CONSTRUCTION_MODES),
             Column("provincial_pilot", "省级试点")),
    filters=(Filter("tier", "层级", TIER_NAMES), Filter("status", "状态", STATUS_NAMES),
             Filter("level", "等级", STATION_LEVELS), Filter("construction_mode", "建设方式", CONSTRUCTION_MODES),
             Filter("provincial_pilot", "省级试点", {"true": "是", "false": "否"})))
NOTICES = {"opened": "站点已开设。统计数据由报表服务异步更新，稍后即可在工作台看到。", "planned": "已登记站点规划。",
           "open": "站点已开放。", "suspend": "站点已暂停。", "resume": "站点已恢复运行。", "close": "站点已关闭。",
           "merge": "站点已合并。", "facility": "设施记录已保存，等级已重新计算。"}


def history_rows(reply: Reply) -> list[dict[str, Any]]:
    """The station's history (GET /stations/{id}/history), latest first."""
    entries = reply.data.get("entries") if reply.ok and isinstance(reply.data, dict) else None
    rows = [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []
    return rows[::-1]


class StationPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [
            ("GET", "/console/stations", self.station_list),
            ("GET", "/console/stations/new", self.station_new),
            ("POST", "/console/stations/new", self.station_create),
            ("GET", "/console/stations/{station_id}", self.station_page),
            ("POST", "/console/stations/{station_id}/lifecycle", self.change),
            ("POST", "/console/stations/{station_id}/facilities", self.facility),
        ]

    async def station_list(self, request: Request, p: Principal, token: str) -> Response:
        station_id = request.query_params.get("station_id", "").strip()
        if station_id:  # an old bookmark of the lookup form
            return RedirectResponse(f"/console/stations/{quote(station_id, safe='')}", status_code=303)
        return await lists.show(self.c, request, p, token, STATIONS)

    # --- planning or opening ------------------------------------------------------------------------

    async def station_form(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                           values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> Response:
        areas = await lists.area_options(self.c, token, p, (values or {}).get("area_code", ""))
        return self.c.render("station_new.html", request, status, p, error=error, errors=errors or {}, areas=areas,
                             values=values or {"area_code": p.area_code, "tier": "township_station"})

    async def station_new(self, request: Request, p: Principal, token: str) -> Response:
        return await self.station_form(request, p, token)

    async def station_create(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        if not form.get("name") or not form.get("area_code"):
            return await self.station_form(request, p, token, 422, "请填写站点名称和行政区划代码", form,
                                           {k: "必填" for k in ("name", "area_code") if not form.get(k)})
        plan_only = form.get("plan_only") == "on"
        body: dict[str, Any] = {"name": form["name"], "tier": form.get("tier", ""), "area_code": form["area_code"],
                                "address": form.get("address", ""), "host_venue": form.get("host_venue", ""),
                                "plan_only": plan_only}
        if form.get("construction_mode"):
            body["construction_mode"] = form["construction_mode"]
        if form.get("provincial_pilot") == "on":
            body["provincial_pilot"] = True
        if form.get("opened_on"):
            body["planned_on" if plan_only else "opened_on"] = form["opened_on"]
        if not plan_only:
            del body["plan_only"]  # the registry's default: register and open at once
        reply = await self.c.api(token, "POST", "/stations", body)
        if not reply.ok:
            return await self.station_form(request, p, token, _status(reply), reply.message, form, reply.field_errors)
        station_id = quote(str(reply.data["station_id"]), safe="")
        notice = "planned" if plan_only else "opened"
        return RedirectResponse(f"/console/stations/{station_id}?notice={notice}", status_code=303)

    # --- a station's page -----------------------------------------------------------------------------

    async def station_page(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                           errors: dict[str, str] | None = None, failed: str = "") -> Response:
        station_id = quote(request.path_params["station_id"], safe="")
        # as of today in China: the day the console dates its commands (a service's default day may be UTC's)
        station = await self.c.api(token, "GET", f"/stations/{station_id}", params={"as_of": today().isoformat()})
        if not station.ok:
            return self.c.failed(request, p, station, "无法显示该站点")
        year = today().year
        area = station.data.get("area_code") or p.area_code
        head, quotas, history, staff, peers, items = await asyncio.gather(
            self.c.api(token, "GET", f"/talent/stations/{station_id}/head"),
            self.c.api(token, "GET", f"/talent/stations/{station_id}/quotas/{year}"),
            self.c.api(token, "GET", f"/stations/{station_id}/history"),
            self.c.api(token, "GET", "/workers", params={"station_id": request.path_params["station_id"],
                                                          "limit": "50"}),
            self.c.api(token, "GET", "/stations", params={"area": area[:6], "tier": station.data.get("tier", ""),
                                                           "limit": "100"}),
            self.c.api(token, "GET", f"/stations/{station_id}/service-items", params={"as_of": today().isoformat()}))
        present = {f.get("item"): f for f in station.data.get("facilities") or [] if isinstance(f, dict)}
        merge_into = {str(s.get("station_id") or s.get("id")): s.get("name") or "" for s in peers.items
                      if str(s.get("station_id") or s.get("id")) != request.path_params["station_id"]
                      and s.get("status") in ("opened", "suspended")}
        notice = NOTICES.get(request.query_params.get("notice", ""), "")
        return self.c.render(
            "station.html", request, status, p, station=station.data, head=head.data if head.ok else None,
            quotas=quotas.data if quotas.ok else None, year=year, notice=notice, error=error, errors=errors or {},
            failed=failed, history=history_rows(history), staff=staff.items, staff_total=_total(staff),
            present=present, next_actions=NEXT_ACTIONS.get(station.data.get("status") or "planned", ()),
            actions=STATION_ACTIONS, merge_into=merge_into, facility_items=FACILITY_NAMES, today=today().isoformat(),
            service_items=_offered(items))

    async def change(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        station_id = quote(request.path_params["station_id"], safe="")
        action = form.get("action", "")
        if action not in STATION_ACTIONS:
            return await self.station_page(request, p, token, 422, "请选择要执行的操作", failed=action)
        body: dict[str, Any] = {"on": form.get("on") or today().isoformat(), "reason": form.get("reason", "")}
        if form.get("expected_version", "").isdigit():
            body["expected_version"] = int(form["expected_version"])
        if action == "merge":
            if not form.get("into"):
                return await self.station_page(request, p, token, 422, "请选择并入的站点", {"into": "必填"}, action)
            body["into"] = form["into"]
        reply = await self.c.api(token, "POST", f"/stations/{station_id}/{action}", body)
        if not reply.ok:
            return await self.station_page(request, p, token, _status(reply), reply.message, reply.field_errors,
                                           action)
        return RedirectResponse(f"/console/stations/{station_id}?notice={action}", status_code=303)

    async def facility(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        station_id = quote(request.path_params["station_id"], safe="")
        item = form.get("item", "")
        if item not in FACILITY_NAMES:
            return await self.station_page(request, p, token, 422, "请选择设施项目", failed="facility")
        body: dict[str, Any] = {"present": form.get("present") == "on", "evidence": form.get("evidence", ""),
                                "on": form.get("on") or today().isoformat()}
        reply = await self.c.api(token, "PUT", f"/stations/{station_id}/facilities/{quote(item, safe='')}", body)
        if not reply.ok:
            return await self.station_page(request, p, token, _status(reply), reply.message, reply.field_errors,
                                           f"facility-{item}")
        return RedirectResponse(f"/console/stations/{station_id}?notice=facility#facilities", status_code=303)


def _status(reply: Reply) -> int:
    return reply.status if 400 <= reply.status < 500 else 502


def _offered(reply: Reply) -> list[dict[str, Any]] | None:
    """The items a station offers (GET /stations/{id}/service-items); None when the registry did not answer."""
    items = reply.data.get("items") if reply.ok and isinstance(reply.data, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else None


def _total(reply: Reply) -> int | None:
    total = reply.data.get("total") if reply.ok and isinstance(reply.data, dict) else None
    return total if isinstance(total, int) else None
