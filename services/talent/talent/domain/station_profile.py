"""StationProfile: what the talent service knows about one of the registry's stations, learnt from
the registry's own event `registry.station.planned.v1` on `registry.events` (never from a caller):
its tier and whether it is a provincial pilot. The quota kind follows from these facts (quotas.station_kind):
a provincial pilot township station is a `township_station` with `provincial_pilot` true, any other township
station is "other", and a station of another tier has no quota ("none").

One aggregate per station with the deterministic id `uuid5(namespace, station_id)`, so a redelivered
or republished planned event finds the profile it created. Its events are private: never published."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from talent.domain import identifiers
from talent.domain.quotas import StationKind, station_kind
from talent.domain.vocabulary import StationTier

PROFILE_NAMESPACE = uuid.UUID("470f7872-9b70-4884-a913-781abbf14176")


def profile_id(station_id: str) -> UUID:
    return uuid.uuid5(PROFILE_NAMESPACE, identifiers.station_id(station_id))


class StationProfile(Aggregate):
    class Learnt(Aggregate.Created):
        station_id: str
        tier: str
        provincial_pilot: bool
        area_code: str
        planned_on: date
        operating_model: str | None = None  # None in profiles learnt before it was read

    class Revised(Aggregate.Event):
        tier: str
        provincial_pilot: bool
        area_code: str

    @staticmethod
    def create_id(station_id: str) -> UUID:
        return profile_id(station_id)

    @classmethod
    def learn(
        cls, station_id: str, tier: StationTier, provincial_pilot: bool, area_code: str, planned_on: date,
        operating_model: str | None = None,
    ) -> StationProfile:
        return cls(
            station_id=identifiers.station_id(station_id),
            tier=StationTier(tier).value,
            provincial_pilot=bool(provincial_pilot),
            area_code=area_code,
            planned_on=planned_on,
            operating_model=operating_model,
        )

    @event(Learnt)
    def __init__(self, station_id: str, tier: str, provincial_pilot: bool, area_code: str, planned_on: date,
                 operating_model: str | None = None):
        self.station_id = station_id
        self.operating_model = operating_model  # who designates the head follows from it (A2 §2.2)
        self.tier = StationTier(tier)
        self.provincial_pilot = provincial_pilot
        self.area_code = area_code
        self.planned_on = planned_on

    def revise(self, tier: StationTier, provincial_pilot: bool, area_code: str) -> bool:
        """Takes the facts of a later message about the station; False (and no event) if they are the same."""
        tier = StationTier(tier)
        if (tier, bool(provincial_pilot), area_code) == (self.tier, self.provincial_pilot, self.area_code):
            return False
        self._revised(tier.value, bool(provincial_pilot), area_code)
        return True

    @event(Revised)
    def _revised(self, tier: str, provincial_pilot: bool, area_code: str) -> None:
        self.tier = StationTier(tier)
        self.provincial_pilot = provincial_pilot
        self.area_code = area_code

    @property
    def kind(self) -> StationKind:
        return station_kind(self.tier.value, self.provincial_pilot)
