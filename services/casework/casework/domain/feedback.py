"""Complaints and feedback per station (received -> handled -> closed, with response times) and
satisfaction surveys of clients, purchaser and implementer; both feed the annual station evaluation
(A2 §5). A complaint's text may name people: it stays in the event store, never in an integration event."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casework.domain.errors import CaseworkError, StageConflict
from casework.domain.vocabulary import ComplaintChannel, Respondent, SurveyMethod


def _hours(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 3600, 2)


class Complaint(Aggregate):
    class Received(Aggregate.Created):
        station_id: str
        channel: str
        summary: str
        received_at: datetime
        area_code: str | None = None  # the station's area, for the lists; None in older complaints

    class Handled(Aggregate.Event):
        station_id: str
        action: str
        handled_at: datetime
        response_hours: float

    class Closed(Aggregate.Event):
        station_id: str
        channel: str
        response: str
        received_at: datetime
        closed_at: datetime
        response_hours: float
        resolution_hours: float

    @classmethod
    def receive(cls, station_id: str, channel: ComplaintChannel, summary: str, received_at: datetime,
                area_code: str | None = None, complaint_id: UUID | None = None) -> Complaint:
        """`complaint_id`: the id a receipt number derives (a resident's complaint, application/receipts.py);
        a new random one otherwise."""
        return cls._create(cls.Received, id=complaint_id, station_id=str(station_id),
                           channel=ComplaintChannel(channel).value, summary=summary, received_at=received_at,
                           area_code=area_code)

    @event(Received)
    def __init__(self, station_id: str, channel: str, summary: str, received_at: datetime,
                 area_code: str | None = None):
        self.station_id = station_id
        self.area_code = area_code
        self.channel = ComplaintChannel(channel)
        self.summary = summary
        self.received_at = received_at
        self.status = "received"
        self.handled_at: datetime | None = None
        self.action: str | None = None
        self.closed_at: datetime | None = None
        self.response: str | None = None
        self.response_hours: float | None = None
        self.resolution_hours: float | None = None

    def handle(self, action: str, handled_at: datetime) -> None:
        if self.status != "received":
            raise StageConflict(f"投诉当前状态为 {self.status}，只能处理已受理(received)的投诉")
        if handled_at < self.received_at:
            raise CaseworkError("处理时间不能早于受理时间")
        self._handled(self.station_id, action, handled_at, _hours(self.received_at, handled_at))

    @event(Handled)
    def _handled(self, station_id: str, action: str, handled_at: datetime, response_hours: float) -> None:
        self.status = "handled"
        self.action = action
        self.handled_at = handled_at
        self.response_hours = response_hours

    def close(self, response: str, closed_at: datetime) -> None:
        if self.status != "handled":
            raise StageConflict(f"投诉当前状态为 {self.status}，须先处理(handled)才能办结")
        # Handling set both; the status says it happened.
        assert self.handled_at is not None and self.response_hours is not None
        if closed_at < self.handled_at:
            raise CaseworkError("办结时间不能早于处理时间")
        self._closed(self.station_id, self.channel.value, response, self.received_at, closed_at, self.response_hours,
                     _hours(self.received_at, closed_at))

    @event(Closed)
    def _closed(
        self,
        station_id: str,
        channel: str,
        response: str,
        received_at: datetime,
        closed_at: datetime,
        response_hours: float,
        resolution_hours: float,
    ) -> None:
        self.status = "closed"
        self.response = response
        self.closed_at = closed_at
        self.resolution_hours = resolution_hours


class Survey(Aggregate):
    class Recorded(Aggregate.Created):
        station_id: str
        respondent: str
        method: str
        score: float
        surveyed_on: date
        area_code: str | None = None  # the station's area, for the lists; None in older surveys

    @classmethod
    def record(cls, station_id: str, respondent: Respondent, method: SurveyMethod, score: float, surveyed_on: date,
               area_code: str | None = None) -> Survey:
        if not 0 <= score <= 100:
            raise CaseworkError("满意度评分应在 0 到 100 之间")
        return cls(
            station_id=str(station_id),
            respondent=Respondent(respondent).value,
            method=SurveyMethod(method).value,
            score=float(score),
            surveyed_on=surveyed_on,
            area_code=area_code,
        )

    @event(Recorded)
    def __init__(self, station_id: str, respondent: str, method: str, score: float, surveyed_on: date,
                 area_code: str | None = None):
        self.station_id = station_id
        self.area_code = area_code
        self.respondent = Respondent(respondent)
        self.method = SurveyMethod(method)
        self.score = score
        self.surveyed_on = surveyed_on
