"""Administrative areas by national code: country > province > city > county/district (6 digits) >
township/street (9) > village/community (12), registered from the deployment's root down. Areas change
over time (renamed, merged, split), so every fact keeps the date it took effect and any question can be
asked as of a date."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from eventsourcing.domain import Aggregate, event
from pzh_shared import areas as codes
from pzh_shared.areas import LEVEL_NAMES, AreaLevel

from registry.domain.errors import Conflict, UnknownArea

__all__ = ["LEVEL_NAMES", "AreaLevel", "Area", "area_id", "level_of", "parent_code"]

# Reference areas loaded from the deployment's data file are valid from before the plan, so every 2021 fact fits.
SEED_VALID_FROM = date(2020, 1, 1)
_NAMESPACE = uuid.UUID("3b0a4d1e-7f55-4a8e-9d0c-1b7c9e2f6a01")


def level_of(code: str) -> AreaLevel:
    """Level implied by a code's form; a malformed code is the registry's UnknownArea, with a readable reason."""
    if not codes.is_area_code(code):
        raise UnknownArea(f"行政区划代码 {code!r} 格式不正确：应为 6、9 或 12 位数字")
    return codes.level_of(code)


def parent_code(code: str) -> str | None:
    level_of(code)
    return codes.parent_of(code)


def area_id(code: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"area:{code}")


_T = TypeVar("_T")


def _latest_on(history: Sequence[tuple[date, _T]], on: date) -> _T | None:
    """The value in force on a date, from a list of (effective date, value) in date order."""
    value: _T | None = None
    for effective, candidate in history:
        if effective > on:
            break
        value = candidate
    return value


class Area(Aggregate):
    class Registered(Aggregate.Created):
        code: str
        name: str
        parent_code: str | None
        reform_affected: bool
        valid_from: date
        vintage: str

    @staticmethod
    def create_id(code: str, **_: object) -> uuid.UUID:
        return area_id(code)

    @event(Registered)
    def __init__(self, code: str, name: str, parent_code: str | None, reform_affected: bool, valid_from: date,
                 vintage: str):
        self.code = code
        self.level = level_of(code)
        self.parent_code = parent_code
        self.names: list[tuple[date, str]] = [(valid_from, name)]
        self.reform_flags: list[tuple[date, bool]] = [(valid_from, reform_affected)]
        self.valid_from = valid_from
        self.valid_to: date | None = None  # first day it no longer exists
        self.successors: list[str] = []
        self.vintage = vintage
        self.children: list[str] = []
        self.station_ids: list[str] = []

    @classmethod
    def register(cls, code: str, name: str, parent: Area | None, reform_affected: bool, valid_from: date,
                 vintage: str = "") -> Area:
        """A new area under its registered parent. A city, a province or the country may stand without
        one: it is then a deployment's root (its parent_code None), whose ancestors are not registered."""
        level = level_of(code)
        expected_parent = parent_code(code)
        if not name.strip():
            raise UnknownArea(f"行政区划 {code} 缺少名称")
        if parent is None and level in (AreaLevel.COUNTRY, AreaLevel.PROVINCE, AreaLevel.CITY):
            expected_parent = None
        if expected_parent is not None:
            if parent is None:
                raise UnknownArea(f"行政区划 {code} 的上级 {expected_parent} 尚未登记")
            if parent.code != expected_parent:
                raise UnknownArea(f"行政区划代码 {code} 不在上级 {parent.code} 的代码范围内")
            if not parent.valid_on(valid_from):
                raise UnknownArea(f"上级行政区划 {parent.code} 在 {valid_from} 不存在")
        if reform_affected and level not in (AreaLevel.TOWNSHIP, AreaLevel.VILLAGE):
            raise UnknownArea("只有乡镇(街道)和村(社区)可以标记为涉改")
        return cls(code=code, name=name.strip(), parent_code=expected_parent, reform_affected=reform_affected,
                   valid_from=valid_from, vintage=vintage)

    @property
    def name(self) -> str:
        return self.names[-1][1]

    def name_on(self, on: date) -> str | None:
        return _latest_on(self.names, on)

    def reform_affected_on(self, on: date) -> bool:
        return bool(_latest_on(self.reform_flags, on))

    def valid_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)

    def _check_current(self, on: date) -> None:
        if self.valid_to is not None:
            raise Conflict(f"行政区划 {self.code} 已于 {self.valid_to} 撤销，不能再变更")
        if on < self.valid_from:
            raise Conflict(f"{on} 早于行政区划 {self.code} 的设立日期 {self.valid_from}")
        if self.names and on < self.names[-1][0]:
            raise Conflict(f"{on} 早于行政区划 {self.code} 最近一次变更的日期 {self.names[-1][0]}")

    # Change events repeat the area's code so that each public event stands on its own.
    def rename(self, name: str, on: date) -> None:
        self._check_current(on)
        if not name.strip():
            raise UnknownArea("名称不能为空")
        self._renamed(code=self.code, name=name.strip(), on=on)

    @event("Renamed")
    def _renamed(self, code: str, name: str, on: date) -> None:
        self.names.append((on, name))

    def set_reform_affected(self, reform_affected: bool, on: date) -> None:
        self._check_current(on)
        self._flag_set(code=self.code, reform_affected=reform_affected, on=on)

    @event("ReformFlagSet")
    def _flag_set(self, code: str, reform_affected: bool, on: date) -> None:
        self.reform_flags.append((on, reform_affected))

    def retire(self, on: date, successors: list[str], how: str) -> None:
        """Merged into one successor, or split into several; the successors must already exist."""
        self._check_current(on)
        if self.level in (AreaLevel.COUNTRY, AreaLevel.PROVINCE, AreaLevel.CITY, AreaLevel.COUNTY):
            raise Conflict("省、市、县(区)的撤并不在本系统登记")
        if self.code in successors or not successors:
            raise Conflict("撤并须指定其他的承继行政区划")
        self._retired(code=self.code, on=on, successors=successors, how=how)

    @event("Retired")
    def _retired(self, code: str, on: date, successors: list[str], how: str) -> None:
        self.valid_to = on
        self.successors = list(successors)

    @event("ChildAdded")
    def add_child(self, code: str) -> None:
        self.children.append(code)

    # Stations are listed on the area they sit in: contention only between stations of one area.
    @event("StationAttached")
    def attach_station(self, station_id: str) -> None:
        self.station_ids.append(station_id)
