from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from pzh_shared.http import error_body, install_error_handlers

from gateway.adapters.upstream import Upstream
from gateway.settings import GatewaySettings

# First path segment under /api -> the service that owns it. A segment naming a service itself
# (/api/talent/stations/...) forwards the rest of the path to it, for paths two services share.
ROUTES = {
    "areas": "registry",
    "stations": "registry",
    "targets": "registry",
    "progress": "registry",
    "workers": "talent",
    "volunteers": "talent",
    "interns": "talent",
    "organisations": "talent",
    "agencies": "talent",
    "clients": "casework",
    "cases": "casework",
    "projects": "casework",
    "donation-points": "casework",
    "needs": "casework",
    "complaints": "casework",
    "surveys": "casework",
    "audit": "casework",
    "sources": "funding",
    "balances": "funding",
    "hardship-spending": "funding",
    "assistance-cap": "funding",
    "contracts": "funding",
    "project-plans": "funding",
    "read-models": "reporting",
}
SERVICES = ("registry", "talent", "casework", "funding", "reporting")
# Headers a service needs from the caller. X-User is passed through only until the gateway
# authenticates users (issue 8) and sets it itself.
FORWARDED_HEADERS = ("content-type", "x-user", "x-purpose")


def create_app(settings: GatewaySettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.upstreams = {
            "registry": Upstream("registry", settings.registry_url, settings.upstream_timeout),
            "talent": Upstream("talent", settings.talent_url, settings.upstream_timeout),
            "casework": Upstream("casework", settings.casework_url, settings.upstream_timeout),
            "funding": Upstream("funding", settings.funding_url, settings.upstream_timeout),
            "reporting": Upstream("reporting", settings.reporting_url, settings.upstream_timeout),
        }
        yield
        for upstream in app.state.upstreams.values():
            await upstream.close()

    app = FastAPI(title="攀枝花市社会工作服务体系 · 网关", version="0.2.0", lifespan=lifespan)
    install_error_handlers(app, {})

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.api_route("/api/{path:path}", methods=["GET", "POST", "PUT"])
    async def forward(path: str, request: Request) -> Response:
        """Forwards /api/<resource>/... to the service owning <resource> (auth and scoping: issue 8)."""
        head, _, rest = path.partition("/")
        if head in SERVICES:
            service, path = head, rest
        else:
            service = ROUTES.get(head)
        if service is None:
            return error_body(404, "not_found", f"没有这个接口：/api/{head}")
        return await request.app.state.upstreams[service].forward(
            request.method, f"/{path}", content=await request.body(), params=request.query_params,
            headers={name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers})

    return app
