"""The gateway's refusals: a Denied call (403, 404, 409, 422, 503 with the uniform error body) and
an unauthenticated one (401 with a Bearer challenge)."""

from __future__ import annotations

from fastapi import Response
from pzh_shared.http import error_body


class Denied(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code

    def response(self) -> Response:
        return error_body(self.status, self.code, str(self))


class Unauthenticated(Exception):
    """Answers 401; the message (from auth.AuthError) never says which part was wrong."""

    def response(self) -> Response:
        reply = error_body(401, "unauthenticated", str(self))
        reply.headers["WWW-Authenticate"] = 'Bearer realm="pzh"'
        return reply


def not_found() -> Denied:
    """Also the answer for what lies outside the caller's area: nobody learns what exists elsewhere."""
    return Denied(404, "not_found", "未找到，或不在您的管辖范围内")


def forbidden(message: str = "您的角色无权执行此操作") -> Denied:
    return Denied(403, "forbidden", message)


def upstream_unavailable(service: str | None = None) -> Denied:
    which = f"服务 {service} " if service else "服务"
    return Denied(503, "upstream_unavailable", f"{which}暂时不可用，请稍后重试")
