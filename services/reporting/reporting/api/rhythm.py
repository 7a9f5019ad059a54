"""The reporting rhythm: which reports of the year are due, done or overdue."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from reporting.api.dependencies import Archive, Settings, Store, checked_area
from reporting.api.schemas import Rhythm
from reporting.deployment import city_name
from reporting.projections.facts import china_today
from reporting.reports.rhythm import rhythm

router = APIRouter(prefix="/read-models/rhythm", tags=["rhythm"])


@router.get("/{area_code}", response_model=Rhythm)
def reporting_rhythm(store: Store, archive: Archive, settings: Settings, area_code: str,
                     as_of: date | None = None) -> dict[str, Any]:
    """Every report of the as_of year (default: today in China) with its due date, status
    (done, due, overdue, upcoming), versions and the latest downloads."""
    checked_area(area_code)
    day = as_of or china_today()
    name = city_name(store, settings.city_code, day.isoformat())
    return rhythm(area_code, day, archive.listing() if archive else [], city_name=name)
