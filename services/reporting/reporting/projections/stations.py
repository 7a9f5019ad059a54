"""Stations per tier per area, rolled up village -> township -> county -> city."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from reporting.projections.areas import lineage
from reporting.projections.facts import ProjectionError
from reporting.projections.registry import TIERS

__all__ = ["TIERS", "ProjectionError", "StationOpened", "station_opened"]


class StationOpened(BaseModel):
    """The fields of registry.station.opened.v1 this projection reads (consumers model only those)."""

    model_config = ConfigDict(extra="ignore")

    station_id: str
    tier: str
    area_code: str
    opened_on: date


def station_opened(data: dict[str, Any]) -> tuple[StationOpened, list[tuple[str, str]]]:
    """The station row, and the (area_code, tier) tallies to increment."""
    try:
        opened = StationOpened.model_validate(data)
    except ValidationError as exc:
        raise ProjectionError(f"registry.station.opened.v1 data invalid: {exc.errors(include_url=False)}") from exc
    if opened.tier not in TIERS:
        raise ProjectionError(f"unknown tier {opened.tier!r}")
    try:
        chain = lineage(opened.area_code)
    except (KeyError, IndexError) as exc:
        raise ProjectionError(f"malformed area code {opened.area_code!r}") from exc
    return opened, [(code, opened.tier) for code in chain]
