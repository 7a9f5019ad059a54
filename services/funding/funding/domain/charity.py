"""The community charity needs ledger (慈善服务需求台账) and donation points (慈善捐赠点), annex 2 §3.4: "对接社区
困难群体需求，建立社区慈善服务需求台账，链接慈善资源…联合慈善组织依法设立社区慈善捐赠点，培育社区基金".

They live in funding because they are the two ends of the charity money the funding service keeps: a need is met
with a resource (most often one of funding's community or charity funds, or a donation point), and the funds and
points are reported with the money per area. The registry keeps places and stations, not resources; casework keeps
people, and a need here is a community's, never a person's: its summary must not name or identify anyone, and
neither the summary nor any organisation's contact leaves the service in an event.

It is the platform's one such ledger: casework's earlier, smaller one was withdrawn on 2026-12-08 (its README)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event
from pzh_shared import areas as codes

from funding.domain import areas
from funding.domain.errors import Conflict, FundingError
from funding.domain.grant import text_field
from funding.domain.vocabulary import CharityCategory, ResourceKind

# Runs of digits as long as a mobile number (11) or an ID number (17 + check digit): a summary holding one holds
# a person's phone or ID, which the ledger must not keep.
_IDENTIFYING = re.compile(r"\d{11,}|\d{17}[\dXx]")


def community_area(code: str, what: str) -> str:
    code = areas.area_code(code)
    if codes.level_of(code) not in (codes.AreaLevel.TOWNSHIP, codes.AreaLevel.VILLAGE):
        raise FundingError(f"{what}登记在村(社区)或乡镇(街道)，行政区划代码应为 12 位或 9 位")
    return code


class CharityNeed(Aggregate):
    class Recorded(Aggregate.Created):
        area_code: str
        station_id: str | None
        category: str
        summary: str
        recorded_on: date

    class Met(Aggregate.Event):
        area_code: str
        category: str
        resource_kind: str
        resource_id: str | None
        resource_name: str
        met_on: date

    @classmethod
    def record(cls, area_code: str, station_id: str | None, category: CharityCategory, summary: str,
               recorded_on: date) -> CharityNeed:
        summary = text_field(summary, "需求概述", 500)
        if _IDENTIFYING.search(summary):
            raise FundingError("需求概述不得包含电话号码、身份证号等个人信息")
        return cls(area_code=community_area(area_code, "慈善服务需求"), station_id=station_id,
                   category=CharityCategory(category).value, summary=summary, recorded_on=recorded_on)

    @event(Recorded)
    def __init__(self, area_code: str, station_id: str | None, category: str, summary: str, recorded_on: date):
        self.area_code = area_code
        self.station_id = station_id
        self.category = CharityCategory(category)
        self.summary = summary
        self.recorded_on = recorded_on
        self.met: dict[str, Any] | None = None

    def meet(self, resource_kind: ResourceKind, resource_id: str | None, resource_name: str, met_on: date) -> None:
        if self.met is not None:
            raise Conflict(f"该需求已于 {self.met['met_on']} 对接慈善资源")
        if met_on < self.recorded_on:
            raise FundingError("对接日期不能早于需求登记日期")
        self._met(self.area_code, self.category.value, ResourceKind(resource_kind).value, resource_id,
                  text_field(resource_name, "慈善资源名称"), met_on)

    @event(Met)
    def _met(self, area_code: str, category: str, resource_kind: str, resource_id: str | None, resource_name: str,
             met_on: date) -> None:
        self.met = {"resource_kind": resource_kind, "resource_id": resource_id, "resource_name": resource_name,
                    "met_on": met_on}


class DonationPoint(Aggregate):
    class Opened(Aggregate.Created):
        name: str
        area_code: str
        operator: str
        location: str
        opened_on: date

    class Closed(Aggregate.Event):
        area_code: str
        closed_on: date

    @classmethod
    def open(cls, name: str, area_code: str, operator: str, location: str, opened_on: date) -> DonationPoint:
        return cls(name=text_field(name, "捐赠点名称"), area_code=community_area(area_code, "慈善捐赠点"),
                   operator=text_field(operator, "运营慈善组织"), location=text_field(location, "设置地点"),
                   opened_on=opened_on)

    @event(Opened)
    def __init__(self, name: str, area_code: str, operator: str, location: str, opened_on: date):
        self.name = name
        self.area_code = area_code
        self.operator = operator
        self.location = location
        self.opened_on = opened_on
        self.closed_on: date | None = None

    def close(self, closed_on: date) -> None:
        if self.closed_on is not None:
            raise Conflict(f"该捐赠点已于 {self.closed_on} 撤销")
        if closed_on < self.opened_on:
            raise FundingError("撤销日期不能早于设立日期")
        self._closed(self.area_code, closed_on)

    @event(Closed)
    def _closed(self, area_code: str, closed_on: date) -> None:
        self.closed_on = closed_on
