"""The reporting rhythm: which reports of the year are due, done or overdue."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException
from pzh_shared.areas import AreaLevel, depth, level_of, within

from reporting.api.dependencies import Archive, Settings, Store, checked_area
from reporting.api.schemas import Rhythm
from reporting.deployment import city_name, pilot_counties, rules_of
from reporting.projections.facts import china_today
from reporting.reports.rhythm import county_reports, rhythm

router = APIRouter(prefix="/read-models/rhythm", tags=["rhythm"])


@router.get("/{area_code}", response_model=Rhythm)
def reporting_rhythm(store: Store, archive: Archive, settings: Settings, area_code: str,
                     as_of: date | None = None) -> dict[str, Any]:
    """Every report the area owes in the as_of year (default: today in China) with its due date, status
    (done, due, overdue, upcoming), versions and the latest downloads: the root's reports for the root (a city or
    a province), a city's own for a city under a province, a county's own for a county, and for a township or
    village what its county owes upward."""
    checked_area(area_code)
    city = settings.city_code
    if not within(area_code, city):
        raise HTTPException(404, f"行政区划 {area_code} 不在本部署（{city}）范围内")
    day = as_of or china_today()
    if depth(area_code) <= depth(city):
        # The root's own reports (a city deployment's city, a province's province), archived without an area.
        name = city_name(store, city, day.isoformat())
        return rhythm(area_code, day, archive.listing() if archive else [], city_name=name, reporting_area=city,
                      rules=rules_of(settings))
    if level_of(area_code) is AreaLevel.CITY:
        # A city under a province root: its reports rank its counties and are archived under its code.
        name = city_name(store, area_code, day.isoformat())
        return rhythm(area_code, day, archive.listing(area_code) if archive else [], city_name=name,
                      reporting_area=area_code, rules=rules_of(settings))
    county = area_code[:6]
    name = store.names("area", day.isoformat(), [county]).get(county, county)
    listing = archive.listing(county) if archive else []
    pilots = pilot_counties(settings, day.isoformat())
    return rhythm(area_code, day, listing, city_name=name, reports=county_reports(county, pilots),
                  reporting_area=county, rules=rules_of(settings))
