from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import Body, FastAPI, Request, Response
from pzh_shared.http import install_error_handlers

from gateway.adapters.upstream import Upstream
from gateway.settings import GatewaySettings


def create_app(settings: GatewaySettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.registry = Upstream("registry", settings.registry_url, settings.upstream_timeout)
        app.state.reporting = Upstream("reporting", settings.reporting_url, settings.upstream_timeout)
        yield
        await app.state.registry.close()
        await app.state.reporting.close()

    app = FastAPI(title="攀枝花市社会工作服务体系 · 网关", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app, {})

    @app.post("/api/stations", status_code=201)
    async def open_station(request: Request, body: dict[str, Any] = Body(...)) -> Response:
        """开设站点 (open a station): forwarded to the registry."""
        return await request.app.state.registry.forward("POST", "/stations", json=body)

    @app.get("/api/stations/{station_id}")
    async def get_station(request: Request, station_id: str) -> Response:
        return await request.app.state.registry.forward("GET", f"/stations/{station_id}")

    @app.get("/api/read-models/stations/{area_code}")
    async def station_read_model(request: Request, area_code: str) -> Response:
        """各级站点数 (stations per tier in an area and its sub-areas)."""
        return await request.app.state.reporting.forward("GET", f"/read-models/stations/{area_code}")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
