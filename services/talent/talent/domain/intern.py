"""University interns (高校社会工作专业实习生) and their placements at stations."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from talent.domain import identifiers
from talent.domain.errors import TalentError


class Intern(Aggregate):
    class Registered(Aggregate.Created):
        name: str
        phone: str
        university: str
        registered_on: date

    class Placed(Aggregate.Event):
        station_id: str
        placed_from: date
        placed_until: date
        supervisor_id: str | None

    @classmethod
    def register(cls, name: str, phone: str, university: str, registered_on: date) -> Intern:
        university = " ".join(university.split())
        if not 1 <= len(university) <= 100:
            raise TalentError("高校名称不能为空，且不超过 100 个字符")
        return cls(name=identifiers.person_name(name), phone=identifiers.phone_number(phone),
                   university=university, registered_on=registered_on)

    @event(Registered)
    def __init__(self, name: str, phone: str, university: str, registered_on: date):
        self.name = name
        self.phone = phone
        self.university = university
        self.registered_on = registered_on
        self.placements: list[dict[str, Any]] = []

    def place(self, station_id: str, placed_from: date, placed_until: date, supervisor_id: str | None = None) -> None:
        if placed_until < placed_from:
            raise TalentError("实习结束日期不能早于开始日期")
        for p in self.placements:
            if placed_from <= p["placed_until"] and p["placed_from"] <= placed_until:
                raise TalentError("实习时间与已有的实习安排重叠")
        self._placed(identifiers.station_id(station_id), placed_from, placed_until, supervisor_id)

    @event(Placed)
    def _placed(self, station_id: str, placed_from: date, placed_until: date, supervisor_id: str | None) -> None:
        self.placements.append({"station_id": station_id, "placed_from": placed_from, "placed_until": placed_until,
                                "supervisor_id": supervisor_id})
