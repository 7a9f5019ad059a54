"""The registry's lists (areas, stations, yearly targets, service items): what a row of each holds, and which rows
a domain event changes. Nothing here is personal (area, station and agency names, codes, statuses, dates), so no
field is blind. The index itself is the shared mechanism (pzh_shared.listing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from pzh_shared.listing import ListField, ListSpec, RecentAggregates, Update

from registry.domain.areas import LEVEL_NAMES, Area
from registry.domain.levels import Level
from registry.domain.service_items import ServiceItemList
from registry.domain.station import TIER_NAMES, ConstructionMode, OperatingModel, Station, Status, Tier
from registry.domain.targets import CountyTargets

AREAS = ListSpec("areas", (
    ListField("code", filter="area", sortable=True, label="行政区划代码"),
    ListField("name", filter="search", sortable=True, label="名称"),
    # "#" + code: a query of digits is searched as "#<digits>", which only a code starting with them contains.
    ListField("code_key", filter="search"),
    ListField("level", label="层级"),
    ListField("parent_code", label="上级代码"),
    ListField("reform_affected", kind="bool", label="涉改"),
    ListField("retired", kind="bool", label="已撤销"),
    ListField("valid_from", filter="none", label="设立日期"),
    ListField("valid_to", filter="none", label="撤销日期"),
), default_sort="code")

STATIONS = ListSpec("stations", (
    ListField("name", filter="search", sortable=True, label="站点名称"),
    ListField("tier", label="层级"),
    ListField("area_code", filter="area", sortable=True, label="行政区划代码"),
    ListField("status", label="状态"),
    ListField("level", sortable=True, label="等级"),
    ListField("construction_mode", label="建设方式"),
    ListField("operating_model", label="运营方式"),
    ListField("agency", filter="none", label="驻站机构"),
    ListField("provincial_pilot", kind="bool", label="省级试点"),
    ListField("governance_pilot", kind="bool", label="治理试点"),
    ListField("planned_on", filter="none", label="规划日期"),
    ListField("opened_on", filter="none", sortable=True, label="开放日期"),
    ListField("staff_count", kind="int", filter="none", label="工作人员数"),
    ListField("has_head", kind="bool", label="已任站长"),
), default_sort="name")

TARGETS = ListSpec("targets", (
    ListField("county_code", filter="area", sortable=True, label="县(区)代码"),
    ListField("year", kind="int", sortable=True, label="年度"),
    ListField("general_station", kind="int", filter="none", label="总站目标"),
    ListField("township_station", kind="int", filter="none", label="乡镇站目标"),
    ListField("village_room", kind="int", filter="none", label="村室目标"),
), default_sort="county_code")

# One row per item and tier it is offered at, as last recorded (its latest version): a list filtered by tier shows
# what that tier's stations offer; the list as of another day is GET /service-items/{county}?as_of=.
SERVICE_ITEMS = ListSpec("service_items", (
    ListField("county_code", filter="area", sortable=True, label="县(区)代码"),
    ListField("code", sortable=True, label="事项编号"),
    ListField("name", filter="search", sortable=True, label="服务事项"),
    ListField("department", label="部门"),
    ListField("tier", label="站点层级"),
    ListField("effective_from", filter="none", sortable=True, label="生效日期"),
    ListField("withdrawn_on", filter="none", label="停止日期"),
    ListField("withdrawn", kind="bool", label="已停止"),
), default_sort="code")

SPECS = (AREAS, STATIONS, TARGETS, SERVICE_ITEMS)

# Chinese names of the stored values, for the 台账 (the JSON keeps the codes).
STATUS_NAMES = {Status.PLANNED: "规划中", Status.OPENED: "运行中", Status.SUSPENDED: "暂停",
                Status.CLOSED: "已关闭", Status.MERGED: "已合并"}
STATION_LEVEL_NAMES = {Level.NONE: "未达五有", Level.BASIC: "五有", Level.STANDARD: "标准化",
                       Level.PROFESSIONAL: "三有"}
CONSTRUCTION_NAMES = {
    ConstructionMode.PROVINCIAL_AWARD: "省级奖补推动",
    ConstructionMode.GOVERNANCE_PILOT: "城乡社区治理试点打造",
    ConstructionMode.CIVIL_AFFAIRS_INSTITUTION: "民政服务机构布局",
    ConstructionMode.COUNTY_SELF_BUILT: "县级整合资源自建",
    ConstructionMode.EXISTING_VENUE: "依托现有场所赋能",
}
OPERATING_NAMES = {OperatingModel.SELF_OPERATED: "自主运营", OperatingModel.AGENCY: "购买服务"}

STATION_COLUMNS = [("name", "站点名称"), ("tier_name", "层级"), ("area_code", "行政区划代码"), ("status_name", "状态"),
                   ("level_name", "等级"), ("construction_name", "建设方式"), ("operating_name", "运营方式"),
                   ("agency", "驻站机构"), ("provincial_pilot", "省级试点"), ("governance_pilot", "治理试点"),
                   ("planned_on", "规划日期"), ("opened_on", "开放日期"), ("staff_count", "工作人员数"),
                   ("has_head", "已任站长")]
AREA_COLUMNS = [("code", "行政区划代码"), ("name", "名称"), ("level_name", "层级"), ("parent_code", "上级代码"),
                ("reform_affected", "涉改"), ("retired", "已撤销"), ("valid_from", "设立日期"),
                ("valid_to", "撤销日期")]


def search_term(q: str | None) -> str | None:
    """What the areas list searches for: digits are a code prefix (see AREAS' code_key), anything else a name."""
    if q is None:
        return None
    q = q.strip()
    return f"#{q}" if q.isdigit() else q


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def area_row(area: Area) -> dict[str, Any]:
    return {"code": area.code, "name": area.name, "code_key": f"#{area.code}", "level": area.level.value,
            "parent_code": area.parent_code, "reform_affected": area.reform_flags[-1][1],
            "retired": area.valid_to is not None, "valid_from": _day(area.valid_from), "valid_to": _day(area.valid_to)}


def station_row(station: Station) -> dict[str, Any]:
    """The station as last recorded (its latest status and level, whatever their dates)."""
    return {"name": station.name, "tier": station.tier.value, "area_code": station.area_code,
            "status": station.status.value, "level": station.level.value,
            "construction_mode": station.construction_mode.value, "operating_model": station.operating_model.value,
            "agency": station.agency, "provincial_pilot": station.provincial_pilot,
            "governance_pilot": station.governance_pilot, "planned_on": _day(station.statuses[0][0]),
            "opened_on": _day(station.opened_on), "staff_count": len(station.staff),
            "has_head": station.head is not None}


def service_item_updates(items: ServiceItemList) -> Iterator[Update]:
    """Every item's row per tier; a tier a revision dropped loses its row."""
    for code in items.versions:
        item = items.latest(code)
        for tier in Tier:
            row_id = f"{items.county_code}:{code}:{tier.value}"
            yield "service_items", row_id, None if tier.value not in item.tiers else {
                "county_code": items.county_code, "code": code, "name": item.name, "department": item.department,
                "tier": tier.value, "effective_from": _day(item.effective_from),
                "withdrawn_on": _day(item.withdrawn_on), "withdrawn": item.withdrawn_on is not None}


def targets_row(plan: CountyTargets) -> dict[str, Any]:
    return {"county_code": plan.county_code, "year": plan.year, **plan.as_dict()}


def projector(load: Callable[[UUID], Aggregate | None]) -> Callable[[Any], Iterator[Update]]:
    """The index's projector: an event of an area, station or targets re-projects that aggregate's row."""
    recent = RecentAggregates(load)

    def project(domain_event: Any) -> Iterator[Update]:
        if not isinstance(domain_event, Area.Event | Station.Event | CountyTargets.Event | ServiceItemList.Event):
            return  # staff members and general-station slots have no list
        aggregate = recent.of(domain_event)
        if isinstance(aggregate, Area):
            yield "areas", aggregate.code, area_row(aggregate)
        elif isinstance(aggregate, Station):
            yield "stations", str(aggregate.id), station_row(aggregate)
        elif isinstance(aggregate, CountyTargets):
            yield "targets", f"{aggregate.county_code}:{aggregate.year}", targets_row(aggregate)
        elif isinstance(aggregate, ServiceItemList):
            yield from service_item_updates(aggregate)

    return project


def named_station_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds the Chinese names of the coded values (the export shows them; the JSON model leaves them out)."""
    for row in rows:
        row["station_id"] = row["id"]
        row["tier_name"] = TIER_NAMES.get(Tier(row["tier"]), row["tier"]) if row.get("tier") else ""
        row["status_name"] = STATUS_NAMES.get(Status(row["status"]), "") if row.get("status") else ""
        row["level_name"] = STATION_LEVEL_NAMES.get(Level(row["level"]), "") if row.get("level") else ""
        mode, model = row.get("construction_mode"), row.get("operating_model")
        row["construction_name"] = CONSTRUCTION_NAMES.get(ConstructionMode(mode), "") if mode else ""
        row["operating_name"] = OPERATING_NAMES.get(OperatingModel(model), "") if model else ""
    return rows


def named_area_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        level = row.get("level")
        row["level_name"] = next((name for lv, name in LEVEL_NAMES.items() if lv.value == level), level or "")
    return rows
