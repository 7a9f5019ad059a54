"""Forwarding to a service; the httpx instrumentation carries the trace context along."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx
from fastapi import Response
from pzh_shared.http import error_body

PASSED_HEADERS = ("retry-after", "idempotent-replayed", "content-disposition")
# The services' uvicorn closes an idle keep-alive connection after 5 s, httpx's default pool keeps one 5 s too: a
# request sent on it just then fails (RemoteProtocolError, a 503 to the caller). Idle connections go sooner here.
KEEPALIVE_EXPIRY = 2.0


class Upstream:
    def __init__(self, name: str, base_url: str, timeout: float, transport: httpx.AsyncBaseTransport | None = None):
        self.name = name
        self.client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport,
                                        limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY))

    async def forward(self, method: str, path: str, content: bytes = b"",
                      params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
                      headers: dict[str, str] | None = None) -> Response:
        try:
            reply = await self.client.request(method, path, content=content, params=params, headers=headers)
        except httpx.InvalidURL:
            return error_body(422, "invalid_request", "请求地址无效")
        except httpx.HTTPError as exc:
            return error_body(
                503, "upstream_unavailable", f"服务 {self.name} 暂时不可用，请稍后重试 ({type(exc).__name__})"
            )
        # A 503's Retry-After, an idempotent replay's marker and an export's file name mean something to the client.
        passed = {k: v for k, v in reply.headers.items() if k.lower() in PASSED_HEADERS}
        return Response(content=reply.content, status_code=reply.status_code,
                        media_type=reply.headers.get("content-type", "application/json"), headers=passed)

    async def close(self) -> None:
        await self.client.aclose()
