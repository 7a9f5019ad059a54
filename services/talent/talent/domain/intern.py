"""University interns (高校社会工作专业实习生) and their placements at stations. Name and phone are held sealed
with the intern's own key (talent.domain.personal)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate, event

from talent.domain import identifiers
from talent.domain.errors import TalentError
from talent.domain.personal import Person, Sealer, upcast_identity


class Intern(Person):
    NOUN = "实习生"

    class Registered(Aggregate.Created):
        class_version = 2
        sealed_identity: str | None  # name, phone: sealed with the intern's key (None: version 1)
        university: str
        registered_on: date
        legacy_identity: dict[str, str] | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_identity(state, ("name", "phone"))

    class Placed(Aggregate.Event):
        station_id: str
        placed_from: date
        placed_until: date
        supervisor_id: str | None

    @classmethod
    def register(cls, seal: Sealer, name: str, phone: str, university: str, registered_on: date) -> Intern:
        identity = {"name": identifiers.person_name(name), "phone": identifiers.phone_number(phone)}
        university = " ".join(university.split())
        if not 1 <= len(university) <= 100:
            raise TalentError("高校名称不能为空，且不超过 100 个字符")
        intern_id = uuid4()
        return cls._create(cls.Registered, id=intern_id, sealed_identity=seal(intern_id, identity),
                           university=university, registered_on=registered_on)

    @event(Registered)
    def __init__(self, sealed_identity: str | None, university: str, registered_on: date,
                 legacy_identity: dict[str, str] | None = None):
        self.sealed_identity = sealed_identity
        self.legacy_identity = legacy_identity
        self.erased_on: date | None = None
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
