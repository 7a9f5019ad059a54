"""The gateway's app, composed: its store, authenticator and upstream clients; the request limits;
its own API (/api/gateway/*); the whole API's document; forwarding (/api/...); the console."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Response
from pzh_shared.areas import scope_prefix
from pzh_shared.http import hide_docs, install_error_handlers

from gateway.access import SERVICES
from gateway.adapters.store import GatewayStore
from gateway.adapters.upstream import Upstream
from gateway.api.deps import GatewayContext, install_refusal_handlers
from gateway.api.forward import Forwarder
from gateway.api.limits import Limiter, RateLimiter, install_json_depth_limit
from gateway.api.routers import gateway_routers
from gateway.api.schemas import Health
from gateway.api.trail import AuditTrail
from gateway.auth import Authenticator
from gateway.console import install_console
from gateway.openapi import WholeApiDocument
from gateway.public import install_public_pages
from gateway.settings import GatewaySettings

__all__ = ["create_app"]

VERSION = "0.3.0"
FORWARDED_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


def _lifespan(upstreams: dict[str, Upstream], store: GatewayStore) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        for upstream in upstreams.values():
            await upstream.close()
        store.close()

    return lifespan


def open_store(settings: GatewaySettings) -> tuple[GatewayStore, Limiter]:
    """The store GATEWAY_STORE names and its rate limiter: per process on SQLite, shared by replicas on PostgreSQL."""
    if settings.store == "postgres":
        # imported only here, so that the SQLite default needs no PostgreSQL driver
        from gateway.adapters.postgres_store import PostgresGatewayStore

        shared = PostgresGatewayStore(settings)
        return shared, shared.rate_limiter(settings.rate_limit_per_minute)
    from gateway.adapters.sqlite_store import SqliteGatewayStore

    return SqliteGatewayStore(settings.resolved_store_path()), RateLimiter(settings.rate_limit_per_minute)


async def health() -> Health:
    return Health(status="ok")


def create_app(settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None,
               clock: Callable[[], float] = time.time) -> FastAPI:
    """`transport` replaces the network to the services (tests); `clock` gives the time (tests)."""
    store, limiter = open_store(settings)
    auth = Authenticator(settings, store, clock)
    auth.bootstrap()
    upstreams = {name: Upstream(name, getattr(settings, f"{name}_url"), settings.upstream_timeout, transport)
                 for name in SERVICES}
    context = GatewayContext(settings, store, auth, AuditTrail(store, clock), clock,
                             scope_prefix(settings.city_area_code), limiter)

    app = FastAPI(title=f"{settings.system_name} · 网关", version=VERSION, lifespan=_lifespan(upstreams, store))
    app.state.upstreams, app.state.store, app.state.auth, app.state.gateway = upstreams, store, auth, context
    install_error_handlers(app, {})
    install_refusal_handlers(app)
    install_json_depth_limit(app, settings.max_request_bytes)

    app.add_api_route("/health", health, methods=["GET"], response_model=Health)
    for router in gateway_routers():
        app.include_router(router)
    if settings.api_docs:
        whole_api = WholeApiDocument(app, upstreams, settings.max_page_size)

        async def openapi_document() -> Response:
            """The whole API in one OpenAPI document (gateway/openapi.py); public, like any API description."""
            return Response(json.dumps(await whole_api.document(), ensure_ascii=False), media_type="application/json")

        app.add_api_route("/api/openapi.json", openapi_document, methods=["GET"], include_in_schema=False)
    else:
        hide_docs(app)  # production (GATEWAY_API_DOCS=false): neither the gateway's own document nor the whole API's
    # Last among the /api routes: whatever is not the gateway's own is forwarded (or answered 404).
    app.add_api_route("/api/{path:path}", Forwarder(context, upstreams).forward, methods=FORWARDED_METHODS,
                      include_in_schema=False, name="forward")
    # The web console (/console): its pages call the /api routes above with the signed-in user's token.
    install_console(app, auth, settings.access_token_ttl, settings.system_name)
    # Residents' complaint pages (/public/complaints), without sign-in.
    install_public_pages(app)
    return app
