"""List pages: one declared view per API list ({items, total, next_cursor}), rendered by one template.

A view names its API path, its columns and its filters; the page passes the filters the browser sent
(only the declared ones) with the cursor to the API, shows the page of rows with a link to the next
one (the API's opaque cursor: pagination stays on the server) and offers the same query as the API's
XLSX 台账. The area filter offers the user's own area and the areas right under it, by name."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import Response

from gateway.auth import Principal
from gateway.console.session import ConsoleSession, Reply

PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    names: dict[str, str] | None = None  # code -> its Chinese name
    link: str = ""  # a console path the row's id is appended to, e.g. "/console/stations/"
    id_key: str = ""  # the row's id field for the link (default: the view's)
    link_when: tuple[str, str] | None = None  # (field, value): only such rows link (the others have no page)


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    options: dict[str, str] | None = None  # a select (value -> label); None: a text field
    hidden: bool = False  # passed on from a link (a station's workers), never typed: an id


@dataclass(frozen=True)
class ListView:
    path: str  # the API's list path below /api
    title: str
    columns: tuple[Column, ...]
    id_key: str = "id"
    filters: tuple[Filter, ...] = ()
    search: str = ""  # what q searches ("站点名称"); empty: no search box
    area: bool = True  # the area filter (every list has it; a few city-wide lists do not)
    export: bool = True
    fixed: dict[str, str] = field(default_factory=dict)  # query parameters the page always sends

    def query_of(self, request: Request) -> dict[str, str]:
        """The declared parameters the browser sent, non-empty ones only."""
        names = [f.name for f in self.filters] + ["q", "cursor", "sort"] + (["area"] if self.area else [])
        sent = {name: request.query_params.get(name, "").strip() for name in names}
        return {k: v for k, v in sent.items() if v}


def row_id(row: dict[str, Any], key: str) -> str:
    value = row.get(key) or row.get("id") or ""
    return str(value)


async def area_options(console: ConsoleSession, token: str, p: Principal, chosen: str = "") -> dict[str, str]:
    """The user's area and its sub-areas by name (and a deeper chosen area), for an area filter."""
    own, children = await asyncio.gather(console.api(token, "GET", f"/areas/{quote(p.area_code, safe='')}"),
                                         console.api(token, "GET", f"/areas/{quote(p.area_code, safe='')}/children"))
    own_name = own.data.get("name") if own.ok and isinstance(own.data, dict) else None
    options = {p.area_code: f"{own_name or p.area_code}（本辖区）"}
    if children.ok and isinstance(children.data, list):
        for child in children.data:
            if isinstance(child, dict) and child.get("valid", True) and child.get("code"):
                options[child["code"]] = child.get("name") or child["code"]
    if chosen and chosen not in options:
        options[chosen] = chosen
    return options


async def fetch(console: ConsoleSession, token: str, view: ListView, query: dict[str, str]) -> Reply:
    return await console.api(token, "GET", view.path, params={**view.fixed, "limit": str(PAGE_SIZE), **query})


async def show(console: ConsoleSession, request: Request, p: Principal, token: str, view: ListView,
               template: str = "list.html", **context: Any) -> Response:
    """A list page (or, with format=xlsx, its 台账 downloaded through the API)."""
    query = view.query_of(request)
    if request.query_params.get("format") == "xlsx" and view.export:
        query.pop("cursor", None)
        reply = await console.api(token, "GET", view.path, params={**view.fixed, **query, "format": "xlsx"})
        return console.file(reply) if reply.ok else console.failed(request, p, reply, f"无法导出{view.title}")
    reply, areas = await asyncio.gather(
        fetch(console, token, view, query),
        area_options(console, token, p, query.get("area", "")) if view.area else _nothing())
    if not reply.ok and reply.status in (403, 404):
        return console.failed(request, p, reply, f"无法显示{view.title}")
    base = {k: v for k, v in query.items() if k != "cursor"}
    next_cursor = reply.data.get("next_cursor") if reply.ok and isinstance(reply.data, dict) else None
    return console.render(
        template, request, 200 if reply.ok else (reply.status if 400 <= reply.status < 500 else 502), p,
        view=view, query=query, areas=areas, rows=reply.items, row_id=row_id,
        total=reply.data.get("total") if reply.ok and isinstance(reply.data, dict) else None,
        error="" if reply.ok else reply.message, field_errors=reply.field_errors,
        next_href=f"?{urlencode({**base, 'cursor': next_cursor})}" if next_cursor else "",
        first_href=f"?{urlencode(base)}" if query.get("cursor") else "",
        export_href=f"?{urlencode({**base, 'format': 'xlsx'})}" if view.export else "", **context)


async def _nothing() -> dict[str, str]:
    return {}
