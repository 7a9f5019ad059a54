"""A county's one general station (总站).

Only general stations touch this aggregate, saved in the same transaction as the station: two
concurrent attempts to plan a second general station collide on its version instead of both
succeeding, while township stations and rooms never contend on it."""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

from registry.domain.errors import Conflict

_NAMESPACE = uuid.UUID("5e8f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b")


def slot_id(county_code: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"general-station:{county_code}")


class GeneralStationSlot(Aggregate):
    class Started(Aggregate.Created):
        county_code: str

    @staticmethod
    def create_id(county_code: str) -> uuid.UUID:
        return slot_id(county_code)

    @event(Started)
    def __init__(self, county_code: str):
        self.county_code = county_code
        self.holder: str | None = None

    def claim(self, station_id: str) -> None:
        if self.holder is not None:
            raise Conflict(f"县(区) {self.county_code} 已有社会工作服务总站 {self.holder}，不能再设第二个")
        self._claimed(station_id=station_id)

    @event("Claimed")
    def _claimed(self, station_id: str) -> None:
        self.holder = station_id

    def release(self, station_id: str) -> None:
        """The general station closed or merged: the county may plan another."""
        if self.holder == station_id:
            self._released(station_id=station_id)

    @event("Released")
    def _released(self, station_id: str) -> None:
        self.holder = None
