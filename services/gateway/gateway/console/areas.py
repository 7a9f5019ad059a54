"""Administrative areas and yearly targets: the area tree with drill-down and a search by name or code,
and the targets per county and tier (editable for the current and later years) with the county's
progress and township coverage."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pzh_shared.areas import is_area_code, lineage

from gateway.auth import Principal
from gateway.console import charts, lists
from gateway.console.session import PageModule, PageRoute, today

TARGET_TIERS = {"general_station": "社会工作服务总站", "township_station": "乡镇(街道)社工站",
                "village_room": "村(社区)社工室"}


class AreaPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [
            ("GET", "/console/areas", self.areas),
            ("GET", "/console/targets", self.targets),
            ("POST", "/console/targets", self.set_targets),
        ]

    async def _trail(self, token: str, p: Principal, code: str) -> list[dict[str, Any]]:
        """The areas from the user's own down to the shown one's parent, named, for the breadcrumb."""
        chain = lineage(code)[1:] if is_area_code(code) else []
        codes = chain[: chain.index(p.area_code) + 1][::-1] if p.area_code in chain else []
        replies = await asyncio.gather(*(self.c.api(token, "GET", f"/areas/{quote(c, safe='')}") for c in codes))
        return [{"code": c, "name": (r.data or {}).get("name") if r.ok else c}
                for c, r in zip(codes, replies, strict=True)]

    async def areas(self, request: Request, p: Principal, token: str) -> Response:
        code = request.query_params.get("code", "").strip() or p.area_code
        q = request.query_params.get("q", "").strip()
        tree, found = await asyncio.gather(
            self.c.api(token, "GET", f"/areas/{quote(code, safe='')}/tree", params={"depth": "1"}),
            self.c.api(token, "GET", "/areas", params={"q": q, "area": p.area_code, "limit": "50"})
            if q else _none())
        if not tree.ok:
            return self.c.failed(request, p, tree, "无法显示该区划")
        node = tree.data if isinstance(tree.data, dict) else {}
        trail = await self._trail(token, p, code)
        children = [c for c in node.get("children") or [] if isinstance(c, dict)]
        return self.c.render("areas.html", request, 200, p, node=node, children=children, trail=trail, q=q,
                             found=found.items if found is not None else None,
                             found_error=found.message if found is not None and not found.ok else "")

    # --- targets and progress ---------------------------------------------------------------------------

    async def counties(self, token: str, p: Principal) -> dict[str, str]:
        """The counties the user may set targets for: their own, or those of their city."""
        if len(p.area_code) == 6 and not p.area_code.endswith("00"):
            own = await self.c.api(token, "GET", f"/areas/{quote(p.area_code, safe='')}")
            return {p.area_code: (own.data or {}).get("name") or p.area_code if own.ok else p.area_code}
        options = await lists.area_options(self.c, token, p)
        return {code: name for code, name in options.items() if len(code) == 6 and code != p.area_code}

    async def targets(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                      errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Response:
        counties = await self.counties(token, p)
        county = (values or {}).get("county") or request.query_params.get("county", "") or next(iter(counties), "")
        year_text = (values or {}).get("year") or request.query_params.get("year", "")
        year = int(year_text) if year_text.isdigit() else today().year
        if not county:
            return self.c.render("error.html", request, 404, p, title="年度目标", message="辖区内没有县(区)")
        listing, progress, coverage = await asyncio.gather(
            self.c.api(token, "GET", "/targets", params={"area": county, "limit": "50", "sort": "year"}),
            self.c.api(token, "GET", f"/progress/{quote(county, safe='')}", params={"year": str(year)}),
            # the township coverage the reports count (reporting's coverage view), as of the page's day
            self.c.api(token, "GET", f"/read-models/coverage/{quote(county, safe='')}",
                       params={"as_of": min(today(), date(year, 12, 31)).isoformat()}))
        if not progress.ok and progress.status in (403, 404):
            return self.c.failed(request, p, progress, "无法显示该县(区)的进度")
        this_year = next((t for t in listing.items if t.get("year") == year), None)
        return self.c.render(
            "targets.html", request, status, p, counties=counties, county=county, year=year, rows=listing.items,
            progress=progress.data if progress.ok else None, current=this_year, editable=year >= today().year,
            coverage=coverage.data if coverage.ok and isinstance(coverage.data, dict) else None,
            coverage_percent=charts.percent(coverage.data.get("share")) if coverage.ok and isinstance(
                coverage.data, dict) else None,
            years=list(range(today().year - 2, today().year + 6)), tiers=TARGET_TIERS, error=error,
            errors=errors or {}, values=values or {},
            notice="已保存年度目标" if request.query_params.get("saved") else "",
            progress_error="" if progress.ok else progress.message)

    async def set_targets(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        county, year = form.get("county", ""), form.get("year", "")
        if not county or not year.isdigit():
            return await self.targets(request, p, token, 422, "请选择县(区)和年度", values=form)
        body: dict[str, Any] = {tier: int(form[tier]) if form.get(tier, "").isdigit() else form.get(tier)
                                for tier in TARGET_TIERS}
        reply = await self.c.api(token, "PUT", f"/targets/{quote(county, safe='')}/{year}", body)
        if not reply.ok:
            status = reply.status if 400 <= reply.status < 500 else 502
            return await self.targets(request, p, token, status, reply.message, reply.field_errors, form)
        return RedirectResponse(f"/console/targets?{urlencode({'county': county, 'year': year, 'saved': 1})}",
                                status_code=303)


async def _none() -> None:
    return None
