"""Registry events: stations by tier and by development level, and the counties' targets."""

from __future__ import annotations

from datetime import date
from typing import Literal

from reporting.projections.base import Consumed, Handler, Kind, State
from reporting.projections.facts import Facts, add, iso

TIERS = ("general_station", "township_station", "village_room", "institution_station")
LEVELS = ("basic", "standard", "professional")
Tier = Literal["general_station", "township_station", "village_room", "institution_station"]
Level = Literal["none", "basic", "standard", "professional"]


class StationPlanned(Consumed):
    station_id: str
    tier: Tier
    area_code: str
    county_code: str
    provincial_pilot: bool
    planned_on: date


class StationOpened(Consumed):
    station_id: str
    tier: Tier
    area_code: str
    opened_on: date


class StationEnded(Consumed):
    station_id: str
    effective_on: date


class LevelChanged(Consumed):
    station_id: str
    level: Level
    effective_on: date


class TargetSet(Consumed):
    county_code: str
    year: int
    general_station: int
    township_station: int
    village_room: int
    effective_on: date


def _planned(state: State, d: dict) -> State:
    state.update(tier=d["tier"], area_code=d["area_code"], provincial_pilot=d["provincial_pilot"])
    return state


def _opened(state: State, d: dict) -> State:
    state.setdefault("tier", d["tier"])
    state.setdefault("area_code", d["area_code"])
    state.setdefault("opened_on", d["opened_on"])
    return state


def _ended(state: State, d: dict) -> State:
    state.setdefault("ended_on", d["effective_on"])
    return state


def _level(state: State, d: dict) -> State:
    state.setdefault("levels", []).append([d["effective_on"], d["level"]])
    return state


def station_facts(state: State) -> Facts:
    """stations (k1 tier) while open; station_levels (k1 level, k2 tier) while it has a level and
    has not ended."""
    facts: Facts = {}
    area, tier = state.get("area_code"), state.get("tier")
    if area is None or tier is None:
        return facts
    sid, ended = state["id"], state.get("ended_on")
    if state.get("opened_on"):
        add(facts, ("stations", area, sid, tier, "", state["opened_on"]), 1)
        if ended:
            add(facts, ("stations", area, sid, tier, "", ended), -1)
    previous = "none"
    for on, level in state.get("levels", []):
        if ended and on >= ended:
            break
        if previous != "none":
            add(facts, ("station_levels", area, sid, previous, tier, on), -1)
        if level != "none":
            add(facts, ("station_levels", area, sid, level, tier, on), 1)
        previous = level
    if ended and previous != "none":
        add(facts, ("station_levels", area, sid, previous, tier, ended), -1)
    return facts


def station_directory(station_id: str, state: State) -> tuple[str, str, str, int] | None:
    if state.get("area_code") is None:
        return None
    return station_id, state["area_code"], state.get("tier", ""), int(bool(state.get("provincial_pilot")))


def _target(state: State, d: dict) -> State:
    state.update(county_code=d["county_code"], year=d["year"])
    state.setdefault("history", []).append(
        [d["effective_on"], d["general_station"], d["township_station"], d["village_room"]])
    return state


def target_facts(state: State) -> Facts:
    """targets (k1 tier, k2 year) at the county: each revision adds the change to the last figure."""
    facts: Facts = {}
    previous = [0, 0, 0]
    county, year = state["county_code"], str(state["year"])
    for on, *values in state["history"]:
        for tier, old, new in zip(TIERS[:3], previous, values, strict=True):
            add(facts, ("targets", county, None, tier, year, on), new - old)
        previous = values
    return facts


def _sid(d: dict) -> str:
    return d["station_id"]


HANDLERS = {
    "registry.station.planned": {1: Handler(StationPlanned, "station", _sid, _planned)},
    "registry.station.opened": {1: Handler(StationOpened, "station", _sid, _opened)},
    "registry.station.closed": {1: Handler(StationEnded, "station", _sid, _ended)},
    "registry.station.merged": {1: Handler(StationEnded, "station", _sid, _ended)},
    "registry.station.level_changed": {1: Handler(LevelChanged, "station", _sid, _level)},
    "registry.target.set": {1: Handler(TargetSet, "targets", lambda d: f"{d['county_code']}:{d['year']}", _target)},
}
KINDS = {
    "station": Kind(lambda s: station_facts(s), station_directory),
    "targets": Kind(target_facts),
}
__all__ = ["HANDLERS", "KINDS", "TIERS", "LEVELS", "iso"]
