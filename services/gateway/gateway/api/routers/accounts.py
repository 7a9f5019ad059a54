"""Accounts: system admins manage every account of their area, area administrators those of a lower
rank inside their area (roles.may_manage); anyone may change their own password."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gateway.access import allowed
from gateway.adapters.store import Account
from gateway.api.deps import AccountAdmin, Context, CurrentPrincipal, GatewayContext, audited
from gateway.api.errors import Denied, forbidden, not_found
from gateway.api.schemas import AccountChanged, AccountCreated, AccountIn, AccountList, AccountView, PasswordIn
from gateway.auth import Principal
from gateway.roles import ROLES, may_manage

router = APIRouter(prefix="/api/gateway/users")
ACTIONS = ("unlock", "disable", "enable", "password")


def _may_manage(p: Principal, role: str, area_code: str) -> bool:
    return may_manage(p.role, role) and p.covers(area_code)  # like everyone, a system admin only within its area


@router.post("", status_code=201, response_model=AccountCreated, dependencies=[audited("create_account")])
async def create_user(body: AccountIn, p: AccountAdmin, request: Request, context: Context) -> AccountCreated:
    if body.role not in ROLES:
        raise Denied(422, "invalid_request", f"角色应为 {' 或 '.join(ROLES)}")
    if not _may_manage(p, body.role, body.area_code):
        raise forbidden("无权创建该角色或该区域的账户")
    password_hash = context.auth.hash_password(body.password)
    if not context.store.add_account(body.username, password_hash, body.role, body.area_code, context.clock(), p.name):
        raise Denied(409, "conflict", "用户名已存在")
    context.record(request, 201, body.username)
    return AccountCreated(username=body.username, role=body.role, area_code=body.area_code)


@router.get("", response_model=AccountList)
async def list_users(p: AccountAdmin, context: Context) -> AccountList:
    now = context.clock()
    return AccountList(users=[AccountView(username=a.username, role=a.role, area_code=a.area_code, disabled=a.disabled,
                                          locked=a.locked_until > now)
                              for a in context.store.accounts() if p.covers(a.area_code)])


def _managed_account(context: GatewayContext, p: Principal, username: str) -> Account:
    account = context.store.account(username)
    if account is None or not p.covers(account.area_code):
        raise not_found()
    if not _may_manage(p, account.role, account.area_code):
        raise forbidden("无权管理该账户")
    return account


async def _new_password(request: Request) -> PasswordIn:
    try:
        return PasswordIn.model_validate_json(await request.body() or b"{}")
    except ValueError:
        raise Denied(422, "invalid_request", "请求内容无效：password 至少 12 个字符") from None


@router.post("/{username}/{action}", response_model=AccountChanged, dependencies=[audited("account_{action}")])
async def manage_user(username: str, action: str, p: CurrentPrincipal, request: Request,
                      context: Context) -> AccountChanged:
    """unlock, disable, enable (account admins), password (also one's own)."""
    if action != "password" and not allowed(p.role, "account_admin"):
        raise forbidden()
    if action not in ACTIONS:
        raise Denied(404, "not_found", "没有这个接口")
    own = action == "password" and username == p.name and p.kind == "user"
    account = context.store.account(username) if own else _managed_account(context, p, username)
    assert account is not None  # one's own account exists while one is signed in with it
    store, now = context.store, context.clock()
    if action == "unlock":
        store.record_success(account.username)
    elif action == "disable":
        store.set_disabled(account.username, True)
        store.end_sessions_of(account.username, now)
    elif action == "enable":
        store.set_disabled(account.username, False)
    else:
        store.set_password(account.username, context.auth.hash_password((await _new_password(request)).password))
        store.end_sessions_of(account.username, now)
    context.record(request, 200, account.username)
    return AccountChanged(username=account.username, action=action)
