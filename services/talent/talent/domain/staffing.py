"""StationStaffing: who heads a station. One aggregate per station with a deterministic id, so two
appointments racing at the same station collide in the event store (the second save is refused)
instead of both succeeding."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from talent.domain import identifiers
from talent.domain.errors import StationHasHead, TalentError
from talent.domain.vocabulary import DESIGNATOR_NAMES, DESIGNATOR_OF, Designator

STAFFING_NAMESPACE = uuid.UUID("3b0f7d5e-8a51-4c9e-9d7b-5f2a6c1e4b90")


def staffing_id(station_id: str) -> UUID:
    return uuid.uuid5(STAFFING_NAMESPACE, identifiers.station_id(station_id))


class StationStaffing(Aggregate):
    class Started(Aggregate.Created):
        station_id: str

    class HeadAppointed(Aggregate.Event):
        station_id: str
        worker_id: str
        appointed_on: date
        designated_by: str | None = None  # None in appointments stored before the designator was recorded

    class HeadRelieved(Aggregate.Event):
        station_id: str
        worker_id: str
        relieved_on: date

    @staticmethod
    def create_id(station_id: str) -> UUID:
        return staffing_id(station_id)

    @event(Started)
    def __init__(self, station_id: str):
        self.station_id = station_id
        self.head_id: str | None = None
        self.head_since: date | None = None
        self.designated_by: str | None = None
        self.last_relieved_on: date | None = None

    @classmethod
    def start(cls, station_id: str) -> StationStaffing:
        return cls(station_id=identifiers.station_id(station_id))

    def appoint(self, worker_id: UUID | str, appointed_on: date, designated_by: Designator | None = None,
                operating_model: str | None = None) -> None:
        """Records who designated the head (A2 §2.2): as stated, and refused if the station's operating model
        says another party designates; if not stated, the party the operating model names. `operating_model`
        is the registry's as talent learnt it, None while unknown (then nothing is checked or derived)."""
        expected = DESIGNATOR_OF.get(operating_model or "")
        if designated_by is not None and expected is not None and designated_by != expected:
            mode = "购买服务运营" if expected is Designator.AGENCY else "自主运营"
            raise TalentError(f"指定方(designated_by)有误：该站点{mode}，站长应由{DESIGNATOR_NAMES[expected]}指定")
        if self.head_id is not None:
            raise StationHasHead("本站已有站长：一个站点同时只能有一名站长，请先免去现任站长")
        if self.last_relieved_on and appointed_on < self.last_relieved_on:
            raise TalentError("任命日期不能早于上一任站长的免职日期")
        designator = designated_by or expected
        self._appointed(self.station_id, str(worker_id), appointed_on, designator.value if designator else None)

    @event(HeadAppointed)
    def _appointed(self, station_id: str, worker_id: str, appointed_on: date, designated_by: str | None = None) -> None:
        self.head_id = worker_id
        self.head_since = appointed_on
        self.designated_by = designated_by

    def relieve(self, relieved_on: date) -> str:
        if self.head_id is None:
            raise TalentError("本站当前没有站长")
        if self.head_since and relieved_on < self.head_since:
            raise TalentError("免职日期不能早于任命日期")
        worker_id = self.head_id
        self._relieved(self.station_id, worker_id, relieved_on)
        return worker_id

    @event(HeadRelieved)
    def _relieved(self, station_id: str, worker_id: str, relieved_on: date) -> None:
        self.head_id = None
        self.head_since = None
        self.designated_by = None
        self.last_relieved_on = relieved_on
