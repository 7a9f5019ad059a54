"""Every rule of the registry's domain, without I/O."""

from datetime import date

import pytest
from registry.adapters.reference import read_targets
from registry.domain.areas import Area, AreaLevel, level_of, parent_code
from registry.domain.errors import Conflict, RegistryError, TierMismatch, UnknownArea
from registry.domain.levels import BASIC_ITEMS, CHECKLIST_ITEMS, Level, StaffFact, compute_level
from registry.domain.roster import GeneralStationSlot
from registry.domain.station import OperatingModel, Station, Status, Tier
from registry.domain.targets import CountyTargets
from registry.settings import RegistrySettings

D = date(2021, 7, 1)


def _area(code, parent=None, reform=False, valid_from=date(2020, 1, 1)):
    return Area.register(code, f"区划{code}", parent, reform, valid_from)


@pytest.fixture
def county():
    return _area("510421", _area("510400"))


# -- areas ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, level, parent", [
    ("000000", AreaLevel.COUNTRY, None), ("510000", AreaLevel.PROVINCE, "000000"),
    ("110000", AreaLevel.PROVINCE, "000000"),
    ("510400", AreaLevel.CITY, "510000"), ("110100", AreaLevel.CITY, "110000"), ("510421", AreaLevel.COUNTY, "510400"),
    ("510402001", AreaLevel.TOWNSHIP, "510402"), ("510422104201", AreaLevel.VILLAGE, "510422104"),
])
def test_levels_and_parents_follow_from_the_code(code, level, parent):
    assert (level_of(code), parent_code(code)) == (level, parent)


@pytest.mark.parametrize("code", ["51040", "5104020011", "51040a", ""])
def test_malformed_area_codes_are_refused(code):
    with pytest.raises(UnknownArea):
        level_of(code)


def test_a_child_needs_its_parent_registered_and_valid(county):
    with pytest.raises(UnknownArea, match="尚未登记"):
        _area("510421001")
    with pytest.raises(UnknownArea, match="代码范围"):
        Area.register("510402001", "x", county, False, D)
    with pytest.raises(UnknownArea, match="不存在"):
        Area.register("510421001", "x", county, False, date(2019, 1, 1))


def test_only_townships_and_villages_carry_the_reform_flag():
    with pytest.raises(UnknownArea, match="涉改"):
        Area.register("510421", "米易县", _area("510400"), True, D)


def test_names_and_flags_answer_as_of_a_date(county):
    township = _area("510421001", county)
    township.rename("新名", date(2022, 3, 1))
    township.set_reform_affected(True, date(2022, 3, 1))
    assert township.name_on(date(2022, 2, 28)) == "区划510421001" and township.name_on(date(2022, 3, 1)) == "新名"
    assert not township.reform_affected_on(date(2022, 2, 28)) and township.reform_affected_on(date(2023, 1, 1))
    assert township.name_on(date(2019, 1, 1)) is None


def test_a_merged_area_is_valid_until_the_merge_and_then_frozen(county):
    township = _area("510421002", county)
    township.retire(date(2023, 1, 1), ["510421001"], "merged")
    assert township.valid_on(date(2022, 12, 31)) and not township.valid_on(date(2023, 1, 1))
    with pytest.raises(Conflict, match="已于"):
        township.rename("x", date(2023, 2, 1))


# -- stations ------------------------------------------------------------------------------------

def test_opening_a_planned_station_records_the_facts():
    station = Station.plan(" 炳草岗街道社会工作服务站 ", Tier.TOWNSHIP_STATION, "510402001", D)
    station.open(date(2021, 7, 15))
    planned, opened = station.collect_events()
    assert (planned.name, planned.tier, opened.on) == (
        "炳草岗街道社会工作服务站",
        "township_station",
        date(2021, 7, 15),
    )
    assert station.status is Status.OPENED


@pytest.mark.parametrize("tier, code", [
    (Tier.GENERAL_STATION, "510402001"), (Tier.TOWNSHIP_STATION, "510402"), (Tier.VILLAGE_ROOM, "510402001"),
    (Tier.GENERAL_STATION, "510400"), (Tier.INSTITUTION_STATION, "510402001001"),
])
def test_tier_must_match_the_level_of_its_area(tier, code):
    with pytest.raises(TierMismatch, match=code):
        Station.plan("站", tier, code, D)


def test_blank_name_and_agency_rules():
    with pytest.raises(RegistryError, match="名称"):
        Station.plan("  ", Tier.GENERAL_STATION, "510402", D)
    with pytest.raises(RegistryError, match="驻站机构"):
        Station.plan("站", Tier.GENERAL_STATION, "510402", D, operating_model=OperatingModel.AGENCY)


def test_lifecycle_steps_cannot_be_skipped_or_reordered():
    station = Station.plan("站", Tier.TOWNSHIP_STATION, "510402001", D)
    with pytest.raises(Conflict, match="暂停"):
        station.suspend(D, "装修")
    station.open(D)
    with pytest.raises(Conflict, match="恢复"):
        station.resume(D)
    station.suspend(date(2021, 8, 1), "装修")
    with pytest.raises(Conflict, match="早于"):
        station.resume(date(2021, 7, 2))
    station.resume(date(2021, 9, 1))
    station.close(date(2022, 1, 1), "撤并")
    with pytest.raises(Conflict):
        station.open(date(2022, 2, 1))
    assert station.status_on(date(2021, 8, 15)) is Status.SUSPENDED and station.status_on(date(2021, 6, 1)) is None


