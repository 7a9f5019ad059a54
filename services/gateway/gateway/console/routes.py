"""The web console (issue 8, part 5): server-rendered pages in Simplified Chinese under /console.

Every figure and every command goes through the gateway's own `/api/...` routes, called in process
with the signed-in user's access token: the same role check (403), area scope (404), rate limit and
audit as any API client, never a second rule set. The session is the gateway's own: the access
token lives in an HttpOnly, SameSite=Strict cookie and is re-issued for the same session when half
its lifetime is gone (the session's idle timeout still applies). Forms carry a CSRF token derived
from the session id, which only the cookie holder knows; the sign-in form a double-submit cookie."""

from __future__ import annotations

import asyncio
import hmac
import secrets
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape

from gateway.auth import Authenticator, Principal
from gateway.console import charts
from gateway.console.menu import home_of
from gateway.console.modules import PAGE_MODULES
from gateway.console.names import TEMPLATE_NAMES, TIER_NAMES
from gateway.console.session import (
    HERE,
    LOGIN_COOKIE,
    MFA_PAGE,
    SESSION_COOKIE,
    ConsoleSession,
    PageHandler,
    Reply,
    form_of,
    secure,
    today,
)
from gateway.roles import ROLE_NAMES


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _templates(system_name: str) -> Environment:
    templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                            undefined=ChainableUndefined)  # a figure a service left out shows empty, not a 500
    templates.globals.update(ROLE_NAMES=ROLE_NAMES, SYSTEM_NAME=system_name, **TEMPLATE_NAMES)
    return templates


def _client_error(status: int) -> int:
    """The console's status for a failed API call: the caller's fault as is, anything else 502."""
    return status if 400 <= status < 500 else 502


def rhythm_items(reply: Reply) -> list[dict[str, Any]] | None:
    """The rhythm's items, or None when reporting has none to give (shown as 暂无数据)."""
    if not reply.ok or not isinstance(reply.data, dict) or not isinstance(reply.data.get("items"), list):
        return None
    return reply.data["items"] or None


def _dashboard_figures(stations: Reply, children: Reply) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The area's station figures in the shape the template reads, and its valid sub-areas with theirs."""
    s = stations.data if isinstance(stations.data, dict) else {}
    # the shape the template reads, whatever a service version leaves out
    s = {"level": s.get("level", ""), "stations": s.get("stations") or {}, "total": s.get("total", 0),
         "children": s.get("children") or [], "levels": s.get("levels") or {}, "targets": s.get("targets") or {}}
    by_child = {c.get("area_code"): c for c in s["children"] if isinstance(c, dict)}
    sub_areas = []
    if children.ok and isinstance(children.data, list):
        for child in children.data:
            if child.get("valid", True):
                counted = by_child.get(child["code"], {})
                sub_areas.append({"code": child["code"], "name": child.get("name") or child["code"],
                                  "stations": counted.get("stations", {}), "total": counted.get("total", 0)})
    return s, sub_areas


