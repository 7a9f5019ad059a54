"""Which projection handles which integration event type and version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reporting.projections.stations import ProjectionError, station_opened


@dataclass
class Changes:
    """What one event changes in the read models; the store applies it atomically with the dedupe mark."""

    stations: list[dict[str, Any]] = field(default_factory=list)
    tallies: list[tuple[str, str]] = field(default_factory=list)
    ended_station_ids: list[str] = field(default_factory=list)  # closed or merged: no longer counted


def _station_opened_v1(data: dict[str, Any]) -> Changes:
    opened, tallies = station_opened(data)
    return Changes(stations=[opened.model_dump(mode="json")], tallies=tallies)


def _station_ended_v1(data: dict[str, Any]) -> Changes:
    station_id = data.get("station_id")
    if not isinstance(station_id, str):
        raise ProjectionError("station_id missing from a station closed/merged event")
    return Changes(ended_station_ids=[station_id])


HANDLERS: dict[str, dict[int, Callable[[dict[str, Any]], Changes]]] = {
    "registry.station.opened": {1: _station_opened_v1},
    "registry.station.closed": {1: _station_ended_v1},
    "registry.station.merged": {1: _station_ended_v1},
}


def project(event_type: str, data: dict[str, Any]) -> Changes:
    family, _, version = event_type.rpartition(".v")
    by_version = HANDLERS.get(family)
    if by_version is None:
        return Changes()  # an event no read model needs (yet): consumed and ignored
    handler = by_version.get(int(version))
    if handler is None:
        known = ", ".join(f"v{v}" for v in sorted(by_version))
        raise ProjectionError(f"{event_type}: this worker projects only {known} of {family}")
    return handler(data)
