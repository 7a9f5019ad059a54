"""The console's session mechanics: the signed-in user's cookie (its access token, re-issued when half
its lifetime is gone), CSRF tokens, rendering, and calls to the gateway's own API in process."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment

from gateway.access import allowed
from gateway.auth import Authenticator, AuthError, Principal
from gateway.console.menu import menu_for

HERE = Path(__file__).parent
CHINA = timezone(timedelta(hours=8))
SESSION_COOKIE = "pzh_console"
LOGIN_COOKIE = "pzh_console_login"  # the sign-in form's double-submit CSRF token
MFA_PAGE = "/console/mfa"  # where a session opened without a second factor enrols one
MAX_FORM_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = 4 * 1024 * 1024  # a CSV import (multipart), and its confirmation carrying the file back
UPLOAD_PATHS: set[str] = set()  # console paths that take an upload; a page module adds its own
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

# A page of a signed-in user: (request, principal, token) for GET, and the form too for POST.
PageHandler = Callable[..., Awaitable[Response]]
# One console route: (method, path, handler); a page module answers a list of them (console/modules.py).
PageRoute = tuple[str, str, PageHandler]


class Reply:
    """An answer of the gateway's API to the console: status and JSON (None when not JSON)."""

    def __init__(self, response: httpx.Response):
        self.status = response.status_code
        self.response = response
        try:
            self.data: Any = response.json()
        except ValueError:
            self.data = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def message(self) -> str:
        error = self.data.get("error") if isinstance(self.data, dict) else None
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        return {401: "请先登录", 403: "您的角色无权执行此操作", 404: "未找到，或不在您的管辖范围内"}.get(
            self.status, f"服务暂时不可用，请稍后重试（HTTP {self.status}）")

    @property
    def field_errors(self) -> dict[str, str]:
        """The problem of each field a 422 names (its `details`), keyed by the field's last name, so a form
        shows it next to that field; nested fields (`sources.0.amount`) also under their full name."""
        error = self.data.get("error") if isinstance(self.data, dict) else None
        details = error.get("details") if isinstance(error, dict) else None
        found: dict[str, str] = {}
        for detail in details if isinstance(details, list) else []:
            if isinstance(detail, dict) and isinstance(detail.get("field"), str):
                problem = str(detail.get("problem") or detail.get("message") or "取值无效")
                found.setdefault(detail["field"], problem)
                found.setdefault(detail["field"].rsplit(".", 1)[-1], problem)
        return found

    @property
    def items(self) -> list[dict[str, Any]]:
        """A list answer's rows ({items, total, next_cursor}); none when the call failed."""
        items = self.data.get("items") if self.ok and isinstance(self.data, dict) else None
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def today() -> date:
    """Today in China, the day a command is dated when its form leaves the date empty."""
    return datetime.now(CHINA).date()


def secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def csrf_of(p: Principal) -> str:
    return hmac.new((p.session_id or "").encode(), b"pzh-console-csrf", hashlib.sha256).hexdigest()


async def form_of(request: Request) -> dict[str, str]:
    raw = await request.body()
    if len(raw) > (MAX_UPLOAD_BYTES if request.url.path in UPLOAD_PATHS else MAX_FORM_BYTES):
        return {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return multipart_form(content_type, raw)
    return {k: v.strip() for k, v in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)}


