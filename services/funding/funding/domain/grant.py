"""Money that is not a purchase (plan §三(四)1: "通过购买服务、补贴奖励、公益创投等方式，支持进驻乡镇(街道)社会工作
服务站的服务机构实施社工项目"): subsidies and awards (Grant, paid at once), and venture philanthropy
(VentureRound: a round a bureau opens with a pot from one source, organisations'
applications, awards, and payments against an award).

Both are public money: each payment draws on the area's budget of its source, as a contract's instalment does, and
is saved with that budget (application/service.py), so it is refused (409) when the budget is spent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate, event
from pzh_shared import areas as codes

from funding.domain import areas
from funding.domain.errors import Conflict, FundingError, NotFound
from funding.domain.money import ZERO, positive, shown
from funding.domain.vocabulary import PUBLIC_SOURCES, GrantKind, SourceKind


def text_field(value: str, what: str, limit: int = 200) -> str:
    """A name or a title: inner whitespace collapsed, not empty, at most `limit` characters."""
    value = " ".join(str(value or "").split())
    if not 1 <= len(value) <= limit:
        raise FundingError(f"{what}不能为空，且不超过 {limit} 个字符")
    return value


def public_source(source: str, what: str) -> SourceKind:
    kind = SourceKind(source)
    if kind not in PUBLIC_SOURCES:
        allowed = "、".join(k.label for k in PUBLIC_SOURCES)
        raise FundingError(f"{what}的资金来源应为{allowed}之一，不能是“{kind.label}”")
    return kind


class Grant(Aggregate):
    """A subsidy or an award to an organisation for its work at a station (or in an area), paid at once."""

    class Awarded(Aggregate.Created):
        kind: str
        organisation: str
        purpose: str
        area_code: str
        funding_area_code: str
        station_id: str | None
        source: str
        amount: Decimal
        awarded_on: date

    @classmethod
    def award(cls, kind: GrantKind, organisation: str, purpose: str, area_code: str, station_id: str | None,
              source: str, amount: Any, awarded_on: date) -> Grant:
        kind = GrantKind(kind)
        return cls(kind=kind.value, organisation=text_field(organisation, "受资助机构"),
                   purpose=text_field(purpose, f"{kind.label}事由"), area_code=areas.area_code(area_code),
                   funding_area_code=areas.funding_area(area_code), station_id=station_id,
                   source=public_source(source, kind.label).value, amount=positive(amount, f"{kind.label}金额"),
                   awarded_on=awarded_on)

    @event(Awarded)
    def __init__(self, kind: str, organisation: str, purpose: str, area_code: str, funding_area_code: str,
                 station_id: str | None, source: str, amount: Decimal, awarded_on: date):
        self.kind = GrantKind(kind)
        self.organisation = organisation
        self.purpose = purpose
        self.area_code = area_code
        self.funding_area = funding_area_code
        self.station_id = station_id
        self.source = SourceKind(source)
        self.amount = amount
        self.awarded_on = awarded_on


class VentureRound(Aggregate):
    """A round of venture philanthropy (公益创投) of a county (or the city) bureau for one year."""

    class Opened(Aggregate.Created):
        area_code: str
        year: int
        title: str
        source: str
        budget: Decimal
        opened_on: date
        closes_on: date

    class Applied(Aggregate.Event):
        application_no: int
        organisation: str
        project: str
        area_code: str
        station_id: str | None
        requested: Decimal
        applied_on: date

    class Awarded(Aggregate.Event):
        application_no: int
        organisation: str
        area_code: str
        station_id: str | None
        amount: Decimal
        awarded_on: date

    class Disbursed(Aggregate.Event):
        application_no: int
        area_code: str
        funding_area_code: str
        source: str
        amount: Decimal
        paid_on: date
        awarded: Decimal
        paid_to_date: Decimal

    @classmethod
    def open(cls, area_code: str, year: int, title: str, source: str, budget: Any, opened_on: date,
             closes_on: date) -> VentureRound:
        if closes_on < opened_on:
            raise FundingError("申报截止日期不能早于开始日期")
        return cls(area_code=areas.budget_area(area_code), year=areas.year(year), title=text_field(title, "创投名称"),
                   source=public_source(source, "公益创投").value, budget=positive(budget, "创投资金总额"),
                   opened_on=opened_on, closes_on=closes_on)

    @event(Opened)
    def __init__(self, area_code: str, year: int, title: str, source: str, budget: Decimal, opened_on: date,
                 closes_on: date):
        self.area_code = area_code
        self.year = year
        self.title = title
        self.source = SourceKind(source)
        self.budget = budget
        self.opened_on = opened_on
        self.closes_on = closes_on
        self.applications: list[dict[str, Any]] = []

    @property
    def awarded(self) -> Decimal:
        return sum((a["awarded"] for a in self.applications if a["awarded"] is not None), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((a["paid"] for a in self.applications), ZERO)

    def application(self, application_no: int) -> dict[str, Any]:
        if not 1 <= application_no <= len(self.applications):
            raise NotFound(f"本轮公益创投没有第 {application_no} 号申报")
        return self.applications[application_no - 1]

    def apply(self, organisation: str, project: str, area_code: str, station_id: str | None, requested: Any,
              applied_on: date) -> int:
        organisation, project = text_field(organisation, "申报机构"), text_field(project, "项目名称")
        area_code = areas.area_code(area_code)
        if not codes.within(area_code, self.area_code):
            raise FundingError(f"申报项目所在区划 {area_code} 不在本轮公益创投的范围 {self.area_code} 内")
        if not self.opened_on <= applied_on <= self.closes_on:
            raise FundingError(f"申报日期应在申报期 {self.opened_on} 至 {self.closes_on} 之内")
        requested = positive(requested, "申请金额")
        if requested > self.budget:
            raise FundingError(f"申请金额 {shown(requested)}超过本轮创投资金总额 {shown(self.budget)}")
        if any(a["organisation"] == organisation and a["project"] == project for a in self.applications):
            raise Conflict(f"{organisation}已申报过项目“{project}”")
        number = len(self.applications) + 1
        self._applied(number, organisation, project, area_code, station_id, requested, applied_on)
        return number

    @event(Applied)
    def _applied(self, application_no: int, organisation: str, project: str, area_code: str, station_id: str | None,
                 requested: Decimal, applied_on: date) -> None:
        self.applications.append({"application_no": application_no, "organisation": organisation,
                                  "project": project, "area_code": area_code, "station_id": station_id,
                                  "requested": requested, "applied_on": applied_on, "awarded": None,
                                  "awarded_on": None, "paid": ZERO, "payments": []})

    def award(self, application_no: int, amount: Any, awarded_on: date) -> None:
        entry = self.application(application_no)
        if entry["awarded"] is not None:
            raise Conflict(f"第 {application_no} 号申报已获资助 {shown(entry['awarded'])}")
        amount = positive(amount, "资助金额")
        if amount > entry["requested"]:
            raise FundingError(f"资助金额 {shown(amount)}超过申请金额 {shown(entry['requested'])}")
        if awarded_on < entry["applied_on"]:
            raise FundingError("资助日期不能早于申报日期")
        if self.awarded + amount > self.budget:
            raise Conflict(f"超出本轮公益创投资金：总额 {shown(self.budget)}，已资助 {shown(self.awarded)}，"
                           f"余额 {shown(self.budget - self.awarded)}，本次拟资助 {shown(amount)}")
        self._awarded(application_no, entry["organisation"], entry["area_code"], entry["station_id"], amount,
                      awarded_on)

    @event(Awarded)
    def _awarded(self, application_no: int, organisation: str, area_code: str, station_id: str | None,
                 amount: Decimal, awarded_on: date) -> None:
        entry = self.applications[application_no - 1]
        entry["awarded"], entry["awarded_on"] = amount, awarded_on

    def check_payment(self, application_no: int, amount: Any, paid_on: date) -> Decimal:
        """The amount, if it may be paid against the award; the budget draw is the service's."""
        entry = self.application(application_no)
        if entry["awarded"] is None:
            raise FundingError(f"第 {application_no} 号申报尚未获得资助，不能拨付")
        paying = positive(amount, "拨付金额")
        if paid_on < entry["awarded_on"]:
            raise FundingError("拨付日期不能早于资助日期")
        left: Decimal = entry["awarded"] - entry["paid"]
        if paying > left:
            raise Conflict(f"拨付后将超过资助金额：资助 {shown(entry['awarded'])}，已拨付 {shown(entry['paid'])}，"
                           f"余额 {shown(left)}，本次拟拨付 {shown(paying)}")
        return paying

    def disburse(self, application_no: int, amount: Any, paid_on: date) -> None:
        amount = self.check_payment(application_no, amount, paid_on)
        entry = self.applications[application_no - 1]
        self._disbursed(application_no, entry["area_code"], self.area_code, self.source.value, amount, paid_on,
                        entry["awarded"], entry["paid"] + amount)

    @event(Disbursed)
    def _disbursed(self, application_no: int, area_code: str, funding_area_code: str, source: str, amount: Decimal,
                   paid_on: date, awarded: Decimal, paid_to_date: Decimal) -> None:
        entry = self.applications[application_no - 1]
        entry["paid"] = paid_to_date
        entry["payments"].append({"amount": amount, "paid_on": paid_on})
