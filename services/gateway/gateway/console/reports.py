"""Reports: the archive of the user's own area (the city's, or a county's own), generating a period's new
version, a period's versions, the downloads (JSON, XLSX, PDF, and the official document's DOCX and PDF) through
the API, and every report's printable page (its HTML)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from gateway.auth import Principal
from gateway.console.lists import PAGE_SIZE
from gateway.console.names import REPORT_KINDS
from gateway.console.session import PageModule, PageRoute, Reply, today

# A file's link text (other formats: their name in capitals); html is the printable page, opened, not downloaded.
FORMAT_LABELS = {"docx": "公文DOCX", "official.pdf": "公文PDF", "html": "打印版"}


def console_links(report: dict[str, Any]) -> dict[str, str]:
    """The report's files as console download links (the API's paths, ?area= included)."""
    files = report.get("files") or {}
    return {fmt: "/console/reports/" + path.removeprefix("/read-models/reports/")
            for fmt, path in files.items() if isinstance(path, str) and path.startswith("/read-models/reports/")}


def _rows(reply: Reply, key: str) -> list[dict[str, Any]]:
    rows = reply.data.get(key) if reply.ok and isinstance(reply.data, dict) else None
    rows = rows if isinstance(rows, list) else reply.items
    for row in rows:
        row["links"] = console_links(row)
        query = next((link.partition("?")[2] for link in row["links"].values() if "?" in link), "")
        slug = str(row.get("report") or "").replace("_", "-")
        row["versions_href"] = f"/console/reports/{quote(slug, safe='')}/{quote(str(row.get('period')), safe='')}" + (
            f"?{query}" if query else "")
    return rows


class ReportPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [
            ("GET", "/console/reports", self.reports),
            ("POST", "/console/reports/generate", self.generate),
            ("GET", "/console/reports/{name}/{period}", self.versions),
            ("GET", "/console/reports/{name}/{period}/{file}", self.report_file),
        ]

    @staticmethod
    def _area(request: Request) -> dict[str, str]:
        area = request.query_params.get("area", "").strip()
        return {"area": area} if area else {}

    async def reports(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                      errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Response:
        params = {**self._area(request), "limit": str(PAGE_SIZE)}
        if request.query_params.get("cursor"):
            params["cursor"] = request.query_params["cursor"]
        reply = await self.c.api(token, "GET", "/read-models/reports", params=params)
        if reply.status in (403, 404):  # another area's reports: refused like the API, nothing of them shown
            return self.c.failed(request, p, reply, "无法显示该区划的报表")
        data = reply.data if reply.ok and isinstance(reply.data, dict) else {}
        next_cursor = data.get("next_cursor")
        return self.c.render(
            "reports.html", request, status, p, listing=_rows(reply, "reports") if reply.ok else None,
            error=error or ("" if reply.ok else reply.message), errors=errors or {}, total=data.get("total"),
            whose=data.get("reporting_area_code") or self._area(request).get("area") or p.area_code,
            next_href=f"?{urlencode({**self._area(request), 'cursor': next_cursor})}" if next_cursor else "",
            kinds=REPORT_KINDS, formats=FORMAT_LABELS,
            values=values or {"period": f"{today().year}-Q{(today().month - 1) // 3 + 1}"},
            notice="已生成新版本" if request.query_params.get("generated") else "")

    async def generate(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        name, period = form.get("report", ""), form.get("period", "")
        if name not in REPORT_KINDS or not period:
            return await self.reports(request, p, token, 422, "请选择报表并填写期次", {"period": "必填"}, form)
        area = {"area": form["area"]} if form.get("area") else {}
        path = f"/read-models/reports/{quote(name, safe='')}/{quote(period, safe='')}"
        reply = await self.c.api(token, "POST", path + (f"?{urlencode(area)}" if area else ""))
        if not reply.ok:
            status = reply.status if 400 <= reply.status < 500 else 502
            return await self.reports(request, p, token, status, reply.message, reply.field_errors, form)
        target = f"/console/reports/{quote(name, safe='')}/{quote(period, safe='')}"
        return RedirectResponse(f"{target}?{urlencode({**area, 'generated': 1})}", status_code=303)

    async def versions(self, request: Request, p: Principal, token: str) -> Response:
        name, period = (quote(request.path_params[k], safe="") for k in ("name", "period"))
        reply = await self.c.api(token, "GET", f"/read-models/reports/{name}/{period}", params=self._area(request))
        if not reply.ok:
            return self.c.failed(request, p, reply, "无法显示该报表")
        return self.c.render("report_versions.html", request, 200, p, versions=_rows(reply, "versions"),
                             report_name=request.path_params["name"], period=request.path_params["period"],
                             kinds=REPORT_KINDS, formats=FORMAT_LABELS,
                             notice="已生成新版本" if request.query_params.get("generated") else "")

    async def report_file(self, request: Request, p: Principal, token: str) -> Response:
        name, period, file = (quote(request.path_params[k], safe="") for k in ("name", "period", "file"))
        reply = await self.c.api(token, "GET", f"/read-models/reports/{name}/{period}/{file}",
                                 params=self._area(request))
        if not reply.ok:
            return self.c.failed(request, p, reply, "无法下载该报表")
        if not file.endswith(".html"):
            return self.c.file(reply)
        # The printable page: reporting's fragment (its text escaped there, no style or script in it) in the
        # console's print layout and stylesheet.
        area = self._area(request)
        return self.c.render("report_print.html", request, 200, p, report=Markup(reply.response.text),
                             report_name=request.path_params["name"], period=request.path_params["period"],
                             kinds=REPORT_KINDS, back=f"/console/reports/{name}/{period}"
                             + (f"?{urlencode(area)}" if area else ""))
