"""Request limits at the gateway: the body size (413), JSON nesting depth (422), requests per account
(429, a token bucket) and page size (422). Each refusal is the uniform error body."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from itertools import accumulate
from typing import Protocol

from fastapi import FastAPI, Request, Response
from pzh_shared.http import error_body

# Deeper JSON bodies are refused (422); the platform's real documents nest a handful of levels.
MAX_JSON_DEPTH = 64
# a string, or an unterminated one up to the end (so that no quote is scanned twice: linear on any input)
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]+")
PAGE_PARAMS = ("limit", "page_size")


class Limiter(Protocol):
    """Requests per account: this process's RateLimiter, or one shared by the replicas in their store."""

    def take(self, key: str) -> int:
        """0 when the request may go; otherwise the seconds to wait (for Retry-After)."""
        ...


class RateLimiter:
    """A token bucket per account in this process: `per_minute` requests a minute, refilled continuously."""

    def __init__(self, per_minute: int):
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> int:
        """0 when the request may go; otherwise the seconds to wait (for Retry-After)."""
        now = time.monotonic()
        tokens, last = self.buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1:
            self.buckets[key] = (tokens, now)
            return max(1, int((1 - tokens) / self.rate + 0.999))
        self.buckets[key] = (tokens - 1, now)
        return 0


def rate_limited(wait: int) -> Response:
    reply = error_body(429, "rate_limited", f"请求过于频繁，请 {wait} 秒后再试")
    reply.headers["Retry-After"] = str(wait)
    return reply


def json_depth(content: bytes) -> int:
    """How deep brackets nest in a (possibly invalid) JSON text, ignoring those inside strings; linear, no recursion."""
    brackets = _NOT_BRACKETS.sub(b"", _JSON_STRING.sub(b"", content))
    return max(accumulate(1 if b in b"[{" else -1 for b in brackets), default=0)


def declared_too_large(request: Request, max_bytes: int) -> bool:
    """Whether the declared Content-Length is over the limit (known before the body is read)."""
    declared = request.headers.get("content-length", "")
    return declared.isdigit() and int(declared) > max_bytes


def too_large(max_bytes: int) -> Response:
    return error_body(413, "request_too_large", f"请求内容过大：上限 {max_bytes // (1024 * 1024)} MiB")


def page_too_large(request: Request, max_page_size: int) -> Response | None:
    """422 when a `limit` or `page_size` query parameter asks for more than the cap."""
    for name in PAGE_PARAMS:
        value = request.query_params.get(name, "")
        if value.isdigit() and int(value) > max_page_size:
            return error_body(422, "page_too_large", f"{name} 最大为 {max_page_size}")
    return None


def install_json_depth_limit(app: FastAPI, max_bytes: int) -> None:
    """A JSON body nested deeper than MAX_JSON_DEPTH answers 422 before anything parses it: Python's
    json (here and in the services) would otherwise hit its recursion limit and answer 5xx."""

    @app.middleware("http")
    async def refuse_deep_json(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.method in ("POST", "PUT", "PATCH") and not declared_too_large(request, max_bytes):
            content = await request.body()
            if len(content) <= max_bytes and json_depth(content) > MAX_JSON_DEPTH:
                return error_body(422, "invalid_request", f"请求内容无效：JSON 嵌套超过 {MAX_JSON_DEPTH} 层")
        return await call_next(request)
