"""The registry's public integration events. Private domain events are translated here, at the
edge, into versioned contracts (`registry.<aggregate>.<verb>.v<N>`); the JSON Schemas generated
from these models are committed under services/registry/schemas/."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from registry.domain.station import Station, Tier


class StationOpenedV1(BaseModel):
    """registry.station.opened.v1: a station, township station or village room opened."""

    model_config = ConfigDict(title="registry.station.opened.v1", extra="forbid")

    station_id: str = Field(description="opaque UUID of the station")
    tier: Tier
    area_code: str = Field(pattern=r"^\d{6}(\d{3}){0,2}$", description="national code of the area the station serves")
    county_code: str = Field(pattern=r"^\d{6}$")
    name: str
    opened_on: date


CONTRACTS: dict[str, type[BaseModel]] = {"registry.station.opened.v1": StationOpenedV1}


def translate(domain_event: Any) -> tuple[str, dict[str, Any]] | None:
    if isinstance(domain_event, Station.Opened):
        public = StationOpenedV1(
            station_id=str(domain_event.originator_id),
            tier=Tier(domain_event.tier),
            area_code=domain_event.area_code,
            county_code=domain_event.area_code[:6],
            name=domain_event.name,
            opened_on=domain_event.opened_on,
        )
        return "registry.station.opened.v1", public.model_dump(mode="json")
    return None
