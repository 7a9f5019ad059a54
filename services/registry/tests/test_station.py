from datetime import date

import pytest
from registry.domain.areas import AreaLevel, level_of
from registry.domain.errors import RegistryError, TierMismatch, UnknownArea
from registry.domain.station import Station, Tier


@pytest.mark.parametrize("code, level", [
    ("510400", AreaLevel.CITY), ("510421", AreaLevel.COUNTY),
    ("510402001", AreaLevel.TOWNSHIP), ("510422104201", AreaLevel.VILLAGE),
])
def test_levels_of_known_areas(code, level):
    assert level_of(code) == level


@pytest.mark.parametrize("code", ["510499", "110101", "51040", "5104020011", "51040a", ""])
def test_unknown_or_malformed_area_codes_are_refused(code):
    with pytest.raises(UnknownArea):
        level_of(code)


def test_opening_records_one_event_with_the_facts():
    station = Station.open(" 炳草岗街道社会工作服务站 ", Tier.TOWNSHIP_STATION, "510402001", date(2021, 7, 1))
    (opened,) = station.collect_events()
    assert isinstance(opened, Station.Opened)
    assert (opened.name, opened.tier, opened.area_code, opened.opened_on) == (
        "炳草岗街道社会工作服务站", "township_station", "510402001", date(2021, 7, 1))
    assert station.tier is Tier.TOWNSHIP_STATION and station.status == "opened"


@pytest.mark.parametrize("tier, code", [
    (Tier.GENERAL_STATION, "510402001"), (Tier.TOWNSHIP_STATION, "510402"), (Tier.VILLAGE_ROOM, "510402001"),
    (Tier.GENERAL_STATION, "510400"),
])
def test_tier_must_match_the_level_of_its_area(tier, code):
    with pytest.raises(TierMismatch, match=code):
        Station.open("站", tier, code, date(2021, 7, 1))


def test_blank_name_is_refused():
    with pytest.raises(RegistryError):
        Station.open("   ", Tier.GENERAL_STATION, "510402", date(2021, 7, 1))