class Console(ConsoleSession):
    """The console's pages; each calls the gateway's own API with the signed-in user's token."""

    # --- signing in and out -------------------------------------------------------------------------

    def login_page(self, request: Request, status: int = 200, error: str = "", username: str = "") -> HTMLResponse:
        nonce = secrets.token_urlsafe(24)
        response = self.render("login.html", request, status, None, login_csrf=nonce, error=error, username=username,
                               next=request.query_params.get("next", ""))
        response.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=secure(request),
                            path="/console")
        return response

    async def login_form(self, request: Request) -> Response:
        session = self.signed_in(request)
        if session is not None:
            return RedirectResponse(home_of(session[0].role), status_code=303)
        return self.login_page(request)

    async def login_submit(self, request: Request) -> Response:
        form = await form_of(request)
        cookie = request.cookies.get(LOGIN_COOKIE, "")
        if not cookie or not hmac.compare_digest(form.get("csrf", ""), cookie):
            return self.login_page(request, 403, "表单已过期或来源无效（CSRF 校验失败），请重新登录。")
        # The API's own sign-in: the same lockout, the same audit record.
        reply = Reply(await self.api_client.post("/api/gateway/login", json={
            "username": form.get("username", ""), "password": form.get("password", ""),
            "code": form.get("code") or None}))
        if not reply.ok:
            message = "请输入用户名和密码" if reply.status == 422 else reply.message
            return self.login_page(request, 401 if reply.status == 401 else reply.status, message,
                                   form.get("username", ""))
        target = form.get("next", "")
        if not target.startswith("/console") or target.startswith("/console/login"):
            target = home_of(str(reply.data.get("role", "")))
        if not reply.data.get("mfa"):
            target = MFA_PAGE  # no second factor yet: enrol one first
        response = RedirectResponse(target, status_code=303)
        self.set_session(response, request, reply.data["access_token"])
        response.delete_cookie(LOGIN_COOKIE, path="/console")
        return response

    async def mfa_form(self, request: Request, p: Principal, token: str, error: str = "",
                       status: int = 200) -> Response:
        """Enrolment: a new secret, shown this once (as text and as an otpauth:// link), and a field for its code."""
        if p.mfa:
            return RedirectResponse(home_of(p.role), status_code=303)
        reply = await self.api(token, "POST", "/gateway/mfa/enrolment")
        if not reply.ok:
            return self.failed(request, p, reply, "无法绑定动态口令")
        return self.render("mfa.html", request, status, p, secret=reply.data["secret"],
                           uri=reply.data["otpauth_uri"], error=error)

    async def mfa_confirm(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        reply = await self.api(token, "POST", "/gateway/mfa/enrolment/confirmation", {"code": form.get("code", "")})
        if not reply.ok:  # a new secret: the one shown before is not kept anywhere the page could show it again
            message = f"{reply.message}。已生成新的密钥，请删除验证器中的旧条目后重新添加"
            return await self.mfa_form(request, p, token, message, _client_error(reply.status))
        return RedirectResponse(home_of(p.role), status_code=303)

    async def logout(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        await self.api(token, "POST", "/gateway/logout")
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/console")
        return response

    # --- dashboard ----------------------------------------------------------------------------------

    async def dashboard(self, request: Request, p: Principal, token: str) -> Response:
        area = request.query_params.get("area") or p.area_code
        as_of = _day(request.query_params.get("as_of")) or today()
        day = {"as_of": as_of.isoformat()}
        path_area = quote(area, safe="")
        stations, info, children, talent, cases, money, rhythm, coverage = await asyncio.gather(
            self.api(token, "GET", f"/read-models/stations/{path_area}", params=day),
            self.api(token, "GET", f"/areas/{path_area}", params=day),
            self.api(token, "GET", f"/areas/{path_area}/children", params=day),
            self.api(token, "GET", f"/read-models/talent/{path_area}", params=day),
            self.api(token, "GET", f"/read-models/cases/{path_area}", params=day),
            self.api(token, "GET", f"/read-models/money/{path_area}", params=day),
            self.api(token, "GET", f"/read-models/rhythm/{path_area}", params=day),
            # the plan's township coverage as the reports count it (reporting's coverage view), not stations per child
            self.api(token, "GET", f"/read-models/coverage/{path_area}", params=day))
        if not stations.ok:
            return self.render("error.html", request, stations.status if stations.status in (403, 404, 422) else 502, p,
                               title="无法显示该区域", message=stations.message)
        s, sub_areas = _dashboard_figures(stations, children)
        targets = s["targets"]
        tier_rows = [(TIER_NAMES.get(tier, tier), _number(n), _number(targets[tier]) if tier in targets else None)
                     for tier, n in s["stations"].items()]
        township_coverage = coverage.data if coverage.ok and isinstance(coverage.data, dict) else None
        cap = (money.data or {}).get("assistance_cap") if money.ok else None
        return self.render(
            "dashboard.html", request, 200, p, area=area, as_of=as_of.isoformat(), stations=s,
            area_info=info.data if info.ok else None, sub_areas=sub_areas, coverage=township_coverage,
            coverage_percent=charts.percent(township_coverage.get("share")) if township_coverage else None,
            tier_chart=charts.bars(tier_rows, "各层级站点数与目标"),
            child_chart=charts.bars([(c["name"], _number(c["total"]), None) for c in sub_areas], "下辖区划站点数"),
            talent=talent, cases=cases, money=money, cap=cap,
            cap_chart=charts.share(_number(cap["used"]), _number(cap["cap"]), "3% 限额使用情况") if cap else "",
            rhythm=rhythm_items(rhythm))

    async def rhythm(self, request: Request, p: Principal, token: str) -> Response:
        area = request.query_params.get("area") or p.area_code
        as_of = _day(request.query_params.get("as_of")) or today()
        reply = await self.api(token, "GET", f"/read-models/rhythm/{quote(area, safe='')}",
                               params={"as_of": as_of.isoformat()})
        if reply.status in (403, 404) and not (reply.status == 404 and "rhythm" in reply.message):
            return self.render("error.html", request, reply.status, p, title="无法显示该区域", message=reply.message)
        return self.render("rhythm.html", request, 200, p, area=area, as_of=as_of.isoformat(),
                           items=rhythm_items(reply))

    # --- talent and funding commands ------------------------------------------------------------------

    async def certify_form(self, request: Request, p: Principal, token: str) -> Response:
        return self.render("certify.html", request, 200, p, values={}, error="", notice="")

    async def certify(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        if not form.get("worker_id"):
            return self.render("certify.html", request, 422, p, values=form, error="请填写社工编号", notice="")
        body = {"level": form.get("level", "")}
        if form.get("certified_on"):
            body["certified_on"] = form["certified_on"]
        reply = await self.api(token, "POST", f"/workers/{quote(form['worker_id'], safe='')}/certification", body)
        if not reply.ok:
            return self.render("certify.html", request, _client_error(reply.status), p, values=form,
                               error=reply.message, notice="")
        return self.render("certify.html", request, 200, p, values={}, error="", notice="已登记持证信息")

    async def contract_form(self, request: Request, p: Principal, token: str) -> Response:
        return self.render("contract_filing.html", request, 200, p, values={}, error="", notice="")

    async def file_contract(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        if not form.get("contract_id"):
            return self.render("contract_filing.html", request, 422, p, values=form, error="请填写合同编号", notice="")
        body = {"filed_on": form["filed_on"]} if form.get("filed_on") else {}
        reply = await self.api(token, "POST", f"/contracts/{quote(form['contract_id'], safe='')}/filing", body)
        if not reply.ok:
            return self.render("contract_filing.html", request, _client_error(reply.status), p, values=form,
                               error=reply.message, notice="")
        return self.render("contract_filing.html", request, 200, p, values={}, error="", notice="合同已备案",
                           contract=reply.data)

    # --- the routes -------------------------------------------------------------------------------------

    def routes(self) -> list[tuple[str, str, PageHandler]]:
        async def to_dashboard(request: Request) -> Response:
            return RedirectResponse("/console/", status_code=307)

        page = self.page
        return [
            ("GET", "/console", to_dashboard),
            ("GET", "/console/login", self.login_form),
            ("POST", "/console/login", self.login_submit),
            ("POST", "/console/logout", page(self.logout, enrolling=True)),
            ("GET", MFA_PAGE, page(self.mfa_form, enrolling=True)),
            ("POST", MFA_PAGE, page(self.mfa_confirm, enrolling=True)),
            ("GET", "/console/", page(self.dashboard)),
            ("GET", "/console/rhythm", page(self.rhythm)),
            ("GET", "/console/workers/certification", page(self.certify_form)),
            ("POST", "/console/workers/certification", page(self.certify)),
            ("GET", "/console/contracts/filing", page(self.contract_form)),
            ("POST", "/console/contracts/filing", page(self.file_contract)),
        ]


def install_console(app: FastAPI, auth: Authenticator, token_ttl: int, system_name: str) -> None:
    """Mounts the console on the gateway `app` (whose /api routes it calls) under /console; `system_name` (the
    deployment's) heads every page."""
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    console = Console(app, auth, token_ttl, _templates(system_name))
    routes = console.routes()
    for module in PAGE_MODULES:
        routes += [(method, path, console.page(handler)) for method, path, handler in module(console).routes()]
    for method, path, endpoint in routes:
        # The console is HTML for people, not part of the API document.
        app.add_api_route(path, endpoint, methods=[method], include_in_schema=False, response_class=HTMLResponse)
