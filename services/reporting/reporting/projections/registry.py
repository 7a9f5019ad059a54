"""Registry events: stations by tier and by development level, the counties' targets, the
administrative areas (townships valid on a day, reform-affected flags) and the names of areas and
stations, and which townships an open township station serves (its own and those it `covers`)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field
from pzh_shared.areas import AREA_CODE_PATTERN

from reporting.projections.base import Consumed, Handler, Kind, State
from reporting.projections.facts import Facts, add, iso

TIERS = ("general_station", "township_station", "village_room", "institution_station")
LEVELS = ("basic", "standard", "professional")
Tier = Literal["general_station", "township_station", "village_room", "institution_station"]
Level = Literal["none", "basic", "standard", "professional"]


# A province or country deployment publishes its root too (registry load-areas --root 510000).
AreaLevel = Literal["country", "province", "city", "county", "township", "village"]


class StationPlanned(Consumed):
    station_id: str
    tier: Tier
    area_code: str
    county_code: str
    provincial_pilot: bool
    planned_on: date
    name: str = ""  # required by the published schema; defaults keep older test fixtures valid
    covers: list[str] = []


class StationOpened(Consumed):
    station_id: str
    tier: Tier
    area_code: str = Field(pattern=AREA_CODE_PATTERN)  # a malformed code is a dead letter, never a fact
    opened_on: date
    name: str = ""


class AreaRegistered(Consumed):
    area_code: str
    level: AreaLevel
    name: str
    reform_affected: bool
    valid_from: date


class AreaChanged(Consumed):
    area_code: str
    change: str  # renamed | reform_flag_set | merged | split
    effective_on: date
    name: str | None = None
    reform_affected: bool | None = None


class StationEnded(Consumed):
    station_id: str
    effective_on: date


class LevelChanged(Consumed):
    station_id: str
    level: Level
    effective_on: date


class LevelChange(Consumed):
    level: Level
    effective_on: date


class LevelsRevised(Consumed):
    station_id: str
    since: date
    changes: list[LevelChange]


class TargetSet(Consumed):
    county_code: str
    year: int
    general_station: int
    township_station: int
    village_room: int
    effective_on: date


def _named(state: State, on: str, name: str) -> None:
    if name:
        state.setdefault("names", []).append([on, name])


def _planned(state: State, d: dict) -> State:
    state.update(tier=d["tier"], area_code=d["area_code"], provincial_pilot=d["provincial_pilot"],
                 covers=sorted(set(d["covers"]) - {d["area_code"]}))
    _named(state, d["planned_on"], d["name"])
    return state


def _opened(state: State, d: dict) -> State:
    state.setdefault("tier", d["tier"])
    state.setdefault("area_code", d["area_code"])
    state.setdefault("opened_on", d["opened_on"])
    _named(state, d["opened_on"], d["name"])
    return state


def _ended(state: State, d: dict) -> State:
    state.setdefault("ended_on", d["effective_on"])
    return state


def _level(state: State, d: dict) -> State:
    state.setdefault("levels", []).append([d["effective_on"], d["level"]])
    return state


def _levels_revised(state: State, d: dict) -> State:
    """v2: the changes dated from `since` on are replaced by the revision's (ISO dates compare as dates)."""
    kept = [entry for entry in state.get("levels", []) if entry[0] < d["since"]]
    state["levels"] = kept + [[c["effective_on"], c["level"]] for c in d["changes"]]
    return state


def station_facts(state: State) -> Facts:
    """stations (k1 tier) while open; station_levels (k1 level, k2 tier) while it has a level and
    has not ended."""
    facts: Facts = {}
    area, tier = state.get("area_code"), state.get("tier")
    if area is None or tier is None:
        return facts
    sid, ended, opened = state["id"], state.get("ended_on"), state.get("opened_on")
    if opened:
        add(facts, ("stations", area, sid, tier, "", opened), 1)
        # a flow that never ends: which stations opened in a period (the plan's 2021 township stations)
        add(facts, ("stations_opened", area, sid, tier, "", opened), 1)
        if ended:
            add(facts, ("stations", area, sid, tier, "", ended), -1)
        if tier == "township_station":
            # the townships this station serves while open, each on the served township's own code so
            # that a station covering a township of another county counts there
            for served in [area, *state.get("covers", [])]:
                add(facts, ("served_townships", served, sid, "", "", opened), 1)
                if ended:
                    add(facts, ("served_townships", served, sid, "", "", ended), -1)
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


def _area_registered(state: State, d: dict) -> State:
    state.update(level=d["level"], valid_from=d["valid_from"])
    state.setdefault("names", []).insert(0, [d["valid_from"], d["name"]])
    state.setdefault("reform", []).insert(0, [d["valid_from"], d["reform_affected"]])
    return state


def _area_changed(state: State, d: dict) -> State:
    on, change = d["effective_on"], d["change"]
    if change == "renamed" and d["name"]:
        state.setdefault("names", []).append([on, d["name"]])
    elif change == "reform_flag_set" and d["reform_affected"] is not None:
        state.setdefault("reform", []).append([on, d["reform_affected"]])
    elif change in ("merged", "split"):
        state.setdefault("retired_on", on)
    return state


def area_facts(state: State) -> Facts:
    """areas (k1 level) while valid: from valid_from to the day it is merged or split away;
    reform_areas (k1 level) while valid and flagged reform-affected (涉改). Nothing before the area
    is registered."""
    facts: Facts = {}
    start, level = state.get("valid_from"), state.get("level")
    if start is None or level is None:
        return facts
    code, end = state["id"], state.get("retired_on")
    add(facts, ("areas", code, None, level, "", start), 1)
    if end:
        add(facts, ("areas", code, None, level, "", end), -1)
    flagged = False
    # stable sort: flags of one day apply in the order they were set
    for on, value in sorted(state.get("reform", []), key=lambda pair: max(pair[0], start)):
        on = max(on, start)
        if end and on >= end:
            break
        if bool(value) != flagged:
            add(facts, ("reform_areas", code, None, level, "", on), 1 if value else -1)
            flagged = bool(value)
    if end and flagged:
        add(facts, ("reform_areas", code, None, level, "", end), -1)
    return facts


def names(state: State) -> list[tuple[str, str]]:
    """(effective_on, name) of an area or station, the latest of a day last."""
    return sorted(((on, name) for on, name in state.get("names", [])), key=lambda pair: pair[0])


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
    # v1 (one change appended) stays readable for the events published before v2
    "registry.station.level_changed": {1: Handler(LevelChanged, "station", _sid, _level),
                                       2: Handler(LevelsRevised, "station", _sid, _levels_revised)},
    "registry.area.registered": {1: Handler(AreaRegistered, "area", lambda d: d["area_code"], _area_registered)},
    "registry.area.changed": {1: Handler(AreaChanged, "area", lambda d: d["area_code"], _area_changed)},
    "registry.target.set": {1: Handler(TargetSet, "targets", lambda d: f"{d['county_code']}:{d['year']}", _target)},
}
KINDS = {
    "station": Kind(lambda s: station_facts(s), station_directory, names),
    "area": Kind(area_facts, names=names),
    "targets": Kind(target_facts),
}
__all__ = ["HANDLERS", "KINDS", "TIERS", "LEVELS", "iso"]
