"""A county's service-item list (社工站服务事项清单): the services the stations of each tier deliver, those other
departments purchase there included, each with the department that pays for it and the day it takes effect.

§三(三): "要堅持站室聯動,分級明確服務事項清單" (the items are set per tier) and the county bureau "會同財政部門梳理政府
購買的民政、教育、衛健、退役軍人事務、團委、婦聯、殘聯等部門和群團組織的服務事項,形成社工站服務事項清單,在社工站實現資金
資源整合和項目實施" (the county keeps the list; a station of a tier offers the items of its county's list for
that tier). An item is revised from a day and withdrawn from a day, so the list as of any date can be read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from eventsourcing.domain import Aggregate, event
from pzh_shared.departments import DEPARTMENT_RULE, DEPARTMENTS

from registry.domain.errors import Conflict, NotFound, RegistryError
from registry.domain.station import Tier

_NAMESPACE = uuid.UUID("3f1d6c2e-7a45-4b8e-9c01-2d5e8f6a7b90")


def service_items_id(county_code: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"service-items:{county_code}")


@dataclass(frozen=True)
class ItemVersion:
    effective_from: date
    name: str
    department: str
    tiers: tuple[str, ...]


@dataclass(frozen=True)
class ServiceItem:
    """An item as in force on some day."""

    code: str
    name: str
    department: str
    tiers: tuple[str, ...]
    effective_from: date  # of this version
    withdrawn_on: date | None


def _checked(name: str, department: str, tiers: list[str]) -> tuple[str, str, tuple[str, ...]]:
    name = name.strip()
    if not name:
        raise RegistryError("服务事项名称(name)不能为空")
    if department not in DEPARTMENTS:
        raise RegistryError(f"部门(department) {department!r} 无法识别：{DEPARTMENT_RULE}")
    if not tiers:
        raise RegistryError("服务事项须写明提供它的站点层级(tiers)，至少一个")
    unknown = [t for t in tiers if t not in {tier.value for tier in Tier}]
    if unknown:
        raise RegistryError(f"站点层级(tiers) {'、'.join(unknown)} 无法识别")
    return name, department, tuple(t.value for t in Tier if t.value in tiers)  # one order: the tiers'


class ServiceItemList(Aggregate):
    class Started(Aggregate.Created):
        county_code: str

    @staticmethod
    def create_id(county_code: str) -> uuid.UUID:
        return service_items_id(county_code)

    @event(Started)
    def __init__(self, county_code: str):
        self.county_code = county_code
        self.versions: dict[str, list[ItemVersion]] = {}  # code -> versions by effective date
        self.withdrawn: dict[str, date] = {}

    def add(self, code: str, name: str, department: str, tiers: list[str], effective_from: date) -> None:
        code = code.strip()
        if not code:
            raise RegistryError("服务事项编号(code)不能为空")
        if code in self.versions:
            raise Conflict(f"服务事项编号 {code} 已在本县(区)清单中")
        name, department, checked = _checked(name, department, tiers)
        self._item_added(code=code, name=name, department=department, tiers=list(checked),
                         effective_from=effective_from)

    @event("ItemAdded")
    def _item_added(self, code: str, name: str, department: str, tiers: list[str], effective_from: date) -> None:
        self.versions[code] = [ItemVersion(effective_from, name, department, tuple(tiers))]

    def revise(self, code: str, name: str, department: str, tiers: list[str], effective_from: date) -> None:
        """A new version from `effective_from`: what the item was before that day stays as it was."""
        versions = self._existing(code)
        if code in self.withdrawn:
            raise Conflict(f"服务事项 {code} 已于 {self.withdrawn[code]} 停止，不能修订")
        if effective_from < versions[0].effective_from:
            raise RegistryError(f"修订生效日期(effective_from)不能早于该事项的设立日期 {versions[0].effective_from}")
        name, department, checked = _checked(name, department, tiers)
        self._item_revised(code=code, name=name, department=department, tiers=list(checked),
                           effective_from=effective_from)

    @event("ItemRevised")
    def _item_revised(self, code: str, name: str, department: str, tiers: list[str], effective_from: date) -> None:
        kept = [v for v in self.versions[code] if v.effective_from != effective_from]  # a same-day revision replaces
        self.versions[code] = sorted([*kept, ItemVersion(effective_from, name, department, tuple(tiers))],
                                     key=lambda v: v.effective_from)

    def withdraw(self, code: str, on: date) -> None:
        versions = self._existing(code)
        if code in self.withdrawn:
            raise Conflict(f"服务事项 {code} 已于 {self.withdrawn[code]} 停止")
        if on <= versions[0].effective_from:
            raise RegistryError(f"停止日期(on)应晚于该事项的设立日期 {versions[0].effective_from}")
        self._item_withdrawn(code=code, on=on)

    @event("ItemWithdrawn")
    def _item_withdrawn(self, code: str, on: date) -> None:
        self.withdrawn[code] = on

    def _existing(self, code: str) -> list[ItemVersion]:
        if code not in self.versions:
            raise NotFound(f"本县(区)清单中没有服务事项 {code}")
        return self.versions[code]

    def item_on(self, code: str, on: date) -> ServiceItem | None:
        """The item as in force on `on`, or None before it starts and from its withdrawal."""
        withdrawn = self.withdrawn.get(code)
        if withdrawn is not None and on >= withdrawn:
            return None
        current = [v for v in self._existing(code) if v.effective_from <= on]
        if not current:
            return None
        v = current[-1]
        return ServiceItem(code, v.name, v.department, v.tiers, v.effective_from, withdrawn)

    def latest(self, code: str) -> ServiceItem:
        v = self._existing(code)[-1]
        return ServiceItem(code, v.name, v.department, v.tiers, v.effective_from, self.withdrawn.get(code))

    def items_on(self, on: date, tier: str | None = None) -> list[ServiceItem]:
        """The list as in force on `on` (of one tier's stations when given), by code."""
        items = [item for code in sorted(self.versions) if (item := self.item_on(code, on)) is not None]
        return [item for item in items if tier is None or tier in item.tiers]
