"""Volunteers (志愿者): registered with the national volunteer service information system, trained
by a station, logging service hours. Name, ID number and phone are held sealed with the volunteer's own key
(talent.domain.personal); the national volunteer number stays in the aggregate's state, encrypted at rest by
the event store's cipher."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate, event

from talent.domain import identifiers
from talent.domain.errors import TalentError
from talent.domain.personal import Person, Sealer, upcast_identity

MAX_HOURS_PER_ENTRY = 10_000.0
_VOLUNTEER_NUMBER = re.compile(r"^[0-9A-Za-z-]{4,32}$")


def volunteer_number(value: str) -> str:
    value = value.strip()
    if not _VOLUNTEER_NUMBER.match(value):
        raise TalentError("志愿者编号格式不正确：应为 4 至 32 位字母、数字或连字符")
    return value


class Volunteer(Person):
    NOUN = "志愿者"

    class Registered(Aggregate.Created):
        class_version = 2
        sealed_identity: str | None  # name, id_number, phone: sealed with the volunteer's key (None: version 1)
        volunteer_number: str
        station_id: str
        registered_on: date
        legacy_identity: dict[str, str] | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_identity(state, ("name", "id_number", "phone"))

    class Trained(Aggregate.Event):
        station_id: str
        trained_on: date

    class HoursLogged(Aggregate.Event):
        station_id: str
        hours: float
        served_on: date

    @classmethod
    def register(
        cls, seal: Sealer, name: str, id_number: str, phone: str, number: str, station_id: str, registered_on: date
    ) -> Volunteer:
        identity = {"name": identifiers.person_name(name), "id_number": identifiers.resident_id_number(id_number),
                    "phone": identifiers.phone_number(phone)}
        number, station_id = volunteer_number(number), identifiers.station_id(station_id)
        volunteer_id = uuid4()
        return cls._create(cls.Registered, id=volunteer_id, sealed_identity=seal(volunteer_id, identity),
                           volunteer_number=number, station_id=station_id, registered_on=registered_on)

    @event(Registered)
    def __init__(self, sealed_identity: str | None, volunteer_number: str, station_id: str, registered_on: date,
                 legacy_identity: dict[str, str] | None = None):
        self.sealed_identity = sealed_identity
        self.legacy_identity = legacy_identity
        self.erased_on: date | None = None
        self.volunteer_number = volunteer_number
        self.station_id = station_id
        self.registered_on = registered_on
        self.trainings: list[tuple[str, date]] = []
        self.hours = 0.0

    def record_training(self, station_id: str, trained_on: date) -> None:
        """Training by a station: what the yearly volunteer quota counts."""
        station_id = identifiers.station_id(station_id)
        if (station_id, trained_on) in self.trainings:
            raise TalentError("该志愿者当日在该站点的培训已登记")
        self._trained(station_id, trained_on)

    @event(Trained)
    def _trained(self, station_id: str, trained_on: date) -> None:
        self.trainings.append((station_id, trained_on))

    def log_hours(self, hours: float, served_on: date) -> None:
        # published in whole minutes (talent.volunteer.hours_logged.v2): less than a minute is no entry
        if not 1 / 60 <= hours <= MAX_HOURS_PER_ENTRY:
            raise TalentError(f"服务时长应至少 1 分钟且不超过 {MAX_HOURS_PER_ENTRY:g} 小时")
        if served_on < self.registered_on:
            raise TalentError("服务日期不能早于志愿者注册日期")
        self._hours_logged(self.station_id, float(hours), served_on)

    @event(HoursLogged)
    def _hours_logged(self, station_id: str, hours: float, served_on: date) -> None:
        self.hours += hours
