"""Request and response models of the gateway's own API (`/api/gateway/*`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pzh_shared.areas import AREA_CODE_PATTERN

NAME_PATTERN = r"^[\w.@-]+$"


class Health(BaseModel):
    status: str


# --- sign-in -------------------------------------------------------------------------------------


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)
    code: str | None = Field(default=None, max_length=10, description="动态验证码（已绑定动态口令的账户必填）")


class SignedIn(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    username: str
    role: str
    area_code: str
    mfa: bool = Field(description="false：账户尚未绑定动态口令，须先绑定（POST /api/gateway/mfa/enrolment）")


class MfaEnrolment(BaseModel):
    secret: str = Field(description="TOTP 密钥（只显示这一次）")
    otpauth_uri: str


class MfaCode(BaseModel):
    code: str = Field(min_length=6, max_length=10, description="验证器显示的 6 位动态验证码")


class MfaEnrolled(BaseModel):
    username: str
    mfa: bool


class SignedOut(BaseModel):
    status: str


class Me(BaseModel):
    username: str
    role: str
    area_code: str
    kind: str
    mfa: bool


# --- accounts ------------------------------------------------------------------------------------


class AccountIn(BaseModel):
    username: str = Field(min_length=1, max_length=100, pattern=NAME_PATTERN)
    password: str = Field(min_length=12, max_length=1000)
    role: str  # checked against roles.ROLES by the route, for its own message
    area_code: str = Field(pattern=AREA_CODE_PATTERN)


class PasswordIn(BaseModel):
    password: str = Field(min_length=12, max_length=1000)


class AccountCreated(BaseModel):
    username: str
    role: str
    area_code: str


class AccountView(BaseModel):
    username: str
    role: str
    area_code: str
    disabled: bool
    locked: bool
    mfa: bool


class AccountList(BaseModel):
    users: list[AccountView]


class AccountChanged(BaseModel):
    username: str
    action: str


class RoleIn(BaseModel):
    role: str  # checked against roles.ROLES by the route, for its own message
    area_code: str = Field(pattern=AREA_CODE_PATTERN)


# --- API keys ------------------------------------------------------------------------------------


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=NAME_PATTERN)
    role: str
    area_code: str = Field(pattern=AREA_CODE_PATTERN)


class ApiKeyCreated(BaseModel):
    key_id: str
    api_key: str  # shown once: only its hash is kept
    name: str
    role: str
    area_code: str


class ApiKeyView(BaseModel):
    key_id: str
    name: str
    role: str
    area_code: str
    created_at: float
    created_by: str
    revoked_at: float | None


class ApiKeyList(BaseModel):
    api_keys: list[ApiKeyView]


class ApiKeyRevoked(BaseModel):
    key_id: str
    revoked: bool


# --- audit ---------------------------------------------------------------------------------------


class GatewayAuditRecord(BaseModel):
    seq: int
    at: float
    actor: str
    role: str
    actor_area: str
    action: str
    method: str
    path: str
    resource_id: str | None
    target_area: str | None
    status: int
    purpose: str | None
    detail: dict[str, Any] | None


class GatewayAuditRecords(BaseModel):
    records: list[GatewayAuditRecord]
