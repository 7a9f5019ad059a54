"""Exports of the people's lists (workers, volunteers, interns), which carry personal data: requested with a
purpose, approved by another administrator of the area, downloaded once (api/routers/exports.py). One page holds
the request form, the requests one made and, for an administrator, those of its area to approve."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from gateway.auth import Principal
from gateway.console.session import CHINA, PageModule, PageRoute

LISTS = {"/api/workers": "社工台账", "/api/volunteers": "志愿者台账", "/api/interns": "实习生台账"}
NOTICES = {"requested": "已提交导出申请，待本辖区另一名管理员审批", "approved": "已审批"}


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch, CHINA).strftime("%Y-%m-%d %H:%M") if epoch else ""


class ExportPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [
            ("GET", "/console/exports", self.exports),
            ("POST", "/console/exports", self.request_export),
            ("POST", "/console/exports/{export_id}/approval", self.approve),
            ("GET", "/console/exports/{export_id}/download", self.download),
        ]

    async def exports(self, request: Request, p: Principal, token: str, status: int = 200,
                      error: str = "") -> Response:
        reply = await self.c.api(token, "GET", "/gateway/exports")
        if not reply.ok:
            return self.c.failed(request, p, reply, "无法显示导出申请")
        rows = [{**r, "list": LISTS.get(r["path"], r["path"]), "requested": _when(r["requested_at"]),
                 "approved": _when(r["approved_at"]), "used": _when(r["used_at"])}
                for r in reply.data.get("exports", []) if isinstance(r, dict)]
        return self.c.render("exports.html", request, status, p, rows=rows, lists=LISTS, error=error,
                             notice=NOTICES.get(request.query_params.get("done", ""), ""))

    async def request_export(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        reply = await self.c.api(token, "POST", "/gateway/exports",
                                 {"path": form.get("path", ""), "reason": form.get("reason", "")})
        if not reply.ok:
            return await self.exports(request, p, token, reply.status if reply.status < 500 else 502, reply.message)
        return RedirectResponse("/console/exports?done=requested", status_code=303)

    async def approve(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        export_id = quote(request.path_params["export_id"], safe="")
        reply = await self.c.api(token, "POST", f"/gateway/exports/{export_id}/approval")
        if not reply.ok:
            return await self.exports(request, p, token, reply.status if reply.status < 500 else 502, reply.message)
        return RedirectResponse("/console/exports?done=approved", status_code=303)

    async def download(self, request: Request, p: Principal, token: str) -> Response:
        """The approved export, once: the list as its XLSX with the approval's id."""
        export_id = request.path_params["export_id"]
        mine = await self.c.api(token, "GET", "/gateway/exports")
        row = next((r for r in (mine.data or {}).get("exports", []) if r.get("export_id") == export_id), None) \
            if mine.ok else None
        if row is None or row.get("path") not in LISTS:
            return await self.exports(request, p, token, 404, "未找到该导出申请")
        reply = await self.c.api(token, "GET", row["path"].removeprefix("/api"), params={"format": "xlsx"},
                                 headers={"X-Export-Approval": export_id})
        if not reply.ok:
            return await self.exports(request, p, token, reply.status if reply.status < 500 else 502, reply.message)
        return self.c.file(reply)
