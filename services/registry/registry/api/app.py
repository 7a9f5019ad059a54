"""Thin routers: request -> command -> application; domain errors mapped to HTTP in one place."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from pzh_shared.http import install_error_handlers
from pzh_shared.idempotency import install_idempotency

from registry.adapters import area_csv
from registry.application.service import AreaRow, ImportRejected, RegistryApplication
from registry.domain.areas import Area
from registry.domain.errors import Conflict, NotFound, RegistryError, TierMismatch, UnknownArea
from registry.domain.station import ConstructionMode, OperatingModel, Station, Tier

Day = Annotated[date, Field(description="YYYY-MM-DD")]


class AreaIn(BaseModel):
    code: str = Field(min_length=6, max_length=12, description="行政区划代码")
    name: str = Field(min_length=1, max_length=100)
    reform_affected: bool = Field(False, description="涉改乡镇/社区")
    valid_from: Day
    vintage: str = ""


class Rename(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    on: Day


class ReformFlag(BaseModel):
    reform_affected: bool
    on: Day


class Merge(BaseModel):
    into: str
    on: Day


class Split(BaseModel):
    into: list[str] = Field(min_length=2)
    on: Day


class StationIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="站点名称")
    tier: Tier
    area_code: str = Field(min_length=6, max_length=12, description="行政区划代码")
    address: str = Field("", max_length=300)
    host_venue: str = Field("", max_length=200, description="依托场所")
    construction_mode: ConstructionMode = ConstructionMode.COUNTY_SELF_BUILT
    operating_model: OperatingModel = OperatingModel.SELF_OPERATED
    agency: str | None = Field(None, max_length=200, description="驻站机构")
    provincial_pilot: bool = False
    governance_pilot: bool = False
    covers: list[str] = Field(default_factory=list, description="片区站点另行覆盖的同级行政区划")
    planned_on: Day | None = None
    opened_on: Day | None = None
    plan_only: bool = Field(False, description="只登记规划，暂不开放")


class StationChange(BaseModel):
    on: Day
    reason: str = Field("", max_length=500)
    into: UUID | None = None
    expected_version: int | None = Field(None, description="乐观并发：读取时的版本号")


class FacilityIn(BaseModel):
    present: bool
    evidence: str = Field("", max_length=1000, description="佐证说明")
    on: Day
    expected_version: int | None = None


class ServicesIn(BaseModel):
    delivered: bool
    on: Day


class TargetsIn(BaseModel):
    general_station: int = Field(ge=0, le=1)
    township_station: int = Field(ge=0)
    village_room: int = Field(ge=0)
    on: Day | None = None


FIELD_LABELS = {
    "code": "行政区划代码", "name": "名称", "reform_affected": "是否涉改", "valid_from": "设立日期", "vintage": "代码版本",
    "on": "生效日期", "into": "承继或并入对象", "tier": "站点层级", "area_code": "行政区划代码", "address": "地址",
    "host_venue": "依托场所", "construction_mode": "建设方式", "operating_model": "运营方式", "agency": "驻站机构",
    "provincial_pilot": "省级试点", "governance_pilot": "治理试点", "covers": "片区覆盖", "planned_on": "规划日期",
    "opened_on": "开放日期", "plan_only": "只登记规划", "reason": "原因", "expected_version": "期望版本",
    "present": "是否具备", "evidence": "佐证说明", "delivered": "是否开展专业服务", "general_station": "总站目标",
    "township_station": "乡镇站目标", "village_room": "村室目标", "as_of": "截至日期", "year": "年度",
}


def _application(request: Request) -> RegistryApplication:
    return request.app.state.application


Registry = Annotated[RegistryApplication, Depends(_application)]
AsOf = Annotated[date | None, Query(description="截至日期 (as of), 默认今天")]


def area_view(area: Area, on: date) -> dict[str, Any]:
    return {"code": area.code, "level": area.level.value, "parent_code": area.parent_code, "name": area.name_on(on),
            "reform_affected": area.reform_affected_on(on), "valid_from": area.valid_from, "valid_to": area.valid_to,
            "valid": area.valid_on(on), "successors": area.successors, "vintage": area.vintage, "as_of": on}


def station_view(station: Station, on: date) -> dict[str, Any]:
    return {"station_id": station.id, "name": station.name, "tier": station.tier, "area_code": station.area_code,
            "address": station.address, "host_venue": station.host_venue, "construction_mode": station.construction_mode,
            "operating_model": station.operating_model, "agency": station.agency,
            "provincial_pilot": station.provincial_pilot, "governance_pilot": station.governance_pilot,
            "covers": station.covers, "status": station.status_on(on), "level": station.level_on(on),
            "opened_on": station.opened_on, "merged_into": station.merged_into,
            "facilities": [{"item": k, "present": v, "evidence": station.evidence.get(k, "")}
                           for k, v in station.facilities.items()],
            "staff_count": len(station.staff), "has_head": station.head is not None,
            "version": station.version, "as_of": on}


def create_app(application: RegistryApplication) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        application.seed()
        yield

    app = FastAPI(title="攀枝花市社会工作服务体系 · registry", version="0.2.0", lifespan=lifespan)
    app.state.application = application
    install_idempotency(app, application)  # Idempotency-Key: a repeated command runs once
    install_error_handlers(app, {
        UnknownArea: (422, "unknown_area"),
        TierMismatch: (422, "tier_mismatch"),
        ImportRejected: (422, "import_rejected"),
        NotFound: (404, "not_found"),
        Conflict: (409, "conflict"),
        RegistryError: (422, "rule_violated"),
        IntegrityError: (409, "concurrent_change"),
    }, FIELD_LABELS)

    # -- areas ----------------------------------------------------------------------------------

    @app.post("/areas", status_code=201)
    def register_area(body: AreaIn, registry: Registry) -> dict[str, Any]:
        codes = registry.register_areas([AreaRow(body.code, body.name, body.reform_affected, body.valid_from, body.vintage)])
        return {"registered": codes}

    @app.post("/areas/import", status_code=201, openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}})
    async def import_areas(request: Request, registry: Registry) -> dict[str, Any]:
        """CSV with columns code,name,parent_code,reform_affected,valid_from,vintage; all rows or none."""
        rows, unreadable = area_csv.parse(await request.body())
        return {"registered": await run_in_threadpool(registry.register_areas, rows, unreadable)}

    @app.get("/areas/{code}")
    def get_area(code: str, registry: Registry, as_of: AsOf = None) -> dict[str, Any]:
        return area_view(registry.area(code), as_of or date.today())

    @app.get("/areas/{code}/children")
    def area_children(code: str, registry: Registry, as_of: AsOf = None) -> list[dict[str, Any]]:
        on = as_of or date.today()
        return [area_view(child, on) for child in registry.children(code, on)]

    @app.post("/areas/{code}/rename")
    def rename_area(code: str, body: Rename, registry: Registry) -> dict[str, str]:
        registry.rename_area(code, body.name, body.on)
        return {"status": "ok"}

    @app.post("/areas/{code}/reform-flag")
    def set_reform_flag(code: str, body: ReformFlag, registry: Registry) -> dict[str, str]:
        registry.set_reform_affected(code, body.reform_affected, body.on)
        return {"status": "ok"}

    @app.post("/areas/{code}/merge")
    def merge_area(code: str, body: Merge, registry: Registry) -> dict[str, str]:
        registry.retire_area(code, [body.into], body.on, "merged")
        return {"status": "ok"}

    @app.post("/areas/{code}/split")
    def split_area(code: str, body: Split, registry: Registry) -> dict[str, str]:
        registry.retire_area(code, body.into, body.on, "split")
        return {"status": "ok"}

    # -- stations -------------------------------------------------------------------------------

    @app.post("/stations", status_code=201)
    def create_station(body: StationIn, registry: Registry) -> dict[str, Any]:
        """开设站点: registers the station and, unless plan_only, opens it (opened_on, default today)."""
        today = date.today()
        opened_on = None if body.plan_only else (body.opened_on or today)
        planned_on = body.planned_on or (opened_on if opened_on and opened_on < today else today)
        details = body.model_dump(exclude={"tier", "area_code", "planned_on", "opened_on", "plan_only"})
        station_id = registry.plan_station(tier=body.tier, area_code=body.area_code, opened_on=opened_on,
                                           planned_on=planned_on, **details)
        return {"station_id": station_id}

    @app.get("/stations/{station_id}")
    def get_station(station_id: UUID, registry: Registry, as_of: AsOf = None) -> dict[str, Any]:
        return station_view(registry.station(station_id), as_of or date.today())

    @app.post("/stations/{station_id}/{action}")
    def change_station(station_id: UUID, action: Literal["open", "suspend", "resume", "close", "merge"],
                       body: StationChange, registry: Registry) -> dict[str, Any]:
        if action == "merge" and body.into is None:
            raise RegistryError("合并须指定并入的站点 into")
        station = registry.change_station(station_id, body.expected_version, action, body.on, body.reason, body.into)
        return {"status": station.status, "version": station.version}

    @app.put("/stations/{station_id}/facilities/{item}")
    def record_facility(station_id: UUID, item: str, body: FacilityIn, registry: Registry) -> dict[str, Any]:
        station = registry.record_facility(station_id, item, body.present, body.evidence, body.on, body.expected_version)
        return {"level": station.level, "version": station.version}

    @app.put("/stations/{station_id}/professional-services")
    def record_services(station_id: UUID, body: ServicesIn, registry: Registry) -> dict[str, Any]:
        station = registry.record_professional_services(station_id, body.delivered, body.on)
        return {"level": station.level, "version": station.version}

    # -- targets and progress ---------------------------------------------------------------------

    @app.put("/targets/{county_code}/{year}")
    def set_targets(county_code: str, year: int, body: TargetsIn, registry: Registry) -> dict[str, str]:
        registry.set_targets(county_code, year, body.general_station, body.township_station, body.village_room,
                             body.on or date.today())
        return {"status": "ok"}

    @app.get("/progress")
    def city_progress(registry: Registry, year: int = 2021, as_of: AsOf = None) -> dict[str, Any]:
        return registry.city_progress(year, as_of or date.today())

    @app.get("/progress/{county_code}")
    def county_progress(county_code: str, registry: Registry, year: int = 2021, as_of: AsOf = None) -> dict[str, Any]:
        return registry.county_progress(county_code, year, as_of or date.today())

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
