"""Targets per county and year, and progress against them (a county's, and the city's)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pzh_shared.listing import ListParamsDep, Page, list_response

from registry.api.dependencies import AsOf, Registry
from registry.api.schemas import CityProgress, CountyProgress, Done, TargetListRow, TargetsIn

TARGET_COLUMNS = [("county_code", "县(区)代码"), ("county_name", "县(区)"), ("year", "年度"),
                  ("general_station", "总站目标"), ("general_station_active", "总站运行数"),
                  ("township_station", "乡镇站目标"), ("township_station_active", "乡镇站运行数"),
                  ("village_room", "村室目标"), ("village_room_active", "村室运行数")]

router = APIRouter()


@router.get("/targets", response_model=Page[TargetListRow])
def list_targets(
    registry: Registry, params: ListParamsDep,
    area: Annotated[str | None, Query(max_length=12, description="行政区划代码：该区划内各县(区)的目标")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="年度")] = None,
) -> Page[dict[str, Any]] | Response:
    """Each county's yearly targets per tier, with the stations active today beside them."""
    return list_response(registry.lists, "targets", params, "年度目标", TARGET_COLUMNS, registry.targets_with_progress,
                         county_code=area, year=year)


@router.put("/targets/{county_code}/{year}", response_model=Done)
def set_targets(county_code: str, year: int, body: TargetsIn, registry: Registry) -> Done:
    registry.set_targets(county_code, year, body.general_station, body.township_station, body.village_room, body.on)
    return Done(status="ok")


@router.get("/progress", response_model=CityProgress)
def city_progress(registry: Registry, as_of: AsOf, year: int = 2021) -> CityProgress:
    return CityProgress.model_validate(registry.city_progress(year, as_of))


@router.get("/progress/{county_code}", response_model=CountyProgress)
def county_progress(county_code: str, registry: Registry, as_of: AsOf, year: int = 2021) -> CountyProgress:
    return CountyProgress.model_validate(registry.county_progress(county_code, year, as_of))
