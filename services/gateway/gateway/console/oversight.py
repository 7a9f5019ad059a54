"""The auditors' pages: the gateway's audit log and casework's read audit, filtered by actor, area, action
and time, with the read audit's hash-chain verification. The gateway's API filters by all of them on the
server (the page passes its dates as China days); casework's read audit answers every record, which the
page filters and pages here."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from gateway.auth import Principal
from gateway.console.lists import PAGE_SIZE
from gateway.console.session import CHINA, PageModule, PageRoute

FILTERS = ("actor", "area", "action", "from", "to")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _when(value: Any) -> datetime | None:
    """A record's time in China: the gateway's are epoch seconds, casework's ISO timestamps."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, CHINA)
    try:
        return datetime.fromisoformat(str(value)).astimezone(CHINA)
    except ValueError:
        return None


def matches(record: dict[str, Any], query: dict[str, str], actor_key: str) -> bool:
    when = _when(record.get("at"))
    start, end = _day(query.get("from", "")), _day(query.get("to", ""))
    area = query.get("area", "")
    return ((not query.get("actor") or record.get(actor_key) == query["actor"])
            and (not query.get("action") or query["action"] in str(record.get("action", "")))
            and (not area or any(str(record.get(k) or "").startswith(area) for k in ("target_area", "actor_area",
                                                                                      "area_code")))
            and (start is None or (when is not None and when.date() >= start))
            and (end is None or (when is not None and when.date() <= end)))


def gateway_filters(query: dict[str, str]) -> dict[str, str]:
    """The page's filters as the gateway audit API's: its dates are whole days in China, `to` included."""
    params = {k: query[k] for k in ("actor", "area", "action") if query.get(k)}
    start, end = _day(query.get("from", "")), _day(query.get("to", ""))
    if start is not None:
        params["since"] = datetime.combine(start, time(), CHINA).isoformat()
    if end is not None:
        params["until"] = datetime.combine(end + timedelta(days=1), time(), CHINA).isoformat()
    return params


def _filter_errors(errors: dict[str, str]) -> dict[str, str]:
    """A refused filter's message under the page's own field name (the API's since/until are from/to)."""
    return {{"since": "from", "until": "to"}.get(k, k): v for k, v in errors.items()}


class OversightPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [
            ("GET", "/console/audit/gateway", self.gateway_audit),
            ("GET", "/console/audit/reads", self.read_audit),
        ]

    @staticmethod
    def _query(request: Request) -> dict[str, str]:
        return {k: request.query_params.get(k, "").strip() for k in FILTERS if request.query_params.get(k, "").strip()}

    async def gateway_audit(self, request: Request, p: Principal, token: str) -> Response:
        query = self._query(request)
        after = request.query_params.get("after", "0")
        params = {"after": after if after.isdigit() else "0", "limit": str(PAGE_SIZE), **gateway_filters(query)}
        reply, verification = await asyncio.gather(self.c.api(token, "GET", "/gateway/audit", params=params),
                                                   self.c.api(token, "GET", "/audit/verification"))
        if not reply.ok and reply.status != 422:
            return self.c.failed(request, p, reply, "无法显示网关审计日志")
        shown = [r for r in (reply.data or {}).get("records", []) if isinstance(r, dict)] if reply.ok else []
        last = shown[-1]["seq"] if len(shown) == PAGE_SIZE else None  # a full page: more may follow
        for record in shown:
            record["when"] = _when(record.get("at"))
        return self.c.render("audit.html", request, 200 if reply.ok else 422, p, title="网关审计日志",
                             kind="gateway", records=shown, total=None, query=query,
                             error="" if reply.ok else reply.message, errors=_filter_errors(reply.field_errors),
                             verification=verification.data if verification.ok else None,
                             next_href=f"?{urlencode({**query, 'after': last})}" if last is not None else "",
                             first_href=f"?{urlencode(query)}" if params["after"] != "0" else "")

    async def read_audit(self, request: Request, p: Principal, token: str) -> Response:
        query = self._query(request)
        page = int(request.query_params["page"]) if request.query_params.get("page", "").isdigit() else 1
        reply, verification = await asyncio.gather(self.c.api(token, "GET", "/audit/reads"),
                                                   self.c.api(token, "GET", "/audit/verification"))
        if not reply.ok:
            return self.c.failed(request, p, reply, "无法显示个案查阅审计")
        records = [r for r in (reply.data or {}).get("records", [])
                   if isinstance(r, dict) and matches(r, query, "user")]
        records.reverse()  # newest first: an auditor looks at what happened lately
        shown = records[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        for record in shown:
            record["when"] = _when(record.get("at"))
        more = len(records) > page * PAGE_SIZE
        return self.c.render("audit.html", request, 200, p, title="个案查阅审计", kind="reads", records=shown,
                             query=query, verification=verification.data if verification.ok else None,
                             total=len(records), next_href=f"?{urlencode({**query, 'page': page + 1})}" if more else "",
                             first_href=f"?{urlencode(query)}" if page > 1 else "")
