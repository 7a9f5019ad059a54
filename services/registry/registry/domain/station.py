"""The Station aggregate (minimal: opening; the full lifecycle is issue 3)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from eventsourcing.domain import Aggregate, event

from registry.domain.areas import AreaLevel, level_of
from registry.domain.errors import RegistryError, TierMismatch


class Tier(StrEnum):
    GENERAL_STATION = "general_station"  # 县(区)社会工作服务总站
    TOWNSHIP_STATION = "township_station"  # 乡镇(街道)社会工作服务站
    VILLAGE_ROOM = "village_room"  # 村(社区)社会工作服务室


TIER_LEVEL = {
    Tier.GENERAL_STATION: AreaLevel.COUNTY,
    Tier.TOWNSHIP_STATION: AreaLevel.TOWNSHIP,
    Tier.VILLAGE_ROOM: AreaLevel.VILLAGE,
}
TIER_NAMES = {
    Tier.GENERAL_STATION: "社会工作服务总站",
    Tier.TOWNSHIP_STATION: "社会工作服务站",
    Tier.VILLAGE_ROOM: "社会工作服务室",
}
LEVEL_NAMES = {AreaLevel.CITY: "市", AreaLevel.COUNTY: "县(区)", AreaLevel.TOWNSHIP: "乡镇(街道)", AreaLevel.VILLAGE: "村(社区)"}


class Station(Aggregate):
    class Opened(Aggregate.Created):
        name: str
        tier: str
        area_code: str
        opened_on: date

    @classmethod
    def open(cls, name: str, tier: Tier, area_code: str, opened_on: date) -> Station:
        """Checks the rules, then records the opening."""
        name = name.strip()
        if not name:
            raise RegistryError("站点名称不能为空")
        level = level_of(area_code)
        if TIER_LEVEL[tier] != level:
            raise TierMismatch(
                f"{TIER_NAMES[tier]}应设在{LEVEL_NAMES[TIER_LEVEL[tier]]}一级，"
                f"而 {area_code} 是{LEVEL_NAMES[level]}一级的行政区划代码"
            )
        return cls(name=name, tier=tier.value, area_code=area_code, opened_on=opened_on)

    @event(Opened)
    def __init__(self, name: str, tier: str, area_code: str, opened_on: date):
        self.name = name
        self.tier = Tier(tier)
        self.area_code = area_code
        self.opened_on = opened_on
        self.status = "opened"
