"""A community as the registry publishes it, and talent learning it as its stations consumer does: an
organisation is filed in a community whose reform flag (涉改) talent knows from `registry.events`."""

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
