"""Each county's service-item list (社工站服务事项清单, §三(三)): kept by the county bureau, read by every station
of the county for its tier, as of any day."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pzh_shared.departments import DEPARTMENTS
from pzh_shared.listing import ListParamsDep, Page, list_response

from registry.api.dependencies import AsOf, Registry
from registry.api.schemas import (
    CountyServiceItems,
    Done,
    ServiceItemIn,
    ServiceItemListRow,
    ServiceItemOut,
    ServiceItemRevision,
    ServiceItemWithdrawal,
    StationServiceItems,
)
from registry.domain.service_items import ServiceItem, service_items_id
from registry.domain.station import TIER_NAMES, Tier

COLUMNS = [("county_code", "县(区)代码"), ("code", "事项编号"), ("name", "服务事项"), ("department_name", "部门"),
           ("tier_name", "站点层级"), ("effective_from", "生效日期"), ("withdrawn_on", "停止日期")]

router = APIRouter()


def _out(item: ServiceItem) -> ServiceItemOut:
    return ServiceItemOut(code=item.code, name=item.name, department=item.department,
                          department_name=DEPARTMENTS[item.department], tiers=[Tier(t) for t in item.tiers],
                          effective_from=item.effective_from, withdrawn_on=item.withdrawn_on)


def _named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["department_name"] = DEPARTMENTS.get(row["department"], row["department"])
        row["tier_name"] = TIER_NAMES[Tier(row["tier"])]
    return rows


@router.get("/service-items", response_model=Page[ServiceItemListRow])
def list_service_items(
    registry: Registry, params: ListParamsDep,
    area: Annotated[str | None, Query(max_length=12, description="行政区划代码：该区划内各县(区)的清单")] = None,
    tier: Annotated[Tier | None, Query(description="站点层级")] = None,
    department: Annotated[str | None, Query(max_length=40, description="部门")] = None,
    withdrawn: Annotated[bool | None, Query(description="已停止的事项")] = None,
) -> Page[dict[str, Any]] | Response:
    """Every county's items per tier as last recorded; filter, page, export (导出台账)."""
    return list_response(registry.lists, "service_items", params, "服务事项清单", COLUMNS, _named,
                         county_code=area, tier=tier.value if tier else None, department=department,
                         withdrawn=withdrawn)


@router.get("/service-items/{county_code}", response_model=CountyServiceItems)
def county_service_items(county_code: str, registry: Registry, as_of: AsOf,
                         tier: Annotated[Tier | None, Query(description="站点层级")] = None) -> CountyServiceItems:
    items = registry.service_items_of_county(county_code, as_of, tier.value if tier else None)
    found = registry.find(service_items_id(county_code))
    return CountyServiceItems(county_code=county_code, as_of=as_of, version=found.version if found else None,
                              items=[_out(item) for item in items])


@router.post("/service-items/{county_code}", status_code=201, response_model=Done)
def add_service_item(county_code: str, body: ServiceItemIn, registry: Registry) -> Done:
    registry.add_service_item(county_code, body.code, body.name, body.department, [t.value for t in body.tiers],
                              body.effective_from)
    return Done(status="ok")


@router.put("/service-items/{county_code}/{item_code}", response_model=Done)
def revise_service_item(county_code: str, item_code: str, body: ServiceItemRevision, registry: Registry) -> Done:
    registry.revise_service_item(county_code, item_code, body.name, body.department, [t.value for t in body.tiers],
                                 body.effective_from, body.expected_version)
    return Done(status="ok")


@router.post("/service-items/{county_code}/{item_code}/withdrawal", response_model=Done)
def withdraw_service_item(county_code: str, item_code: str, body: ServiceItemWithdrawal, registry: Registry) -> Done:
    registry.withdraw_service_item(county_code, item_code, body.on)
    return Done(status="ok")


@router.get("/stations/{station_id}/service-items", response_model=StationServiceItems)
def station_service_items(station_id: UUID, registry: Registry, as_of: AsOf) -> StationServiceItems:
    """What the station offers on the day: its county's items for its tier."""
    station, county_code, items = registry.station_service_items(station_id, as_of)
    return StationServiceItems(station_id=station.id, tier=station.tier, county_code=county_code, as_of=as_of,
                               items=[_out(item) for item in items])
