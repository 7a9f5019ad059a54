"""Service API keys: created by system admins within their own area, never with one of the three administrator
roles (三权分立, roles.PRIVILEGED: a key would let its maker hold a second one); listed and revoked by system and
security admins."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gateway.api.deps import ApiKeyAdmin, ApiKeyRevoker, Context, audited
from gateway.api.errors import Denied, not_found
from gateway.api.schemas import ApiKeyCreated, ApiKeyIn, ApiKeyList, ApiKeyRevoked, ApiKeyView
from gateway.roles import PRIVILEGED, ROLES

router = APIRouter(prefix="/api/gateway/api-keys")


@router.post("", status_code=201, response_model=ApiKeyCreated, dependencies=[audited("create_api_key")])
async def create_api_key(body: ApiKeyIn, p: ApiKeyAdmin, request: Request, context: Context) -> ApiKeyCreated:
    if body.role not in ROLES or body.role in PRIVILEGED:
        raise Denied(422, "invalid_request", "role API 密钥的角色无效：不能是系统管理员、安全管理员或审计员")
    if not p.covers(body.area_code):  # keys, like accounts, only within one's own area
        raise not_found()
    key_id, key = context.auth.create_api_key(body.name, body.role, body.area_code, p.name)
    context.record(request, 201, key_id)
    return ApiKeyCreated(key_id=key_id, api_key=key, name=body.name, role=body.role, area_code=body.area_code)


@router.get("", response_model=ApiKeyList)
async def list_api_keys(p: ApiKeyRevoker, context: Context) -> ApiKeyList:
    return ApiKeyList(api_keys=[ApiKeyView(**k) for k in context.store.api_keys() if p.covers(k["area_code"])])


@router.post("/{key_id}/revocation", response_model=ApiKeyRevoked, dependencies=[audited("revoke_api_key")])
async def revoke_api_key(key_id: str, p: ApiKeyRevoker, request: Request, context: Context) -> ApiKeyRevoked:
    key = next((k for k in context.store.api_keys() if k["key_id"] == key_id), None)
    if key is None or not p.covers(key["area_code"]) or not context.store.revoke_api_key(key_id, context.clock()):
        raise not_found()
    context.record(request, 200, key_id)
    return ApiKeyRevoked(key_id=key_id, revoked=True)
