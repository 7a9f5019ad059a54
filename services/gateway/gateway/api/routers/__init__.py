"""The gateway's own API under /api/gateway: one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.api.routers import accounts, api_keys, audit, exports, sessions


def gateway_routers() -> list[APIRouter]:
    """Each router carries the whole /api/gateway/... prefix itself and is included in the app directly: FastAPI
    (0.165) keeps an included router as one node, so a leaf route's `path`, which the HTTP metrics label requests
    by, holds only the prefixes of its own router, never those of a router it was nested in."""
    return [sessions.router, accounts.router, api_keys.router, audit.router, exports.router]
