"""Accounts, by 三权分立 (roles.py): system admins create and manage every account of their area (area
administrators those of a lower rank inside their area, roles.may_manage): disable, enable, reset a password,
change a role; security admins unlock accounts, reset a lost authenticator and end an account's sessions; anyone
may change their own password. Disabling an account or changing its role ends its sessions and revokes the API
keys it made. No account changes into or out of the three administrator roles."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gateway.access import allowed
from gateway.adapters.store import Account
from gateway.api.deps import AccountAdmin, AccountLister, Context, CurrentPrincipal, GatewayContext, audited
from gateway.api.errors import Denied, forbidden, not_found
from gateway.api.schemas import (
    AccountChanged,
    AccountCreated,
    AccountIn,
    AccountList,
    AccountView,
    PasswordIn,
    RoleIn,
)
from gateway.auth import Principal, password_problem
from gateway.roles import PRIVILEGED, ROLES, Role, may_manage

router = APIRouter(prefix="/api/gateway/users")
# action -> the function it needs (access.FUNCTIONS); "password" is also one's own
ACTIONS = {"unlock": "account_unlock", "disable": "account_admin", "enable": "account_admin",
           "password": "account_admin", "mfa-reset": "account_security", "sessions-end": "account_security"}


def _may_manage(p: Principal, role: str, area_code: str) -> bool:
    return may_manage(p.role, role) and p.covers(area_code)  # like everyone, a system admin only within its area


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise Denied(422, "invalid_request", f"role 角色应为 {' 或 '.join(ROLES)}")


def _check_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem:
        raise Denied(422, "invalid_request", problem)


@router.post("", status_code=201, response_model=AccountCreated, dependencies=[audited("create_account")])
async def create_user(body: AccountIn, p: AccountAdmin, request: Request, context: Context) -> AccountCreated:
    _check_role(body.role)
    if not _may_manage(p, body.role, body.area_code):
        raise forbidden("无权创建该角色或该区域的账户")
    _check_password(body.password, body.username)
    password_hash = context.auth.hash_password(body.password)
    if not context.store.add_account(body.username, password_hash, body.role, body.area_code, context.clock(), p.name):
        raise Denied(409, "conflict", "用户名已存在")
    context.record(request, 201, body.username)
    return AccountCreated(username=body.username, role=body.role, area_code=body.area_code)


@router.get("", response_model=AccountList)
async def list_users(p: AccountLister, context: Context) -> AccountList:
    now = context.clock()
    return AccountList(users=[AccountView(username=a.username, role=a.role, area_code=a.area_code, disabled=a.disabled,
                                          locked=a.locked_until > now, mfa=a.mfa_secret is not None)
                              for a in context.store.accounts() if p.covers(a.area_code)])


def _managed_account(context: GatewayContext, p: Principal, username: str, function: str) -> Account:
    account = context.store.account(username)
    if account is None or not p.covers(account.area_code):
        raise not_found()
    if p.role == Role.SECURITY_ADMIN and function != "account_admin":
        if account.username == p.name:  # a second person recovers a security administrator's own factor
            raise forbidden("不能对自己的账户执行安全操作，须由另一名安全管理员办理")
        return account
    if not _may_manage(p, account.role, account.area_code):
        raise forbidden("无权管理该账户")
    return account


async def _new_password(request: Request) -> PasswordIn:
    try:
        return PasswordIn.model_validate_json(await request.body() or b"{}")
    except ValueError:
        raise Denied(422, "invalid_request", "请求内容无效：password 至少 12 个字符") from None


def _end_sessions_and_keys(context: GatewayContext, username: str) -> None:
    now = context.clock()
    context.store.end_sessions_of(username, now)
    context.store.revoke_api_keys_of(username, now)


@router.post("/{username}/role", response_model=AccountChanged, dependencies=[audited("account_role")])
async def change_role(username: str, body: RoleIn, p: AccountAdmin, request: Request,
                      context: Context) -> AccountChanged:
    """A new role and area for an account the caller manages, into one it may manage; its sessions end."""
    _check_role(body.role)
    account = _managed_account(context, p, username, "account_admin")
    if account.username == p.name:
        raise forbidden("不能修改自己账户的角色")
    if PRIVILEGED & {account.role, body.role}:
        raise forbidden("系统管理员、安全管理员和审计员账户不能改任其他角色（三权分立）：请另建账户")
    if not _may_manage(p, body.role, body.area_code):
        raise forbidden("无权授予该角色或该区域")
    context.store.set_role(account.username, body.role, body.area_code)
    _end_sessions_and_keys(context, account.username)
    context.record(request, 200, account.username)
    return AccountChanged(username=account.username, action="role")


@router.post("/{username}/{action}", response_model=AccountChanged, dependencies=[audited("account_{action}")])
async def manage_user(username: str, action: str, p: CurrentPrincipal, request: Request,
                      context: Context) -> AccountChanged:
    """unlock (account admins, security admins), disable, enable, password (account admins; password also one's
    own), mfa-reset and sessions-end (security admins)."""
    function = ACTIONS.get(action)
    if function is None:
        raise Denied(404, "not_found", "没有这个接口")
    own = action == "password" and username == p.name and p.kind == "user"
    if not own and not allowed(p.role, function):
        raise forbidden()
    account = context.store.account(username) if own else _managed_account(context, p, username, function)
    assert account is not None  # one's own account exists while one is signed in with it
    store, now = context.store, context.clock()
    if action == "unlock":
        store.record_success(account.username)
    elif action == "disable":
        store.set_disabled(account.username, True)
        _end_sessions_and_keys(context, account.username)
    elif action == "enable":
        store.set_disabled(account.username, False)
    elif action == "mfa-reset":  # the account enrols a new authenticator at its next sign-in
        store.reset_mfa(account.username)
        store.end_sessions_of(account.username, now)
    elif action == "sessions-end":
        store.end_sessions_of(account.username, now)
    else:
        password = (await _new_password(request)).password
        _check_password(password, account.username)
        store.set_password(account.username, context.auth.hash_password(password))
        store.end_sessions_of(account.username, now)
    context.record(request, 200, account.username)
    return AccountChanged(username=account.username, action=action)
