"""The read models: every view of an area as of a day, and the stations view without a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException

from reporting.api.dependencies import Store, checked_area
from reporting.api.schemas import AreaView, Index, LiveStations
from reporting.projections.facts import china_today
from reporting.reports.catalogue import BY_SLUG
from reporting.views import VIEWS, live_stations, view

router = APIRouter(prefix="/read-models", tags=["read models"])


@router.get("/stations/{area_code}", response_model=LiveStations | AreaView)
def stations(store: Store, area_code: str, as_of: date | None = None) -> dict[str, Any]:
    """Stations per tier in the area and each of its direct sub-areas. Without as_of: those open today
    (China time) in the original shape; with it: as of that day, with levels and the year's targets."""
    checked_area(area_code)
    if as_of is None:
        return live_stations(store, area_code, china_today())
    return view(store, "stations", area_code, as_of)


@router.get("/{figure}/{area_code}", response_model=AreaView)
def figures(store: Store, figure: str, area_code: str, as_of: date | None = None,
            since: date | None = None) -> dict[str, Any]:
    """A view of the area (and every area under it) as of a day (default: today in China);
    flows count from `since` (default: 1 January of the as_of year). Included after the routes of
    the other resources, which it would otherwise take (`rhythm` for a view name)."""
    if figure not in VIEWS:
        raise HTTPException(404, f"没有名为 {figure!r} 的读模型；现有：{', '.join(VIEWS)}")
    checked_area(area_code)
    day = as_of or china_today()
    if since is not None and since > day:
        raise HTTPException(422, "since 不能晚于 as_of")
    return view(store, figure, area_code, day, since)


@router.get("", response_model=Index)
def listing() -> dict[str, list[str]]:
    """The view names and the reports' URL names."""
    return {"views": list(VIEWS), "reports": list(BY_SLUG)}
