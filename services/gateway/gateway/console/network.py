"""The stations' network: each county's service-item list (社工站服务事项清单, kept by the registry: add, revise,
withdraw an item) and the guidance network (talent: who guides a township station or village room, and the
guidance visits, 督导记录). Every station, guide and department is chosen from what the services list, never
typed as an id."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pzh_shared.areas import AreaLevel, level_of, within

from gateway.access import allowed
from gateway.auth import Principal
from gateway.console import lists
from gateway.console.lists import Column, Filter, ListView
from gateway.console.names import PURCHASERS, TIER_NAMES
from gateway.console.session import PageModule, PageRoute, Reply, today

# talent/domain/guidance.py: GuideKind and VisitMode with their labels
GUIDE_KINDS = {"workers": "专业社会工作者", "agency": "社会工作服务机构"}
VISIT_MODES = {"on_site": "现场", "remote": "远程"}
# the tiers a guidance assignment is for (talent: "指导多个社会工作服务站(室)")
GUIDED_TIERS = ("township_station", "village_room")
YES_NO = {"true": "是", "false": "否"}

SERVICE_ITEMS = ListView(
    "/service-items", "服务事项清单", id_key="code", search="服务事项",
    columns=(Column("county_code", "县(区)"), Column("code", "事项编号"), Column("name", "服务事项"),
             Column("department", "部门", PURCHASERS), Column("tier", "站点层级", TIER_NAMES),
             Column("effective_from", "生效日期"), Column("withdrawn_on", "停止日期")),
    filters=(Filter("tier", "站点层级", TIER_NAMES), Filter("department", "部门", PURCHASERS),
             Filter("withdrawn", "已停止", YES_NO)))
GUIDED_STATIONS = ListView(
    "/guidance/stations", "受指导站点", id_key="station_id",
    columns=(Column("station_id", "站点", link="/console/guidance/stations/"), Column("area_code", "行政区划"),
             Column("guide_kind", "指导方", GUIDE_KINDS), Column("guide_count", "指导方人数"),
             Column("guided_from", "指导起始"), Column("ended", "已结束"), Column("visits", "督导次数"),
             Column("last_visit_on", "最近督导")),
    # sorting by visits or the last visit, fewest and longest ago first, finds the stations least guided
    filters=(Filter("guide_kind", "指导方", GUIDE_KINDS), Filter("ended", "已结束", YES_NO),
             Filter("sort", "排序", {"visits": "督导次数（少者在前）", "last_visit_on": "最近督导（久者在前）",
                                     "-visits": "督导次数（多者在前）"})))
VISITS = ListView(
    "/guidance/visits", "督导记录", id_key="visit_id",
    columns=(Column("visited_on", "督导日期"), Column("station_id", "站点", link="/console/guidance/stations/",
                                                    id_key="station_id"),
             Column("area_code", "行政区划"), Column("mode", "方式", VISIT_MODES), Column("minutes", "时长（分钟）")),
    filters=(Filter("station_id", "站点", hidden=True), Filter("mode", "方式", VISIT_MODES)))
NOTICES = {"added": "已添加服务事项。", "revised": "已修订服务事项，自生效日期起按新版本提供。",
           "withdrawn": "已停止该服务事项。", "assigned": "已指定指导方。", "ended": "已结束对该站点的指导。",
           "visit": "已登记督导记录。"}


def _status(reply: Reply) -> int:
    return reply.status if 400 <= reply.status < 500 else 502


def _number(text: str) -> float | str:
    """A number typed in a form; anything else is sent as typed, for the service to say in Chinese what is wrong."""
    try:
        return float(text)
    except ValueError:
        return text


def tiers_of(form: dict[str, str]) -> list[str]:
    """The tiers ticked in a form: one checkbox per tier (`tier-<code>`), as the console's forms keep one value
    per field name."""
    return [tier for tier in TIER_NAMES if form.get(f"tier-{tier}") == "on"]


def item_tiers(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each item's tiers on the page (the list has a row per item and tier), keyed "county:code", so a revision
    form starts from every tier the item is offered at, not only its row's."""
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(f"{row.get('county_code')}:{row.get('code')}", []).append(str(row.get("tier")))
    return found


