"""The registry's public integration events. Private domain events are translated here, at the
edge, into versioned contracts (`registry.<aggregate>.<verb>.v<N>`); the JSON Schemas generated
from these models are committed under services/registry/schemas/. Staffing facts and the county
roster stay private; nothing here names a person."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from pzh_shared.areas import AREA_CODE_PATTERN, COUNTY_CODE_PATTERN, county_of
from pzh_shared.contracts import Builder, Contract, Publication, aggregate_id

from registry.domain.areas import Area, level_of
from registry.domain.levels import Level
from registry.domain.station import ConstructionMode, OperatingModel, Station, Tier
from registry.domain.targets import CountyTargets

# A parent is a city, county or township, never a village: 6 or 9 digits.
PARENT_CODE_PATTERN = r"^\d{6}(\d{3})?$"


class AreaRegisteredV1(Contract):
    """registry.area.registered.v1: an administrative area enters the registry."""

    model_config = ConfigDict(title="registry.area.registered.v1")
    area_code: str = Field(pattern=AREA_CODE_PATTERN)
    parent_code: str | None = Field(pattern=PARENT_CODE_PATTERN)
    level: str
    name: str
    reform_affected: bool
    valid_from: date
    vintage: str


class AreaChangedV1(Contract):
    """registry.area.changed.v1: renamed, reform flag set, or retired (merged into / split into successors)."""

    model_config = ConfigDict(title="registry.area.changed.v1")
    area_code: str = Field(pattern=AREA_CODE_PATTERN)
    change: str = Field(description="renamed | reform_flag_set | merged | split")
    effective_on: date
    name: str | None = None
    reform_affected: bool | None = None
    successors: list[str] = []


class StationPlannedV1(Contract):
    """registry.station.planned.v1"""

    model_config = ConfigDict(title="registry.station.planned.v1")
    station_id: str = Field(description="opaque UUID of the station")
    tier: Tier
    area_code: str = Field(pattern=AREA_CODE_PATTERN)
    county_code: str = Field(pattern=COUNTY_CODE_PATTERN)
    name: str
    construction_mode: ConstructionMode
    operating_model: OperatingModel
    agency: str | None
    provincial_pilot: bool
    governance_pilot: bool
    covers: list[str]
    planned_on: date


class StationOpenedV1(Contract):
    """registry.station.opened.v1: a station, township station or village room opened."""

    model_config = ConfigDict(title="registry.station.opened.v1")
    station_id: str = Field(description="opaque UUID of the station")
    tier: Tier
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="national code of the area the station serves")
    county_code: str = Field(pattern=COUNTY_CODE_PATTERN)
    name: str
    opened_on: date


class StationStatusChangedV1(Contract):
    """Shared shape of registry.station.{suspended,resumed,closed,merged}.v1."""

    station_id: str
    effective_on: date
    reason: str = ""
    merged_into: str | None = None


class StationSuspendedV1(StationStatusChangedV1):
    model_config = ConfigDict(title="registry.station.suspended.v1")


class StationResumedV1(StationStatusChangedV1):
    model_config = ConfigDict(title="registry.station.resumed.v1")


class StationClosedV1(StationStatusChangedV1):
    model_config = ConfigDict(title="registry.station.closed.v1")


class StationMergedV1(StationStatusChangedV1):
    model_config = ConfigDict(title="registry.station.merged.v1")


class StationLevelChangedV1(Contract):
    """registry.station.level_changed.v1: the computed development level changed."""

    model_config = ConfigDict(title="registry.station.level_changed.v1")
    station_id: str
    level: Level
    previous_level: Level
    effective_on: date


class LevelChange(Contract):
    """One change of level in registry.station.level_changed.v2."""

    level: Level
    previous_level: Level
    effective_on: date


class StationLevelChangedV2(Contract):
    """registry.station.level_changed.v2: the level changes from `since` on, recomputed from the dated facts.

    The station's changes dated on or after `since` are now exactly `changes`: a fact dated before
    changes already published may move or remove them, which v1 (one change, appended) could not say."""

    model_config = ConfigDict(title="registry.station.level_changed.v2")
    station_id: str
    since: date = Field(description="the earliest day whose level this revision may change")
    changes: list[LevelChange] = Field(description="every change dated on or after `since`, in date order; "
                                                   "empty if the level from `since` on is the one of the day before")
    level: Level = Field(description="the level after the latest change of the whole history")


class TargetSetV1(Contract):
    """registry.target.set.v1: a county's station targets for a year."""

    model_config = ConfigDict(title="registry.target.set.v1")
    county_code: str = Field(pattern=COUNTY_CODE_PATTERN)
    year: int
    general_station: int
    township_station: int
    village_room: int
    effective_on: date
    source: str = Field(description="annex1 | administrator")


