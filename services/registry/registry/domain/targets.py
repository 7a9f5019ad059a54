"""Yearly targets per county and tier: loaded from the deployment's targets file, later years set by
administrators."""

from __future__ import annotations

import uuid
from datetime import date

from eventsourcing.domain import Aggregate, event

from registry.domain.errors import RegistryError

_NAMESPACE = uuid.UUID("9d3c2b6a-1e4f-4c3b-8a7d-5f0e1d2c3b4a")

# The targets themselves are the deployment's data (2021: annex 1 in deploy/data/targets-2021.csv), not code.


def targets_id(county_code: str, year: int) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"targets:{county_code}:{year}")


class CountyTargets(Aggregate):
    class Started(Aggregate.Created):
        county_code: str
        year: int

    @staticmethod
    def create_id(county_code: str, year: int) -> uuid.UUID:
        return targets_id(county_code, year)

    @event(Started)
    def __init__(self, county_code: str, year: int):
        self.county_code = county_code
        self.year = year
        self.general_station = self.township_station = self.village_room = 0
        self.history: list[tuple[date, tuple[int, int, int]]] = []

    def set(self, general_station: int, township_station: int, village_room: int, on: date, source: str) -> None:
        if min(general_station, township_station, village_room) < 0:
            raise RegistryError("目标数不能为负数")
        if general_station > 1:
            raise RegistryError("每个县(区)只设一个社会工作服务总站")
        self._target_set(
            county_code=self.county_code,
            year=self.year,
            general_station=general_station,
            township_station=township_station,
            village_room=village_room,
            on=on,
            source=source,
        )

    @event("TargetSet")
    def _target_set(
        self,
        county_code: str,
        year: int,
        general_station: int,
        township_station: int,
        village_room: int,
        on: date,
        source: str,
    ) -> None:
        self.general_station, self.township_station, self.village_room = general_station, township_station, village_room
        self.history.append((on, (general_station, township_station, village_room)))

    def as_dict(self) -> dict[str, int]:
        return {"general_station": self.general_station, "township_station": self.township_station,
                "village_room": self.village_room}