def stations_named(view: ListView, stations: dict[str, str]) -> ListView:
    """The view with its station column showing each station by name: talent's rows carry the station's id only,
    which no user recognises."""
    return replace(view, columns=tuple(replace(c, names=stations) if c.key == "station_id" else c
                                       for c in view.columns))


class NetworkPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [
            ("GET", "/console/service-items", self.service_items),
            ("POST", "/console/service-items/new", self.item_add),
            ("POST", "/console/service-items/{county}/{code}/{action}", self.item_act),
            ("GET", "/console/guidance", self.guided),
            ("POST", "/console/guidance/assignment", self.assign),
            ("GET", "/console/guidance/visits", self.visits),
            ("GET", "/console/guidance/stations/{station_id}", self.station_guidance),
            ("POST", "/console/guidance/stations/{station_id}/visits", self.visit_record),
            ("POST", "/console/guidance/stations/{station_id}/end", self.guidance_end),
        ]

    # --- the service-item lists ----------------------------------------------------------------------------

    async def counties(self, token: str, p: Principal) -> dict[str, str]:
        """The counties the user keeps lists for: their own county, or the counties right under their city."""
        areas = await lists.area_options(self.c, token, p)
        return {code: name for code, name in areas.items() if level_of(code) is AreaLevel.COUNTY}

    async def service_items(self, request: Request, p: Principal, token: str, status: int = 200,
                            error: str = "", errors: dict[str, str] | None = None,
                            values: dict[str, str] | None = None, failed: str = "") -> Response:
        counties = await self.counties(token, p) if allowed(p.role, "service_item_write") else {}
        # each list's version as the page shows it: a revision sent from it is refused (409) if the list changed since
        lists_now = await asyncio.gather(*(self.c.api(token, "GET", f"/service-items/{quote(c, safe='')}")
                                           for c in counties))
        versions = {c: r.data.get("version") for c, r in zip(counties, lists_now, strict=True)
                    if r.ok and isinstance(r.data, dict)}
        # a county's own administrator keeps one list: chosen for them
        defaults = {"effective_from": today().isoformat(), "county": next(iter(counties)) if len(counties) == 1 else ""}
        page = await lists.show(self.c, request, p, token, SERVICE_ITEMS, "network/service_items.html",
                                counties=counties, versions=versions, action_error=error, errors=errors or {},
                                failed=failed, values=values or defaults,
                                today=today().isoformat(), item_tiers=item_tiers,
                                notice=NOTICES.get(request.query_params.get("notice", ""), ""))
        if page.status_code == 200:
            page.status_code = status  # the list, with why the command asked for was refused
        return page

    async def item_add(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        missing = {k: "必填" for k in ("county", "code", "name", "department") if not form.get(k)}
        if not tiers_of(form):
            missing["tiers"] = "请至少选择一个站点层级"
        if missing:
            return await self.service_items(request, p, token, 422, "请检查标出的项目", missing, form, "new")
        body = {"code": form["code"], "name": form["name"], "department": form["department"],
                "tiers": tiers_of(form), "effective_from": form.get("effective_from") or today().isoformat()}
        reply = await self.c.api(token, "POST", f"/service-items/{quote(form['county'], safe='')}", body)
        if not reply.ok:
            return await self.service_items(request, p, token, _status(reply), reply.message, reply.field_errors,
                                            form, "new")
        return RedirectResponse("/console/service-items?notice=added", status_code=303)

    async def item_act(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        county, code = quote(request.path_params["county"], safe=""), quote(request.path_params["code"], safe="")
        action, failed = request.path_params["action"], f"{request.path_params['county']}:{request.path_params['code']}"
        on = form.get("on") or today().isoformat()
        if action == "withdrawal":
            reply = await self.c.api(token, "POST", f"/service-items/{county}/{code}/withdrawal", {"on": on})
        elif action == "revision":
            if not tiers_of(form):
                return await self.service_items(request, p, token, 422, "请至少选择一个站点层级",
                                                {"tiers": "必填"}, failed=failed)
            body: dict[str, Any] = {"name": form.get("name", ""), "department": form.get("department", ""),
                                    "tiers": tiers_of(form), "effective_from": on}
            if form.get("expected_version", "").isdigit():
                body["expected_version"] = int(form["expected_version"])
            reply = await self.c.api(token, "PUT", f"/service-items/{county}/{code}", body)
        else:
            return self.c.render("error.html", request, 404, p, title="无法处理", message="没有这个操作")
        if not reply.ok:
            return await self.service_items(request, p, token, _status(reply), reply.message, reply.field_errors,
                                            failed=failed)
        notice = "withdrawn" if action == "withdrawal" else "revised"
        return RedirectResponse(f"/console/service-items?notice={notice}", status_code=303)

    # --- the guidance network --------------------------------------------------------------------------------

    async def guided_stations_of(self, token: str, area: str) -> dict[str, str]:
        """The township stations and village rooms of the area by name: the stations a guide is assigned to."""
        replies = await asyncio.gather(*(self.c.api(token, "GET", "/stations", params={
            "area": area, "tier": tier, "limit": "200", "sort": "name"}) for tier in GUIDED_TIERS))
        return {str(s.get("station_id")): f"{s.get('name')}（{TIER_NAMES.get(str(s.get('tier')), '')}，"
                                          f"{s.get('area_code')}）"
                for reply in replies for s in reply.items if s.get("status") not in ("closed", "merged")}

    async def guides_of(self, token: str, area: str) -> tuple[dict[str, str], dict[str, str]]:
        """The certified workers and the agencies of the area by name: who may guide its stations."""
        workers, agencies = await asyncio.gather(
            self.c.api(token, "GET", "/workers", params={"certified": "true", "area": area, "limit": "200"}),
            self.c.api(token, "GET", "/agencies", params={"area": area, "limit": "200"}))
        return ({str(w.get("worker_id")): f"{w.get('name')}（{w.get('area_code') or ''}）" for w in workers.items
                 if w.get("status") != "left"},
                {str(a.get("agency_id")): f"{a.get('name')}（{a.get('area_code') or ''}）" for a in agencies.items})

    async def guided(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                     errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Response:
        area = request.query_params.get("area", "").strip() or p.area_code
        context: dict[str, Any] = {}
        if allowed(p.role, "guidance_write"):
            stations, (workers, agencies) = await asyncio.gather(self.guided_stations_of(token, area),
                                                                 self.guides_of(token, area))
            context = {"stations": stations, "workers": workers, "agencies": agencies}
        else:  # the list names the stations for every reader
            stations = await self.guided_stations_of(token, area)
        page = await lists.show(self.c, request, p, token, stations_named(GUIDED_STATIONS, stations),
                                "network/guided.html",
                                action_error=error, errors=errors or {}, GUIDE_KINDS=GUIDE_KINDS,
                                values=values or {"guide_kind": "workers", "guided_from": today().isoformat()},
                                notice=NOTICES.get(request.query_params.get("notice", ""), ""), **context)
        if page.status_code == 200:
            page.status_code = status
        return page

    async def assign(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        kind = form.get("guide_kind", "")
        guide_ids = ([key.removeprefix("worker-") for key, value in form.items()
                      if key.startswith("worker-") and value == "on"] if kind == "workers"
                     else [form["agency_id"]] if form.get("agency_id") else [])
        missing = {k: "必填" for k in ("station_id", "guide_kind") if not form.get(k)}
        if not guide_ids:
            missing["guide_ids"] = "请选择社工（可多选）" if kind == "workers" else "请选择一个社会工作服务机构"
        if missing:
            return await self.guided(request, p, token, 422, "请检查标出的项目", missing, form)
        reply = await self.c.api(token, "PUT", f"/talent/stations/{quote(form['station_id'], safe='')}/guidance", {
            "guide_kind": kind, "guide_ids": guide_ids,
            "guided_from": form.get("guided_from") or today().isoformat()})
        if not reply.ok:
            return await self.guided(request, p, token, _status(reply), reply.message, reply.field_errors, form)
        return RedirectResponse(f"/console/guidance/stations/{quote(form['station_id'], safe='')}?notice=assigned",
                                status_code=303)

    async def visits(self, request: Request, p: Principal, token: str) -> Response:
        stations = await self.guided_stations_of(token, request.query_params.get("area", "").strip() or p.area_code)
        return await lists.show(self.c, request, p, token, stations_named(VISITS, stations))

    async def station_guidance(self, request: Request, p: Principal, token: str, status: int = 200,
                               error: str = "", errors: dict[str, str] | None = None,
                               values: dict[str, str] | None = None) -> Response:
        station_id = quote(request.path_params["station_id"], safe="")
        station, guidance = await asyncio.gather(self.c.api(token, "GET", f"/stations/{station_id}"),
                                                 self.c.api(token, "GET", f"/talent/stations/{station_id}/guidance"))
        if not station.ok:
            return self.c.failed(request, p, station, "无法显示该站点")
        if not guidance.ok:
            return self.c.failed(request, p, guidance, "无法显示该站点的指导与督导")
        # the guides are the county's: their names come from the county's lists of workers and agencies, or the
        # user's own area's when that is below the county (a township's worker lists only the township)
        county = str(station.data.get("area_code") or p.area_code)[:6]
        workers, agencies = await self.guides_of(token, county if within(county, p.area_code) else p.area_code)
        current = guidance.data.get("current") or {}
        names = {**workers, **agencies}
        for n, guide in enumerate(current.get("guide_ids") or [], 1):
            names.setdefault(guide, f"第 {n} 位指导方（不在您辖区的名单中）")
        return self.c.render(
            "network/station.html", request, status, p, station=station.data, guidance=guidance.data, names=names,
            current_guides={g: names[g] for g in current.get("guide_ids") or []}, GUIDE_KINDS=GUIDE_KINDS,
            VISIT_MODES=VISIT_MODES, error=error, errors=errors or {}, today=today().isoformat(),
            values=values or {"visited_on": today().isoformat(), "mode": "on_site"},
            notice=NOTICES.get(request.query_params.get("notice", ""), ""))

    async def visit_record(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        station_id = quote(request.path_params["station_id"], safe="")
        missing = {k: "必填" for k in ("guide_id", "mode", "hours", "topics") if not form.get(k)}
        if missing:
            return await self.station_guidance(request, p, token, 422, "请检查标出的项目", missing, form)
        reply = await self.c.api(token, "POST", f"/talent/stations/{station_id}/guidance/visits", {
            "visited_on": form.get("visited_on") or today().isoformat(), "guide_id": form["guide_id"],
            "mode": form["mode"], "hours": _number(form["hours"]), "topics": form["topics"]})
        if not reply.ok:
            return await self.station_guidance(request, p, token, _status(reply), reply.message,
                                               reply.field_errors, form)
        return RedirectResponse(f"/console/guidance/stations/{station_id}?notice=visit", status_code=303)

    async def guidance_end(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        station_id = quote(request.path_params["station_id"], safe="")
        reply = await self.c.api(token, "POST", f"/talent/stations/{station_id}/guidance/end",
                                 {"on": form.get("on") or today().isoformat()})
        if not reply.ok:
            return await self.station_guidance(request, p, token, _status(reply), reply.message)
        return RedirectResponse(f"/console/guidance/stations/{station_id}?notice=ended", status_code=303)
