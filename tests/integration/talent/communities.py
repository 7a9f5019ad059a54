"""A community and a station as the registry publishes them, and talent learning them as its stations consumer
does: an organisation is filed in a community whose reform flag (涉改) talent knows from `registry.events`, and a
station is guided once talent knows its tier and area from the same topic."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Tracking
from talent.consumers.stations import subscription


def area_registered(code: str, reform_affected: bool) -> dict[str, Any]:
    """The data of `registry.area.registered.v1` for a community (village level) valid from 2020-06-01."""
    return {"area_code": code, "parent_code": code[:9], "level": "village", "name": "测试社区",
            "reform_affected": reform_affected, "valid_from": "2020-06-01", "vintage": "2020"}


def learn_community(app: Any, code: str, reform_affected: bool, offset: int = 1) -> None:
    subscription(app).apply("registry.area.registered.v1", area_registered(code, reform_affected),
                            Tracking("registry.events:0", offset))


def learn_station(app: Any, station_id: str, area_code: str, offset: int, tier: str = "township_station") -> None:
    """Talent learns a station the registry planned (`registry.station.planned.v1`)."""
    subscription(app).apply("registry.station.planned.v1", {
        "station_id": station_id, "tier": tier, "area_code": area_code, "county_code": area_code[:6],
        "name": "测试站", "construction_mode": "county_self_built", "operating_model": "self_operated", "agency": None,
        "provincial_pilot": False, "governance_pilot": False, "covers": [], "planned_on": "2020-06-01",
    }, Tracking("registry.events:0", offset))
