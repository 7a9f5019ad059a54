"""Fixtures of the talent service's unit tests: made-up people with well-formed identifiers."""

from __future__ import annotations

import itertools

import pytest
from talent.domain.identifiers import id_check_digit

_serial = itertools.count(100)


def id_number(birth: str = "19850101", area: str = "510402") -> str:
    first17 = f"{area}{birth}{next(_serial) % 1000:03d}"
    return first17 + id_check_digit(first17)


@pytest.fixture
def new_id_number():
    return id_number


@pytest.fixture
def talent_app(tmp_path):
    from talent.adapters.wiring import build_application
    from talent.settings import TalentSettings

    application = build_application(TalentSettings(data_dir=tmp_path))
    yield application
    application.close()


_offsets = itertools.count(1)


def planned_data(
    station_id: str, tier: str = "township_station", provincial_pilot: bool = False, area_code: str = "510402001"
) -> dict:
    """The data of a `registry.station.planned.v1` as the registry publishes it."""
    return {
        "station_id": station_id,
        "tier": tier,
        "area_code": area_code,
        "county_code": area_code[:6],
        "name": "测试站",
        "construction_mode": "county_self_built",
        "operating_model": "self_operated",
        "agency": None,
        "provincial_pilot": provincial_pilot,
        "governance_pilot": False,
        "covers": [],
        "planned_on": "2020-06-01",
    }


def plan(app, station_id: str, tier: str = "township_station", provincial_pilot: bool = False) -> None:
    """Feeds the application the registry's planned event for a station, as the stations consumer does."""
    from eventsourcing.persistence import Tracking
    from talent.consumers.stations import subscription

    subscription(app).apply("registry.station.planned.v1", planned_data(station_id, tier, provincial_pilot),
                             Tracking("registry.events:0", next(_offsets)))


@pytest.fixture
def plan_station():
    return plan


@pytest.fixture
def planned():
    return planned_data


# Two communities as the registry registers them: one reform-affected (涉改社区), one not, both from 2020-06-01.
REFORM_COMMUNITY, PLAIN_COMMUNITY = "510402001001", "510402001002"


def community(reform_affected: bool) -> str:
    return REFORM_COMMUNITY if reform_affected else PLAIN_COMMUNITY


def learn_communities(app) -> None:
    """Feeds the application the registry's registrations of the two communities, as the stations consumer does."""
    from eventsourcing.persistence import Tracking
    from talent.consumers.stations import subscription

    for code, flag in ((REFORM_COMMUNITY, True), (PLAIN_COMMUNITY, False)):
        subscription(app).apply("registry.area.registered.v1", {
            "area_code": code, "parent_code": code[:9], "level": "village", "name": "测试社区",
            "reform_affected": flag, "valid_from": "2020-06-01", "vintage": "2020"},
            Tracking("registry.events:9", next(_offsets)))  # a partition the tests' own messages leave alone


@pytest.fixture(name="community")
def community_fixture():
    """community(reform_affected) -> the code of a community the registry flagged so (after learn_communities)."""
    return community


@pytest.fixture(name="learn_communities")
def learn_communities_fixture():
    return learn_communities
