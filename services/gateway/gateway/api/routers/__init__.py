"""The gateway's own API under /api/gateway: one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.api.routers import accounts, api_keys, audit, sessions


def gateway_router() -> APIRouter:
    router = APIRouter(prefix="/api/gateway")
    for module in (sessions, accounts, api_keys, audit):
        router.include_router(module.router)
    return router
