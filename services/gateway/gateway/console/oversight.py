"""The auditors' pages: the gateway's audit log and casework's read audit, filtered by actor, area (the gateway's),
action, purpose (the read audit's) and time, with the read audit's hash-chain verification. Both APIs filter on
the server (the page passes its dates as China days) and page by the sequence number."""

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

# each audit page: its API path, its title and the filters the API takes as they are (besides the dates)
AUDITS = {"gateway": ("/gateway/audit", "网关审计日志", ("actor", "area", "action")),
          "reads": ("/audit/reads", "个案查阅审计", ("actor", "action", "purpose"))}
READ_ACTIONS = {"read": "查阅个案", "export": "导出个案", "client_read": "查阅服务对象",
                "client_search": "查找服务对象", "caseload": "查看个案清单", "erasure": "删除身份信息"}


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


def api_filters(query: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The page's filters as an audit API's: those `names` as they are, the dates as whole days in China (`to`
    included) as since/until."""
    params = {k: query[k] for k in names if query.get(k)}
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

    async def gateway_audit(self, request: Request, p: Principal, token: str) -> Response:
        return await self._audit(request, p, token, "gateway")

    async def read_audit(self, request: Request, p: Principal, token: str) -> Response:
        return await self._audit(request, p, token, "reads")

    async def _audit(self, request: Request, p: Principal, token: str, kind: str) -> Response:
        """One page of either audit, oldest first, the filters applied by its API; `after` pages on by sequence."""
        path, title, names = AUDITS[kind]
        sent = {k: request.query_params.get(k, "").strip() for k in (*names, "from", "to")}
        query = {k: v for k, v in sent.items() if v}
        after = request.query_params.get("after", "0")
        params = {"after": after if after.isdigit() else "0", "limit": str(PAGE_SIZE), **api_filters(query, names)}
        reply, verification = await asyncio.gather(self.c.api(token, "GET", path, params=params),
                                                   self.c.api(token, "GET", "/audit/verification"))
        if not reply.ok and reply.status != 422:
            return self.c.failed(request, p, reply, f"无法显示{title}")
        shown = [r for r in (reply.data or {}).get("records", []) if isinstance(r, dict)] if reply.ok else []
        last = shown[-1]["seq"] if len(shown) == PAGE_SIZE else None  # a full page: more may follow
        whole = reply.ok and last is None and params["after"] == "0"  # the first page holds every match
        for record in shown:
            record["when"] = _when(record.get("at"))
        return self.c.render("audit.html", request, 200 if reply.ok else 422, p, title=title, kind=kind,
                             records=shown, total=len(shown) if whole else None, query=query, read_actions=READ_ACTIONS,
                             error="" if reply.ok else reply.message, errors=_filter_errors(reply.field_errors),
                             verification=verification.data if verification.ok else None,
                             next_href=f"?{urlencode({**query, 'after': last})}" if last is not None else "",
                             first_href=f"?{urlencode(query)}" if params["after"] != "0" else "")
