"""Stations: open (or only plan), list and search, read as of a day with their history, change status, record
facilities. Professional services are not typed here: the registry learns them from casework's cases and
projects (consumers/casework.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pzh_shared.listing import ListParamsDep, Page, list_response

from registry.api.dependencies import AsOf, Registry
from registry.api.schemas import (
    Facility,
    FacilityIn,
    HistoryEntry,
    StationChange,
    StationCreated,
    StationHistory,
    StationIn,
    StationLevel,
    StationListRow,
    StationOut,
    StationStatus,
)
from registry.application import lists
from registry.domain.levels import Level
from registry.domain.station import ConstructionMode, OperatingModel, Station, Status, Tier

router = APIRouter(prefix="/stations")


def station_view(station: Station, on: date) -> StationOut:
    """The station as of `on`: its status, level, facilities, staff and head in force that day."""
    return StationOut(
        station_id=station.id, name=station.name, tier=station.tier, area_code=station.area_code,
        address=station.address, host_venue=station.host_venue, construction_mode=station.construction_mode,
        operating_model=station.operating_model, agency=station.agency, provincial_pilot=station.provincial_pilot,
        governance_pilot=station.governance_pilot, covers=station.covers, status=station.status_on(on),
        level=station.level_on(on), opened_on=station.opened_on, merged_into=station.merged_into,
        facilities=[Facility(item=item, present=present, evidence=evidence)
                    for item, (present, evidence) in station.facilities_on(on).items()],
        staff_count=len(station.staff_on(on)), has_head=station.head_on(on) is not None, version=station.version,
        as_of=on)


@router.post("", status_code=201, response_model=StationCreated)
def create_station(body: StationIn, registry: Registry) -> StationCreated:
    """开设站点: registers the station and, unless plan_only, opens it (opened_on, default today)."""
    details = body.model_dump(exclude={"tier", "area_code", "planned_on", "opened_on", "plan_only"})
    station_id = registry.create_station(tier=body.tier, area_code=body.area_code, planned_on=body.planned_on,
                                         opened_on=body.opened_on, plan_only=body.plan_only, **details)
    return StationCreated(station_id=station_id)


@router.get("", response_model=Page[StationListRow])
def list_stations(
    registry: Registry, params: ListParamsDep,
    area: Annotated[str | None, Query(max_length=12, description="行政区划代码：该区划及其全部下级的站点")] = None,
    tier: Tier | None = None, status: Status | None = None, level: Level | None = None,
    construction_mode: ConstructionMode | None = None, operating_model: OperatingModel | None = None,
    provincial_pilot: bool | None = None, governance_pilot: bool | None = None,
) -> Page[dict[str, Any]] | Response:
    """Stations as last recorded, by area subtree and the given values; q searches station names."""
    return list_response(registry.lists, "stations", params, "站点台账", lists.STATION_COLUMNS,
                         lists.named_station_rows, area_code=area, tier=tier, status=status, level=level,
                         construction_mode=construction_mode, operating_model=operating_model,
                         provincial_pilot=provincial_pilot, governance_pilot=governance_pilot)


@router.get("/{station_id}/history", response_model=StationHistory, response_model_exclude_none=True)
def station_history(station_id: UUID, registry: Registry) -> StationHistory:
    """The station's dated changes, oldest first: lifecycle, facilities with evidence, staffing, level."""
    station, entries = registry.station_history(station_id)
    return StationHistory(station_id=station.id, name=station.name, status=station.status, level=station.level,
                          entries=[HistoryEntry.model_validate(entry) for entry in entries])


@router.get("/{station_id}", response_model=StationOut)
def get_station(station_id: UUID, registry: Registry, as_of: AsOf) -> StationOut:
    return station_view(registry.station(station_id), as_of)


@router.post("/{station_id}/{action}", response_model=StationStatus)
def change_station(station_id: UUID, action: Literal["open", "suspend", "resume", "close", "merge"],
                   body: StationChange, registry: Registry) -> StationStatus:
    station = registry.change_station(station_id, body.expected_version, action, body.on, body.reason, body.into)
    return StationStatus(status=station.status, version=station.version)


@router.put("/{station_id}/facilities/{item}", response_model=StationLevel)
def record_facility(station_id: UUID, item: str, body: FacilityIn, registry: Registry) -> StationLevel:
    station = registry.record_facility(station_id, item, body.present, body.evidence, body.on, body.expected_version)
    return StationLevel(level=station.level, version=station.version)
