"""Consumes the registry's events (`registry.events`) into the talent service's private station
profiles (tier, provincial pilot), from which the quota kind of a station follows, and the areas' dated
reform flags, from which an organisation's "in a reform-affected community" follows; effectively once
through the shared TrackedConsumer (each message's effects commit with its tracking record; messages
the service cannot apply go to `registry.events.dlq`)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from eventsourcing.persistence import Tracking
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pzh_shared.areas import AREA_CODE_PATTERN
from pzh_shared.consumer import On, Subscription, TrackedConsumer

from talent.application.service import TalentApplication
from talent.domain.errors import TalentError
from talent.domain.vocabulary import StationTier

GROUP_ID = "talent-stations"


class StationPlanned(BaseModel):
    """The fields of `registry.station.planned.v1` the talent service reads (others are ignored, so an
    additive change never breaks it)."""

    model_config = ConfigDict(extra="ignore")
    station_id: str
    tier: StationTier
    provincial_pilot: StrictBool  # "yes" or 1 is a broken message, not a pilot
    area_code: str = Field(pattern=AREA_CODE_PATTERN)
    planned_on: date
    operating_model: Literal["self_operated", "agency"] | None = None  # who designates the head (A2 §2.2)


class AreaRegistered(BaseModel):
    """The fields of `registry.area.registered.v1` talent reads: the reform flag (涉改) and from when."""

    model_config = ConfigDict(extra="ignore")
    area_code: str = Field(pattern=AREA_CODE_PATTERN)
    reform_affected: StrictBool
    valid_from: date


class AreaChanged(BaseModel):
    """`registry.area.changed.v1`; only `reform_flag_set` changes are talent's (renames and retirements are not)."""

    model_config = ConfigDict(extra="ignore")
    area_code: str = Field(pattern=AREA_CODE_PATTERN)
    change: str
    effective_on: date
    reform_affected: StrictBool | None = None


def _area_changed(app: TalentApplication, m: AreaChanged, t: Tracking) -> None:
    if m.change != "reform_flag_set":
        app.save_tracked(t)
    elif m.reform_affected is None:
        raise TalentError(f"registry.area.changed.v1 (reform_flag_set) of {m.area_code} carries no reform_affected")
    else:
        app.learn_reform_flag(t, m.area_code, m.reform_affected, m.effective_on)


def subscription(app: TalentApplication) -> Subscription:
    """The registry events talent reads, each with the typed command that applies it."""
    return Subscription(
        app,
        {
            "registry.station.planned.v1": On(
                StationPlanned,
                lambda m, t: app.learn_station(
                    t, m.station_id, m.tier, m.provincial_pilot, m.area_code, m.planned_on, m.operating_model
                ),
            ),
            # the communities' reform flags, from which an organisation's "涉改社区" follows (quotas, §二(四))
            "registry.area.registered.v1": On(
                AreaRegistered, lambda m, t: app.learn_area(t, m.area_code, m.reform_affected, m.valid_from)
            ),
            "registry.area.changed.v1": On(AreaChanged, lambda m, t: _area_changed(app, m, t)),
        },
    )


def stations_consumer(
    app: TalentApplication, bootstrap: str, topic: str = "registry.events", group_id: str = GROUP_ID
) -> TrackedConsumer:
    return TrackedConsumer(app, subscription(app), bootstrap, topic, group_id, rejected=(TalentError,))
