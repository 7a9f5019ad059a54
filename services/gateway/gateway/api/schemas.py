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


class SignedIn(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    username: str
    role: str
    area_code: str


class SignedOut(BaseModel):
    status: str


class Me(BaseModel):
    username: str
    role: str
    area_code: str
    kind: str


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


class AccountList(BaseModel):
    users: list[AccountView]


class AccountChanged(BaseModel):
    username: str
    action: str


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
