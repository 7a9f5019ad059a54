"""The community charity needs ledger (慈善服务需求台账): needs recorded at a station and matched
with donations, and the station's charity donation points (慈善捐赠点)."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import Aggregate, event

from casework.domain.errors import CaseworkError, Conflict
from casework.domain.vocabulary import NeedCategory


class DonationPoint(Aggregate):
    class Registered(Aggregate.Created):
        station_id: str
        name: str
        opened_on: date

    @event(Registered)
    def __init__(self, station_id: str, name: str, opened_on: date):
        self.station_id = station_id
        self.name = name
        self.opened_on = opened_on


class CharityNeed(Aggregate):
    class Recorded(Aggregate.Created):
        station_id: str
        category: str
        summary: str
        quantity: int
        recorded_on: date

    class Matched(Aggregate.Event):
        station_id: str
        category: str
        donation_point_id: str | None
        donor_kind: str
        amount: str | None
        matched_on: date

    @classmethod
    def record(
        cls, station_id: str, category: NeedCategory, summary: str, quantity: int, recorded_on: date
    ) -> CharityNeed:
        if quantity < 1:
            raise CaseworkError("需求数量至少为 1")
        return cls(
            station_id=str(station_id),
            category=NeedCategory(category).value,
            summary=summary,
            quantity=quantity,
            recorded_on=recorded_on,
        )

    @event(Recorded)
    def __init__(self, station_id: str, category: str, summary: str, quantity: int, recorded_on: date):
        self.station_id = station_id
        self.category = NeedCategory(category)
        self.summary = summary
        self.quantity = quantity
        self.recorded_on = recorded_on
        self.matched_on: date | None = None
        self.donation_point_id: str | None = None
        self.donor_kind: str | None = None
        self.amount: str | None = None

    def match(
        self, donation_point: DonationPoint | None, donor_kind: str, amount: str | None, matched_on: date
    ) -> None:
        if self.matched_on is not None:
            raise Conflict("该需求已对接捐赠")
        if matched_on < self.recorded_on:
            raise CaseworkError("对接日期不能早于需求登记日期")
        if donation_point is not None and donation_point.station_id != self.station_id:
            raise CaseworkError("捐赠点不属于该需求所在的站点")
        self._matched(
            self.station_id,
            self.category.value,
            str(donation_point.id) if donation_point else None,
            donor_kind,
            amount,
            matched_on,
        )

    @event(Matched)
    def _matched(
        self,
        station_id: str,
        category: str,
        donation_point_id: str | None,
        donor_kind: str,
        amount: str | None,
        matched_on: date,
    ) -> None:
        self.donation_point_id = donation_point_id
        self.donor_kind = donor_kind
        self.amount = amount
        self.matched_on = matched_on