def multipart_form(content_type: str, raw: bytes) -> dict[str, str]:
    """A multipart form's fields as text; a file's content under its field name and its name under
    `<field>.filename` (the standard library's MIME parser: uploads are small CSV files)."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    form: dict[str, str] = {}
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8-sig", "replace") if isinstance(payload, bytes) else ""
        filename = part.get_filename()
        if filename is not None:
            form[f"{name}.filename"] = filename
            form[name] = text
        else:
            form[name] = text.strip()
    return form


def to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/console/login?next={quote(target, safe='')}", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


class ConsoleSession:
    """What every console page uses; `app` is the gateway whose /api routes the console calls."""

    def __init__(self, app: FastAPI, auth: Authenticator, token_ttl: int, templates: Environment):
        self.auth, self.token_ttl, self.templates = auth, token_ttl, templates
        self.api_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.internal",
                                            timeout=60)

    def render(self, name: str, request: Request, status: int = 200, p: Principal | None = None,
               **context: Any) -> HTMLResponse:
        csrf = csrf_of(p) if p else ""
        menu = menu_for(p.role) if p else []

        def may(function: str) -> bool:  # whether to offer a command: the API checks it again
            return p is not None and allowed(p.role, function)

        html = self.templates.get_template(name).render(request=request, user=p, csrf=csrf, menu=menu, may=may,
                                                        **context)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    @staticmethod
    def set_session(response: Response, request: Request, token: str) -> None:
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure(request),
                            path="/console")

    def signed_in(self, request: Request) -> tuple[Principal, str] | None:
        token = request.cookies.get(SESSION_COOKIE, "")
        if not token or token.startswith("pzhk_"):  # API keys never sign in to the console
            return None
        try:
            return self.auth.authenticate(f"Bearer {token}", None), token
        except AuthError:
            return None

    def refreshed(self, request: Request, p: Principal, token: str, response: Response) -> Response:
        """Re-issues the access token for the same session when half its lifetime is gone."""
        if any(v.startswith(f"{SESSION_COOKIE}=") for v in response.headers.getlist("set-cookie")):
            return response  # the handler set or ended the session itself (sign-out)
        try:
            expires = self.auth.decode(token)["exp"]
        except AuthError:
            return response
        if expires - self.auth.clock() < self.token_ttl / 2:
            self.set_session(response, request, self.auth.issue(p))
        return response

    async def api(self, token: str, method: str, path: str, body: Any = None,
                  params: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Reply:
        response = await self.api_client.request(method, f"/api{path}", json=body, params=params,
                                                 headers={**(headers or {}), "Authorization": f"Bearer {token}"})
        return Reply(response)

    def failed(self, request: Request, p: Principal, reply: Reply, title: str) -> HTMLResponse:
        """The error page for a failed API call: the caller's fault (4xx) as is, anything else 502."""
        status = reply.status if 400 <= reply.status < 500 else 502
        return self.render("error.html", request, status, p, title=title, message=reply.message)

    @staticmethod
    def file(reply: Reply) -> Response:
        """A file the API answered (an XLSX 台账, a report), handed to the browser as it came."""
        headers = {k: v for k, v in reply.response.headers.items() if k in ("content-type", "content-disposition")}
        return Response(reply.response.content,
                        headers={**headers, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

    def page(self, handler: PageHandler, enrolling: bool = False) -> Callable[[Request], Awaitable[Response]]:
        """Runs a page handler for a signed-in user (else: to the sign-in page), refreshing the token. Every console
        user signs in with a second factor: a session opened without one reaches only the enrolment pages (and
        sign-out, `enrolling`), whatever GATEWAY_MFA_REQUIRED says for the API."""
        async def run(request: Request) -> Response:
            session = self.signed_in(request)
            if session is None:
                return to_login(request)
            p, token = session
            if not p.mfa and not enrolling:
                return RedirectResponse(MFA_PAGE, status_code=303)
            if request.method == "POST":
                form = await form_of(request)
                if not hmac.compare_digest(form.get("csrf", ""), csrf_of(p)):
                    return self.render("error.html", request, 403, p, title="请求被拒绝",
                                       message="表单已过期或来源无效（CSRF 校验失败），请刷新页面后重试。")
                response = await handler(request, p, token, form)
            else:
                response = await handler(request, p, token)
            return self.refreshed(request, p, token, response)
        run.__name__ = handler.__name__
        return run


class PageModule:
    """A group of console pages (one file under console/, listed in console/modules.py): its handlers get
    (request, principal, token) and, for POST, the checked form; the console signs in and refreshes."""

    def __init__(self, console: ConsoleSession):
        self.c = console

    def routes(self) -> list[PageRoute]:
        raise NotImplementedError
