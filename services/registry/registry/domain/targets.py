"""Yearly targets per county and tier; 2021 from annex 1, later years set by administrators."""

from __future__ import annotations

import uuid
from datetime import date

from eventsourcing.domain import Aggregate, event

from registry.domain.errors import RegistryError

_NAMESPACE = uuid.UUID("9d3c2b6a-1e4f-4c3b-8a7d-5f0e1d2c3b4a")

# Annex 1: general station / township stations / village rooms per county in 2021 (total 5/12/31 = 48).
ANNEX1_2021 = {
    "510402": (1, 4, 7),
    "510403": (1, 1, 4),
    "510411": (1, 3, 8),
    "510421": (1, 3, 9),
    "510422": (1, 1, 3),
}
# Provincial pilots (DOMAIN.md): their township stations carry the pilot quotas.
PILOT_COUNTIES = {
    "510402": "省级社会工作服务试点区",
    "510403": "省级城乡社区治理试点区",
    "510421": "省级社会工作服务试点县",
}
PLAN_START = date(2021, 1, 1)


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
