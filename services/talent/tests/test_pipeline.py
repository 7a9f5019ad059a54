"""Organisations, agencies, volunteers and interns."""

import uuid
from datetime import date

import pytest
from talent.domain.errors import TalentError
from talent.domain.identifiers import credit_check_char
from talent.domain.intern import Intern
from talent.domain.organisation import Agency, Organisation
from talent.domain.vocabulary import OrganisationStatus, OrganisationType
from talent.domain.volunteer import Volunteer
from talent.testing import plain_seal

STATION = str(uuid.uuid4())


def credit_code(serial: int) -> str:
    first17 = f"52510400MJ{serial:07d}"
    return first17 + credit_check_char(first17)


def test_the_incubation_pipeline_in_order():
    o = Organisation.file("炳草岗社区老年协会", STATION, "510402001001", True, date(2021, 3, 1))
    o.start_incubation(date(2021, 3, 15))
    o.complete_incubation(OrganisationType.INTEREST_VOLUNTEER, date(2021, 9, 1))
    o.register(credit_code(1), date(2021, 11, 1))
    o.graduate(date(2022, 3, 1))
    assert o.status is OrganisationStatus.GRADUATED and o.organisation_type is OrganisationType.INTEREST_VOLUNTEER
    events = o.collect_events()
    assert [type(e).__name__ for e in events] == ["Filed", "IncubationStarted", "Incubated", "Registered", "Graduated"]
    assert all(getattr(e, "host_station_id", STATION) == STATION for e in events)
    assert events[2].reform_affected is True


@pytest.mark.parametrize("steps", [
    ["complete"], ["start", "register"], ["start", "graduate"], ["start", "complete", "start"],
])
def test_steps_cannot_be_skipped_or_repeated(steps):
    o = Organisation.file("某兴趣小组", STATION, "510402001002", False, date(2021, 3, 1))
    actions = {
        "start": lambda: o.start_incubation(date(2021, 4, 1)),
        "complete": lambda: o.complete_incubation(OrganisationType.FUNCTIONAL_SERVICE, date(2021, 5, 1)),
        "register": lambda: o.register(credit_code(2), date(2021, 6, 1)),
        "graduate": lambda: o.graduate(date(2021, 7, 1)),
    }
    for step in steps[:-1]:
        actions[step]()
    with pytest.raises(TalentError, match="只有"):
        actions[steps[-1]]()


def test_step_dates_do_not_go_backwards():
    o = Organisation.file("某兴趣小组", STATION, "510402001002", False, date(2021, 3, 1))
    with pytest.raises(TalentError, match="不能早于"):
        o.start_incubation(date(2021, 2, 1))


def test_registration_number_must_be_a_valid_credit_code():
    o = Organisation.file("某兴趣小组", STATION, "510402001002", False, date(2021, 3, 1))
    o.start_incubation(date(2021, 3, 2))
    o.complete_incubation(OrganisationType.FUNCTIONAL_SERVICE, date(2021, 5, 1))
    good = credit_code(1)
    wrong = good[:17] + next(c for c in "0123456789" if c != good[17])
    for bad in (wrong, "bad", ""):
        with pytest.raises(TalentError, match="统一社会信用代码"):
            o.register(bad, date(2021, 6, 1))
    assert o.status is OrganisationStatus.INCUBATED


def test_agency_registration():
    a = Agency.register("攀枝花市阳光社会工作服务中心", credit_code(3), STATION, date(2021, 8, 1))
    assert (a.station_id, a.registration_number) == (STATION, credit_code(3))
    with pytest.raises(TalentError):
        Agency.register("  ", credit_code(3), STATION, date(2021, 8, 1))


def test_volunteer_training_and_hours(new_id_number):
    v = Volunteer.register(plain_seal, "陈志愿", new_id_number(), "13900002222", "V-2021-0001", STATION,
                           date(2021, 3, 1))
    v.record_training(STATION, date(2021, 4, 1))
    with pytest.raises(TalentError, match="已登记"):
        v.record_training(STATION, date(2021, 4, 1))
    v.log_hours(3.5, date(2021, 4, 2))
    v.log_hours(2, date(2021, 4, 3))
    assert v.hours == 5.5
    with pytest.raises(TalentError, match="服务时长"):
        v.log_hours(0, date(2021, 4, 3))
    with pytest.raises(TalentError, match="早于"):
        v.log_hours(1, date(2021, 2, 1))
    with pytest.raises(TalentError, match="志愿者编号"):
        Volunteer.register(plain_seal, "陈志愿", new_id_number(), "13900002222", "编号一", STATION, date(2021, 3, 1))


def test_intern_placements_do_not_overlap():
    i = Intern.register(plain_seal, "刘实习", "13700003333", "西南民族大学", date(2021, 6, 1))
    i.place(STATION, date(2021, 7, 1), date(2021, 8, 31))
    with pytest.raises(TalentError, match="重叠"):
        i.place(STATION, date(2021, 8, 1), date(2021, 9, 30))
    with pytest.raises(TalentError, match="结束日期"):
        i.place(STATION, date(2021, 10, 2), date(2021, 10, 1))
    i.place(STATION, date(2021, 9, 1), date(2021, 9, 30))
    assert len(i.placements) == 2
