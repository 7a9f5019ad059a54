from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel, Field
from pzh_shared.http import install_error_handlers

from registry.application.service import RegistryApplication
from registry.domain.errors import RegistryError, StationNotFound, TierMismatch, UnknownArea
from registry.domain.station import Tier


class OpenStationRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="站点名称")
    tier: Tier
    area_code: str = Field(min_length=6, max_length=12, description="行政区划代码")
    opened_on: date = Field(default_factory=date.today)


class StationOut(BaseModel):
    station_id: UUID
    name: str
    tier: Tier
    area_code: str
    opened_on: date
    status: str
    version: int


def _application(request: Request) -> RegistryApplication:
    return request.app.state.application


Registry = Annotated[RegistryApplication, Depends(_application)]


def create_app(application: RegistryApplication) -> FastAPI:
    app = FastAPI(title="攀枝花市社会工作服务体系 · registry", version="0.1.0")
    app.state.application = application
    install_error_handlers(app, {
        UnknownArea: (422, "unknown_area"),
        TierMismatch: (422, "tier_mismatch"),
        StationNotFound: (404, "not_found"),
        RegistryError: (422, "rule_violated"),
        IntegrityError: (409, "concurrent_change"),
    })

    @app.post("/stations", status_code=201)
    def open_station(body: OpenStationRequest, registry: Registry) -> dict[str, UUID]:
        station_id = registry.open_station(body.name, body.tier, body.area_code, body.opened_on)
        return {"station_id": station_id}

    @app.get("/stations/{station_id}")
    def get_station(station_id: UUID, registry: Registry) -> StationOut:
        station = registry.station(station_id)
        return StationOut(station_id=station.id, name=station.name, tier=station.tier, area_code=station.area_code,
                          opened_on=station.opened_on, status=station.status, version=station.version)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
