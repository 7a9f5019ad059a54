"""Targets per county and year, and progress against them (a county's, and the city's)."""

from __future__ import annotations

from fastapi import APIRouter

from registry.api.dependencies import AsOf, Registry
from registry.api.schemas import CityProgress, CountyProgress, Done, TargetsIn

router = APIRouter()


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
