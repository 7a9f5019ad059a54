"""Funds that hold charity money and pay it out: a charity special fund (慈善专项基金) a charity organisation sets
up at a station (§三(四)5 "鼓励慈善组织通过合法程序，以服务项目和设立专项基金等方式…在社会工作服务站(室)实施…项目"),
and a community fund (社区基金) of a village/community or a township (annex 2 §3.4 "培育社区基金"; §四 "指导设立社区
慈善基金").

One aggregate for both: each is a ledger of inflows (by donor kind: an individual donor is never named) and payments
to projects whose balance never goes below zero (409), kept in date order so a balance read as of any day is the
balance the fund had that day. The money is not public and draws on no budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate, event
from pzh_shared import areas as codes

from funding.domain import areas
from funding.domain.errors import Conflict, FundingError
from funding.domain.grant import text_field
from funding.domain.money import ZERO, positive, shown
from funding.domain.vocabulary import CharityCategory, DonorKind, FundKind


def categories(values: list[str]) -> list[str]:
    return list(dict.fromkeys(CharityCategory(v).value for v in values))


class Fund(Aggregate):
    class Established(Aggregate.Created):
        kind: str
        name: str
        area_code: str
        station_id: str | None
        organisation: str | None
        purposes: list[str]
        established_on: date

    class Received(Aggregate.Event):
        kind: str
        area_code: str
        donor_kind: str
        donor_name: str | None
        amount: Decimal
        received_on: date
        balance: Decimal

    class Paid(Aggregate.Event):
        kind: str
        area_code: str
        project: str
        category: str
        amount: Decimal
        paid_on: date
        balance: Decimal

    @classmethod
    def establish(cls, kind: FundKind, name: str, area_code: str, station_id: str | None, organisation: str | None,
                  purposes: list[str], established_on: date) -> Fund:
        kind, area_code = FundKind(kind), areas.area_code(area_code)
        if kind is FundKind.COMMUNITY_FUND:
            if codes.level_of(area_code) not in (codes.AreaLevel.TOWNSHIP, codes.AreaLevel.VILLAGE):
                raise FundingError("社区基金按村(社区)或乡镇(街道)设立，行政区划代码应为 12 位或 9 位")
        else:
            if not station_id:
                raise FundingError("慈善专项基金设在社会工作服务站(室)，须填写服务站点")
            if not organisation:
                raise FundingError("慈善专项基金须填写设立的慈善组织")
            if not purposes:
                raise FundingError("慈善专项基金须写明至少一项用途(养老、助残、扶幼、济弱、帮困、人才培训等)")
        return cls(kind=kind.value, name=text_field(name, "基金名称"), area_code=area_code, station_id=station_id,
                   organisation=text_field(organisation, "设立机构") if organisation else None,
                   purposes=categories(purposes), established_on=established_on)

    @event(Established)
    def __init__(self, kind: str, name: str, area_code: str, station_id: str | None, organisation: str | None,
                 purposes: list[str], established_on: date):
        self.kind = FundKind(kind)
        self.name = name
        self.area_code = area_code
        self.station_id = station_id
        self.organisation = organisation
        self.purposes = [CharityCategory(p) for p in purposes]
        self.established_on = established_on
        self.received = ZERO
        self.paid = ZERO
        self.entries: list[dict[str, Any]] = []

    @property
    def balance(self) -> Decimal:
        return self.received - self.paid

    @property
    def last_on(self) -> date:
        return self.entries[-1]["on"] if self.entries else self.established_on

    def _check_date(self, on: date) -> None:
        if on < self.last_on:
            raise FundingError(f"基金收支按日期顺序登记：日期不能早于 {self.last_on}(设立或上一笔收支的日期)")

    def receive(self, donor_kind: DonorKind, donor_name: str | None, amount: Any, received_on: date) -> None:
        donor_kind = DonorKind(donor_kind)
        if donor_kind is DonorKind.INDIVIDUAL and donor_name:
            raise FundingError("个人捐赠只登记捐赠人类别，不登记捐赠人姓名")
        self._check_date(received_on)
        amount = positive(amount, "收入金额")
        name = text_field(donor_name, "捐赠单位") if donor_name else None
        self._received(self.kind.value, self.area_code, donor_kind.value, name, amount, received_on,
                       self.balance + amount)

    @event(Received)
    def _received(self, kind: str, area_code: str, donor_kind: str, donor_name: str | None, amount: Decimal,
                  received_on: date, balance: Decimal) -> None:
        self.received += amount
        self.entries.append({"type": "received", "on": received_on, "amount": amount, "donor_kind": donor_kind,
                             "donor_name": donor_name, "balance": balance})

    def pay(self, project: str, category: CharityCategory, amount: Any, paid_on: date) -> None:
        project, category = text_field(project, "资助项目"), CharityCategory(category)
        if self.kind is FundKind.CHARITY_FUND and category not in self.purposes:
            allowed = "、".join(p.label for p in self.purposes)
            raise FundingError(f"该慈善专项基金的用途为{allowed}，不能用于“{category.label}”")
        self._check_date(paid_on)
        amount = positive(amount, "支出金额")
        if amount > self.balance:
            raise Conflict(f"基金余额不足：余额 {shown(self.balance)}，本次拟支出 {shown(amount)}")
        self._paid(self.kind.value, self.area_code, project, category.value, amount, paid_on, self.balance - amount)

    @event(Paid)
    def _paid(self, kind: str, area_code: str, project: str, category: str, amount: Decimal, paid_on: date,
              balance: Decimal) -> None:
        self.paid += amount
        self.entries.append({"type": "paid", "on": paid_on, "amount": amount, "project": project,
                             "category": category, "balance": balance})
