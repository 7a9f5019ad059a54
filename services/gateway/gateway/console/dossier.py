"""A county's dossier (县(区)档案): its record year by year from reporting (GET /read-models/dossiers/{county}),
shown as the table reporting lays out, offered as the same XLSX and as a printable page (the table on a sheet of
its own, without the console's menus, as the reports' 打印版)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import Response

from gateway.auth import Principal
from gateway.console import lists
from gateway.console.session import PageModule, PageRoute, today


class DossierPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [
            ("GET", "/console/dossier", self.dossier),
            ("GET", "/console/dossier/file", self.dossier_file),
            ("GET", "/console/dossier/print", self.dossier_print),
        ]

    @staticmethod
    def _query(request: Request) -> dict[str, str]:
        names = ("county", "from_year", "to_year")
        return {name: value for name in names if (value := request.query_params.get(name, "").strip())}

    @staticmethod
    def _api_params(query: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in query.items() if k != "county"}

    async def dossier(self, request: Request, p: Principal, token: str) -> Response:
        query = self._query(request)
        options = await lists.area_options(self.c, token, p, query.get("county", ""))
        counties = {code: name for code, name in options.items() if len(code) == 6 and not code.endswith("00")}
        county = query.get("county") or (next(iter(counties)) if len(counties) == 1 else "")
        body: dict[str, Any] | None = None
        error, status = "", 200
        if county:
            reply = await self.c.api(token, "GET", f"/read-models/dossiers/{quote(county, safe='')}",
                                     params=self._api_params(query))
            if reply.ok and isinstance(reply.data, dict):
                body = reply.data
            else:
                error, status = reply.message, (reply.status if 400 <= reply.status < 500 else 502)
        chosen = urlencode({**query, "county": county})
        return self.c.render("dossier.html", request, status, p, counties=counties, county=county, body=body,
                             values={"from_year": query.get("from_year", str(today().year - 4)),
                                     "to_year": query.get("to_year", str(today().year))},
                             error=error, file_href=f"/console/dossier/file?{chosen}" if body else "",
                             print_href=f"/console/dossier/print?{chosen}" if body else "")

    async def dossier_print(self, request: Request, p: Principal, token: str) -> Response:
        query = self._query(request)
        reply = await self.c.api(token, "GET", f"/read-models/dossiers/{quote(query.get('county', ''), safe='')}",
                                 params=self._api_params(query))
        if not reply.ok or not isinstance(reply.data, dict):
            return self.c.failed(request, p, reply, "无法显示该县(区)档案")
        return self.c.render("dossier_print.html", request, 200, p, body=reply.data,
                             back=f"/console/dossier?{urlencode(query)}")

    async def dossier_file(self, request: Request, p: Principal, token: str) -> Response:
        query = self._query(request)
        county = query.get("county", "")
        reply = await self.c.api(token, "GET", f"/read-models/dossiers/{quote(county, safe='')}",
                                 params={**self._api_params(query), "format": "xlsx"})
        if not reply.ok:
            return self.c.failed(request, p, reply, "无法下载该县(区)档案")
        return self.c.file(reply)
