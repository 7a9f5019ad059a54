"""Talent: workers (register, assign, exam result, certificate, head appointment, departure), volunteers
and their CSV import (a preview of the file, then each refused line and the share imported), interns,
the organisations' incubation pipeline as a board, and the stations' quota table."""

from __future__ import annotations

import asyncio
import base64
import binascii
import csv
import io
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from gateway.auth import Principal
from gateway.console import lists
from gateway.console.lists import Column, Filter, ListView
from gateway.console.names import (
    CERT_LEVELS,
    EMPLOYMENT,
    ORGANISATION_STATUS,
    ORGANISATION_TYPES,
    TIER_NAMES,
    WORKER_ROLES,
)
from gateway.console.session import UPLOAD_PATHS, PageModule, PageRoute, Reply, today

WORKER_STATUS = {"active": "在岗", "left": "已离岗", "unassigned": "未任职"}
# The people's lists offer no 导出台账 link: their export needs a second approver, asked for on 导出人员台账
# (console/exports.py, api/routers/exports.py).
WORKERS = ListView(
    "/workers", "社工台账", id_key="worker_id", search="姓名（须完整）",
    columns=(Column("name", "姓名", link="/console/workers/"), Column("role", "类别", WORKER_ROLES),
             Column("area_code", "行政区划"), Column("employment", "用工", EMPLOYMENT),
             Column("certificate_level", "证书", CERT_LEVELS), Column("head", "站长"),
             Column("status", "状态", WORKER_STATUS), Column("station_id", "站点", link="/console/stations/",
                                                           id_key="station_id")),
    filters=(Filter("station_id", "站点", hidden=True), Filter("status", "状态", WORKER_STATUS),
             Filter("employment", "用工", EMPLOYMENT), Filter("certificate_level", "证书", CERT_LEVELS),
             Filter("certified", "持证", {"true": "是", "false": "否"})), export=False)
VOLUNTEERS = ListView(
    "/volunteers", "志愿者", id_key="volunteer_id", search="姓名（须完整）",
    columns=(Column("name", "姓名"), Column("area_code", "行政区划"), Column("registered_on", "登记日期"),
             Column("hours", "累计服务时长（小时）"), Column("trained", "已培训"),
             Column("last_trained_on", "最近培训")),
    filters=(Filter("station_id", "站点", hidden=True), Filter("trained", "已培训", {"true": "是", "false": "否"})),
    export=False)
INTERNS = ListView(
    "/interns", "实习生", id_key="intern_id", search="姓名（须完整）",
    columns=(Column("name", "姓名"), Column("university", "院校"), Column("area_code", "行政区划"),
             Column("placed_from", "实习开始"), Column("placed_until", "实习结束")),
    filters=(Filter("station_id", "站点", hidden=True),), export=False)
QUOTAS = ListView(
    "/talent/quota-items", "站点年度配额", id_key="station_id",
    columns=(Column("station_id", "站点", link="/console/stations/"), Column("area_code", "行政区划"),
             Column("tier", "层级", TIER_NAMES), Column("year", "年度"), Column("met", "全部达标"),
             Column("unmet", "未达标的指标")),
    filters=(Filter("tier", "层级", TIER_NAMES), Filter("year", "年度")))
# what the board offers an organisation next, by its status: (action, button)
ORGANISATION_STEPS = {"filed": ("incubation", "开始孵化"), "incubating": ("incubated", "完成孵化"),
                      "incubated": ("registration", "登记注册"), "registered": ("graduation", "出壳")}
WORKER_ACTIONS = ("assignment", "exams/result", "certification", "departure", "head")
IMPORT_PATH = "/console/volunteers/import"
UPLOAD_PATHS.add(IMPORT_PATH)
PREVIEW_ROWS = 10


def _status(reply: Reply) -> int:
    return reply.status if 400 <= reply.status < 500 else 502


def preview(text: str) -> tuple[list[str], list[list[str]], int]:
    """The CSV's header, its first rows and how many rows it has (what the user checks before importing)."""
    rows = list(csv.reader(io.StringIO(text)))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return [], [], 0
    return rows[0], rows[1:PREVIEW_ROWS + 1], len(rows) - 1


class TalentPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [
            ("GET", "/console/workers", self.workers),
            ("GET", "/console/workers/new", self.worker_new),
            ("POST", "/console/workers/new", self.worker_create),
            ("GET", "/console/workers/{worker_id}", self.worker_page),
            ("POST", "/console/workers/{worker_id}/act", self.worker_act),
            ("GET", "/console/volunteers", self.volunteers),
            ("GET", IMPORT_PATH, self.import_form),
            ("POST", IMPORT_PATH, self.import_step),
            ("GET", "/console/interns", self.interns),
            ("GET", "/console/organisations", self.organisations),
            ("POST", "/console/organisations/{organisation_id}/step", self.organisation_step),
            ("GET", "/console/quotas", self.quotas),
        ]

    async def workers(self, request: Request, p: Principal, token: str) -> Response:
        return await lists.show(self.c, request, p, token, WORKERS)

    async def volunteers(self, request: Request, p: Principal, token: str) -> Response:
        return await lists.show(self.c, request, p, token, VOLUNTEERS)

    async def interns(self, request: Request, p: Principal, token: str) -> Response:
        return await lists.show(self.c, request, p, token, INTERNS)

    async def quotas(self, request: Request, p: Principal, token: str) -> Response:
        return await lists.show(self.c, request, p, token, QUOTAS)

    async def stations(self, token: str, p: Principal) -> dict[str, str]:
        """The open stations of the user's area by name, for the forms that place someone in one."""
        reply = await self.c.api(token, "GET", "/stations", params={"status": "opened", "limit": "200",
                                                                     "sort": "name"})
        return {str(s.get("station_id")): f"{s.get('name')}（{s.get('area_code')}）" for s in reply.items}

    # --- workers ------------------------------------------------------------------------------------------

    async def worker_new(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                         errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Response:
        values = values or {"station_id": request.query_params.get("station_id", ""), "employment": "full_time"}
        return self.c.render("worker_new.html", request, status, p, error=error, errors=errors or {}, values=values,
                             stations=await self.stations(token, p))

    async def worker_create(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        body = {k: form.get(k, "") for k in ("name", "id_number", "phone", "role")}
        reply = await self.c.api(token, "POST", "/workers", body)
        if not reply.ok:
            return await self.worker_new(request, p, token, _status(reply), reply.message, reply.field_errors, form)
        worker_id = quote(str(reply.data["worker_id"]), safe="")
        if form.get("station_id"):  # registered for a station: assigned to it at once
            assigned = await self.c.api(token, "POST", f"/workers/{worker_id}/assignment",
                                        {"station_id": form["station_id"], "employment": form.get("employment")})
            if not assigned.ok:
                return RedirectResponse(f"/console/workers/{worker_id}?notice=unassigned", status_code=303)
        return RedirectResponse(f"/console/workers/{worker_id}?notice=registered", status_code=303)

    async def worker_page(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                          errors: dict[str, str] | None = None, failed: str = "") -> Response:
        worker_id = quote(request.path_params["worker_id"], safe="")
        worker, stations = await asyncio.gather(self.c.api(token, "GET", f"/workers/{worker_id}"),
                                                self.stations(token, p))
        if not worker.ok:
            return self.c.failed(request, p, worker, "无法显示该社工")
        notices = {"registered": "已登记社工", "unassigned": "已登记社工，但未能分配到站点，请在下方分配",
                   **{a: "已保存" for a in WORKER_ACTIONS}}
        return self.c.render("worker.html", request, status, p, worker=worker.data, stations=stations, error=error,
                             errors=errors or {}, failed=failed, today=today().isoformat(),
                             notice=notices.get(request.query_params.get("notice", ""), ""))

    def _worker_call(self, worker_id: str, action: str, form: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
        on = form.get("on") or today().isoformat()
        if action == "assignment":
            return "POST", f"/workers/{worker_id}/assignment", {"station_id": form.get("station_id"),
                                                                 "employment": form.get("employment"),
                                                                 "assigned_on": on}
        if action == "exams/result":
            year = form.get("exam_year", "")
            return "POST", f"/workers/{worker_id}/exams/result", {
                "level": form.get("level"), "exam_year": int(year) if year.isdigit() else year,
                "passed": form.get("passed") == "true"}
        if action == "certification":
            return "POST", f"/workers/{worker_id}/certification", {"level": form.get("level"), "certified_on": on}
        if action == "head":
            station = quote(form.get("station_id", ""), safe="")
            return "PUT", f"/talent/stations/{station}/head", {"worker_id": worker_id, "appointed_on": on,
                                                                "designated_by": form.get("designated_by") or None}
        return "POST", f"/workers/{worker_id}/departure", {"left_on": on}

    async def worker_act(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        worker_id = quote(request.path_params["worker_id"], safe="")
        action = form.get("action", "")
        if action not in WORKER_ACTIONS:
            return await self.worker_page(request, p, token, 422, "请选择要执行的操作")
        method, path, body = self._worker_call(worker_id, action, form)
        reply = await self.c.api(token, method, path, body)
        if not reply.ok:
            return await self.worker_page(request, p, token, _status(reply), reply.message, reply.field_errors,
                                          action)
        return RedirectResponse(f"/console/workers/{worker_id}?notice={quote(action, safe='')}", status_code=303)

    # --- the volunteers' CSV import ---------------------------------------------------------------------

    async def import_form(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                          **context: Any) -> Response:
        return self.c.render("volunteer_import.html", request, status, p, error=error,
                             stations=await self.stations(token, p), **context)

    async def import_step(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        station = form.get("station_id", "")
        if form.get("step") != "confirm":  # the file chosen: show what it holds before anything is stored
            text = form.get("file", "")
            header, rows, count = preview(text)
            if not count:
                return await self.import_form(request, p, token, 422, "请选择一个有数据行的 CSV 文件（UTF-8）")
            return await self.import_form(request, p, token, header=header, rows=rows, count=count, station=station,
                                          filename=form.get("file.filename", ""),
                                          content=base64.b64encode(text.encode()).decode())
        try:
            data = base64.b64decode(form.get("content", ""), validate=True)
        except (binascii.Error, ValueError):
            return await self.import_form(request, p, token, 422, "文件内容已损坏，请重新选择文件")
        path = "/volunteers/import" + (f"?station_id={quote(station, safe='')}" if station else "")
        response = await self.c.api_client.post(f"/api{path}", content=data, headers={
            "Authorization": f"Bearer {token}", "content-type": "text/csv"})
        reply = Reply(response)
        if not reply.ok:
            return await self.import_form(request, p, token, _status(reply), reply.message,
                                          problems=(reply.data or {}).get("error", {}).get("details") or [])
        return await self.import_form(request, p, token, result=reply.data)

    # --- the organisations' incubation board ----------------------------------------------------------------

    async def organisations(self, request: Request, p: Principal, token: str, status: int = 200,
                            error: str = "") -> Response:
        area = request.query_params.get("area", "").strip()
        reply = await self.c.api(token, "GET", "/organisations", params={"limit": "200", **({"area": area} if area
                                                                                             else {})})
        if not reply.ok:
            return self.c.failed(request, p, reply, "无法显示社会组织")
        board = {state: [o for o in reply.items if o.get("status") == state] for state in ORGANISATION_STATUS}
        return self.c.render("organisations.html", request, status, p, board=board, steps=ORGANISATION_STEPS,
                             types=ORGANISATION_TYPES, error=error, total=reply.data.get("total"),
                             areas=await lists.area_options(self.c, token, p, area), area=area)

    async def organisation_step(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        organisation_id = quote(request.path_params["organisation_id"], safe="")
        action = form.get("action", "")
        bodies: dict[str, dict[str, Any]] = {
            "incubation": {}, "incubated": {"organisation_type": form.get("organisation_type")},
            "registration": {"registration_number": form.get("registration_number")}, "graduation": {}}
        if action not in bodies:
            return await self.organisations(request, p, token, 422, "请选择要执行的操作")
        reply = await self.c.api(token, "POST", f"/organisations/{organisation_id}/{action}", bodies[action])
        if not reply.ok:
            return await self.organisations(request, p, token, _status(reply), reply.message)
        return RedirectResponse("/console/organisations", status_code=303)