def test_merge_keeps_the_pre_merge_picture():
    a = Station.plan("甲", Tier.TOWNSHIP_STATION, "510402001", D)
    b = Station.plan("乙", Tier.TOWNSHIP_STATION, "510402002", D)
    a.open(D)
    b.open(D)
    b.merge_into(a, date(2023, 6, 1))
    assert b.active_on(date(2023, 5, 31)) and not b.active_on(date(2023, 6, 1))
    assert b.merged_into == str(a.id)
    with pytest.raises(Conflict, match="自身"):
        a.merge_into(a, date(2023, 7, 1))


# -- the development level -----------------------------------------------------------------------

ALL = dict.fromkeys(BASIC_ITEMS + CHECKLIST_ITEMS, True)
HEAD = StaffFact(full_time=True, certificate="assistant_social_worker")
CERT = StaffFact(full_time=False, certificate="social_worker")


@pytest.mark.parametrize("facilities, staff, head, agency, services, level", [
    ({}, {}, None, False, False, Level.NONE),
    (dict.fromkeys(BASIC_ITEMS, True), {}, None, False, False, Level.NONE),  # no staff: not five haves
    (dict.fromkeys(BASIC_ITEMS, True), {"w": StaffFact(False, None)}, None, False, False, Level.BASIC),
    (ALL, {"h": HEAD}, "h", False, False, Level.BASIC),  # only one certified worker
    # A2 §2.2 asks the head to be full time, not certified: two other certified workers make it standard
    (ALL, {"h": StaffFact(True, None), "c": CERT, "d": CERT}, "h", False, False, Level.STANDARD),
    (ALL, {"h": StaffFact(True, None), "c": CERT}, "h", False, False, Level.BASIC),  # one certified worker only
    (ALL, {"h": StaffFact(False, "social_worker"), "c": CERT}, "h", False, False, Level.BASIC),  # head part-time
    (ALL | {"fire_equipment": False}, {"h": HEAD, "c": CERT}, "h", False, False, Level.BASIC),  # item missing
    (ALL, {"h": HEAD, "c": CERT}, "h", False, False, Level.STANDARD),
    (ALL, {"h": HEAD, "c": CERT}, "h", True, False, Level.STANDARD),  # agency, no services yet
    (ALL, {"h": HEAD, "c": CERT}, "h", True, True, Level.PROFESSIONAL),
])
def test_level_computation_edges(facilities, staff, head, agency, services, level):
    assert compute_level(facilities, staff, head, agency, services) == level


def test_a_level_change_is_itself_an_event():
    station = Station.plan("站", Tier.TOWNSHIP_STATION, "510402001", D)
    for item in BASIC_ITEMS:
        station.record_facility(item, True, "现场核查", D)
    station.record_staff("w1", True, D)
    events = station.collect_events()
    changes = [e for e in events if isinstance(e, Station.LevelsRevised)]
    assert [(c.since, c.previous, c.changes) for c in changes] == [(D, "none", [{"on": D, "level": "basic"}])]
    station.remove_staff("w1", date(2021, 8, 1))
    assert station.level is Level.NONE and station.level_on(date(2021, 7, 31)) is Level.BASIC


def test_unknown_facility_item_is_refused():
    with pytest.raises(RegistryError, match="未知的设施项目"):
        Station.plan("站", Tier.TOWNSHIP_STATION, "510402001", D).record_facility("pool", True, "", D)


# -- roster and targets --------------------------------------------------------------------------

def test_a_county_has_one_general_station_until_it_is_released():
    slot = GeneralStationSlot(county_code="510421")
    slot.claim("s1")
    with pytest.raises(Conflict, match="第二个"):
        slot.claim("s3")
    slot.release("s2")
    assert slot.holder == "s1"
    slot.release("s1")
    slot.claim("s3")
    assert slot.holder == "s3"


def test_annex1_targets_total_48():
    # Annex 1 is the deployment's data now (deploy/data/targets-2021.csv), read as the registry reads it.
    targets = read_targets(RegistrySettings().targets_file)
    ANNEX1_2021 = {t.county_code: (t.general_station, t.township_station, t.village_room) for t in targets}
    assert [sum(t) for t in zip(*ANNEX1_2021.values(), strict=True)] == [5, 12, 31]
    assert sum(map(sum, ANNEX1_2021.values())) == 48


def test_targets_refuse_negative_numbers_and_a_second_general_station():
    plan = CountyTargets(county_code="510421", year=2022)
    with pytest.raises(RegistryError):
        plan.set(1, -1, 3, D, "administrator")
    with pytest.raises(RegistryError):
        plan.set(2, 1, 3, D, "administrator")
    plan.set(1, 4, 10, D, "administrator")
    assert plan.as_dict() == {"general_station": 1, "township_station": 4, "village_room": 10}