CONTRACTS: dict[str, type[BaseModel]] = {
    "registry.area.registered.v1": AreaRegisteredV1,
    "registry.area.changed.v1": AreaChangedV1,
    "registry.station.planned.v1": StationPlannedV1,
    "registry.station.opened.v1": StationOpenedV1,
    "registry.station.suspended.v1": StationSuspendedV1,
    "registry.station.resumed.v1": StationResumedV1,
    "registry.station.closed.v1": StationClosedV1,
    "registry.station.merged.v1": StationMergedV1,
    "registry.station.level_changed.v1": StationLevelChangedV1,
    "registry.station.level_changed.v2": StationLevelChangedV2,
    "registry.target.set.v1": TargetSetV1,
}


def _levels_revised(e: Station.LevelsRevised) -> StationLevelChangedV2:
    levels = [e.previous, *(c["level"] for c in e.changes)]  # the level before each change, and after the last
    return StationLevelChangedV2(
        station_id=aggregate_id(e), since=e.since, level=levels[-1],
        changes=[LevelChange(level=c["level"], previous_level=before, effective_on=c["on"])
                 for c, before in zip(e.changes, levels, strict=False)])


_TRANSLATIONS: dict[type, tuple[str, Builder]] = {
    Area.Registered: ("registry.area.registered.v1", lambda e: AreaRegisteredV1(
        area_code=e.code, parent_code=e.parent_code, level=level_of(e.code).value, name=e.name,
        reform_affected=e.reform_affected, valid_from=e.valid_from, vintage=e.vintage)),
    Area.Renamed: ("registry.area.changed.v1", lambda e: AreaChangedV1(
        area_code=e.code, change="renamed", effective_on=e.on, name=e.name)),
    Area.ReformFlagSet: ("registry.area.changed.v1", lambda e: AreaChangedV1(
        area_code=e.code, change="reform_flag_set", effective_on=e.on, reform_affected=e.reform_affected)),
    Area.Retired: ("registry.area.changed.v1", lambda e: AreaChangedV1(
        area_code=e.code, change=e.how, effective_on=e.on, successors=e.successors)),
    Station.Planned: ("registry.station.planned.v1", lambda e: StationPlannedV1(
        station_id=aggregate_id(e), tier=Tier(e.tier), area_code=e.area_code, county_code=county_of(e.area_code),
        name=e.name, construction_mode=e.construction_mode, operating_model=e.operating_model, agency=e.agency,
        provincial_pilot=e.provincial_pilot, governance_pilot=e.governance_pilot, covers=e.covers,
        planned_on=e.planned_on)),
    Station.Opened: ("registry.station.opened.v1", lambda e: StationOpenedV1(
        station_id=aggregate_id(e), tier=Tier(e.tier), area_code=e.area_code, county_code=county_of(e.area_code),
        name=e.name, opened_on=e.on)),
    Station.Suspended: ("registry.station.suspended.v1", lambda e: StationSuspendedV1(
        station_id=aggregate_id(e), effective_on=e.on, reason=e.reason)),
    Station.Resumed: ("registry.station.resumed.v1", lambda e: StationResumedV1(
        station_id=aggregate_id(e), effective_on=e.on)),
    Station.Closed: ("registry.station.closed.v1", lambda e: StationClosedV1(
        station_id=aggregate_id(e), effective_on=e.on, reason=e.reason)),
    Station.Merged: ("registry.station.merged.v1", lambda e: StationMergedV1(
        station_id=aggregate_id(e), effective_on=e.on, merged_into=e.into)),
    Station.LevelChanged: ("registry.station.level_changed.v1", lambda e: StationLevelChangedV1(
        station_id=aggregate_id(e), level=e.level, previous_level=e.previous, effective_on=e.on)),
    Station.LevelsRevised: ("registry.station.level_changed.v2", _levels_revised),
    CountyTargets.TargetSet: ("registry.target.set.v1", lambda e: TargetSetV1(
        county_code=e.county_code, year=e.year, general_station=e.general_station,
        township_station=e.township_station, village_room=e.village_room, effective_on=e.on, source=e.source)),
}


PUBLICATION = Publication(_TRANSLATIONS, CONTRACTS)
translate = PUBLICATION.translate  # bench/run.py relays with it
