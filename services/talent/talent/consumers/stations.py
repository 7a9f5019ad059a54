"""Consumes the registry's events (`registry.events`) into the talent service's private station
profiles (tier, provincial pilot), from which the quota kind of a station follows; effectively once
through the shared TrackedConsumer (each message's effects commit with its tracking record; messages
the service cannot apply go to `registry.events.dlq`)."""

from __future__ import annotations

from datetime import date
from typing import Literal

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
        },
    )


def stations_consumer(
    app: TalentApplication, bootstrap: str, topic: str = "registry.events", group_id: str = GROUP_ID
) -> TrackedConsumer:
    return TrackedConsumer(app, subscription(app), bootstrap, topic, group_id, rejected=(TalentError,))
