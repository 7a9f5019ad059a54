"""Accounts and API keys: create an account per role and area (only the roles the user may manage, in
areas under their own), lock (disable), unlock, re-enable, reset a password; a security administrator unlocks,
resets a lost authenticator and ends an account's sessions (三权分立, roles.py); issue and revoke API keys."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from gateway.auth import Principal, password_problem
from gateway.console import lists
from gateway.console.session import PageModule, PageRoute
from gateway.roles import PRIVILEGED, ROLE_NAMES, ROLES, Role, may_manage

ACCOUNT_ACTIONS = {"disable": "已锁定账户", "enable": "已启用账户", "unlock": "已解除登录锁定",
                   "password": "已重置密码", "mfa-reset": "已重置动态口令（下次登录时重新绑定）",
                   "sessions-end": "已结束该账户的全部会话"}
# (action, button label), in the order the page shows them; account_actions picks those the user may take
BUTTONS = (("disable", "锁定"), ("enable", "启用"), ("unlock", "解除登录锁定"), ("password", "重置密码"),
           ("mfa-reset", "重置动态口令"), ("sessions-end", "结束会话"))


def account_actions(p: Principal, user: dict[str, Any]) -> list[tuple[str, str]]:
    """The buttons a row of the account list offers the signed-in user (the API checks each again)."""
    mine = user.get("username") == p.name
    state = {"disable": not user.get("disabled"), "enable": bool(user.get("disabled")),
             "unlock": bool(user.get("locked")), "mfa-reset": bool(user.get("mfa"))}
    if p.role == Role.SECURITY_ADMIN:
        offered = {"unlock", "mfa-reset", "sessions-end"} if not mine else set()
    elif may_manage(p.role, str(user.get("role"))):
        offered = {"disable", "enable", "unlock", "password"}
    else:
        offered = set()
    return [(action, label) for action, label in BUTTONS if action in offered and state.get(action, True)]


def new_password() -> str:
    """A password handed over once after a reset, meeting the platform's rule (auth.password_problem)."""
    while True:
        password = secrets.token_urlsafe(15)
        if password_problem(password, "") is None:
            return password


def _status(status: int) -> int:
    return status if 400 <= status < 500 else 502


class AccountPages(PageModule):
    def routes(self) -> list[PageRoute]:
        return [
            ("GET", "/console/accounts", self.accounts),
            ("POST", "/console/accounts", self.create_account),
            ("POST", "/console/accounts/{username}/{action}", self.manage),
            ("GET", "/console/api-keys", self.api_keys),
            ("POST", "/console/api-keys", self.create_key),
            ("POST", "/console/api-keys/{key_id}/revocation", self.revoke_key),
        ]

    async def accounts(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                       errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                       secret: str = "") -> Response:
        reply = await self.c.api(token, "GET", "/gateway/users")
        if not reply.ok:
            return self.c.failed(request, p, reply, "无法显示账户")
        users = [u for u in (reply.data or {}).get("users", []) if isinstance(u, dict)]
        q = request.query_params.get("q", "").strip()
        if q:
            users = [u for u in users if q in str(u.get("username", ""))]
        roles = {r: ROLE_NAMES[r] for r in ROLES if may_manage(p.role, r)}
        done = request.query_params.get("done", "")
        return self.c.render(
            "accounts.html", request, status, p, users=users, roles=roles, q=q, error=error, errors=errors or {},
            values=values or {"area_code": p.area_code}, areas=await lists.area_options(self.c, token, p),
            notice=ACCOUNT_ACTIONS.get(done, "已创建账户" if done == "created" else ""), secret=secret,
            actions=lambda u: account_actions(p, u), who=request.query_params.get("who", ""))

    async def create_account(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        body = {k: form.get(k, "") for k in ("username", "password", "role", "area_code")}
        reply = await self.c.api(token, "POST", "/gateway/users", body)
        if not reply.ok:
            values = {k: v for k, v in form.items() if k != "password"}  # a password is never sent back
            return await self.accounts(request, p, token, _status(reply.status), reply.message, reply.field_errors,
                                       values)
        query = urlencode({"done": "created", "who": body["username"]})
        return RedirectResponse(f"/console/accounts?{query}", status_code=303)

    async def manage(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        username, action = request.path_params["username"], request.path_params["action"]
        if action not in ACCOUNT_ACTIONS:
            return await self.accounts(request, p, token, 404, "没有这个操作")
        body: dict[str, Any] | None = None
        secret = ""
        if action == "password":  # a new password made here, shown once to hand over
            secret = new_password()
            body = {"password": secret}
        reply = await self.c.api(token, "POST", f"/gateway/users/{quote(username, safe='')}/{action}", body)
        if not reply.ok:
            return await self.accounts(request, p, token, _status(reply.status), reply.message)
        if secret:
            return await self.accounts(request, p, token, 200, secret=secret, values={"area_code": p.area_code})
        return RedirectResponse(f"/console/accounts?{urlencode({'done': action, 'who': username})}", status_code=303)

    # --- API keys -------------------------------------------------------------------------------------

    async def api_keys(self, request: Request, p: Principal, token: str, status: int = 200, error: str = "",
                       errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                       created: dict[str, Any] | None = None) -> Response:
        reply = await self.c.api(token, "GET", "/gateway/api-keys")
        if not reply.ok:
            return self.c.failed(request, p, reply, "无法显示 API 密钥")
        keys = [k for k in (reply.data or {}).get("api_keys", []) if isinstance(k, dict)]
        roles = {r: ROLE_NAMES[r] for r in ROLES if r not in PRIVILEGED}
        return self.c.render("api_keys.html", request, status, p, keys=keys, roles=roles, error=error,
                             errors=errors or {}, values=values or {"area_code": p.area_code}, created=created,
                             areas=await lists.area_options(self.c, token, p),
                             notice="已吊销密钥" if request.query_params.get("revoked") else "")

    async def create_key(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        body = {k: form.get(k, "") for k in ("name", "role", "area_code")}
        reply = await self.c.api(token, "POST", "/gateway/api-keys", body)
        if not reply.ok:
            return await self.api_keys(request, p, token, _status(reply.status), reply.message, reply.field_errors,
                                       form)
        return await self.api_keys(request, p, token, 201, created=reply.data)

    async def revoke_key(self, request: Request, p: Principal, token: str, form: dict[str, str]) -> Response:
        key_id = quote(request.path_params["key_id"], safe="")
        reply = await self.c.api(token, "POST", f"/gateway/api-keys/{key_id}/revocation")
        if not reply.ok:
            return await self.api_keys(request, p, token, _status(reply.status), reply.message)
        return RedirectResponse("/console/api-keys?revoked=1", status_code=303)
