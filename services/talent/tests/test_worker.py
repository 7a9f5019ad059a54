import json
import uuid
from datetime import date

import pytest
from talent.domain.errors import InvalidPersonalData, StationHasHead, TalentError
from talent.domain.staffing import StationStaffing, staffing_id
from talent.domain.vocabulary import Designator, Employment, Level, Role, TrainingKind
from talent.domain.worker import SocialWorker
from talent.testing import plain_seal

STATION = str(uuid.uuid4())
OTHER = str(uuid.uuid4())
A, S, H = Level.ASSISTANT_SOCIAL_WORKER, Level.SOCIAL_WORKER, Level.SENIOR_SOCIAL_WORKER


def worker(new_id_number) -> SocialWorker:
    return SocialWorker.register(plain_seal, "王晓梅", new_id_number(), "13800001111", date(2020, 1, 1))


def certified(new_id_number, level=A, on=date(2021, 9, 1)) -> SocialWorker:
    w = worker(new_id_number)
    w.register_for_exam(level, on.year)
    w.sit_exam(level, on.year, date(on.year, 6, 20))
    w.record_exam_result(level, on.year, True)
    w.certify(level, on)
    return w


def test_registration_seals_the_normalised_personal_data_with_the_workers_id(new_id_number):
    number, sealed_for = new_id_number(), []

    def seal(person_id, identity):
        sealed_for.append(person_id)
        return plain_seal(person_id, identity)

    w = SocialWorker.register(seal, " 王  晓梅 ", number, "138 0000 1111", date(2021, 1, 5), Role.COMMUNITY_WORKER)
    (registered,) = w.collect_events()
    assert json.loads(registered.sealed_identity) == {"name": "王 晓梅", "id_number": number, "phone": "13800001111"}
    assert sealed_for == [w.id] and w.role is Role.COMMUNITY_WORKER
    assert not {"name", "id_number", "phone"} & set(vars(registered)) and not hasattr(w, "id_number")


def test_erasure_drops_the_sealed_identity_and_keeps_the_worker(new_id_number):
    w = certified(new_id_number)
    w.erase(date(2022, 1, 1))
    assert (w.sealed_identity, w.erased_on, w.level) == (None, date(2022, 1, 1), A)
    with pytest.raises(TalentError):
        w.erase(date(2022, 1, 2))


def test_a_version_1_registration_is_upcast_with_its_identity_kept_aside():
    state = {"name": "王晓梅", "id_number": "X", "phone": "13800001111", "role": "social_worker"}
    SocialWorker.Registered.upcast_v1_v2(state)
    assert state == {"legacy_identity": {"name": "王晓梅", "id_number": "X", "phone": "13800001111"},
                     "sealed_identity": None, "role": "social_worker"}


def test_registration_refuses_bad_personal_data(new_id_number):
    with pytest.raises(InvalidPersonalData):
        SocialWorker.register(plain_seal, "王晓梅", "510402198501011230", "13800001111", date(2021, 1, 1))
    with pytest.raises(InvalidPersonalData):
        SocialWorker.register(plain_seal, "", new_id_number(), "13800001111", date(2021, 1, 1))


def test_assignment_at_one_station_at_a_time_and_change_of_employment(new_id_number):
    w = worker(new_id_number)
    w.assign(STATION, Employment.PART_TIME, date(2021, 3, 1))
    with pytest.raises(TalentError, match="其他站点"):
        w.assign(OTHER, Employment.FULL_TIME, date(2021, 4, 1))
    with pytest.raises(TalentError, match="已按此用工方式"):
        w.assign(STATION, Employment.PART_TIME, date(2021, 4, 1))
    w.assign(STATION, Employment.FULL_TIME, date(2021, 5, 1))
    assert (w.station_id, w.employment, w.assigned_on) == (STATION, Employment.FULL_TIME, date(2021, 3, 1))
    with pytest.raises(TalentError, match="早于到岗"):
        w.leave(date(2021, 2, 1))
    w.leave(date(2021, 6, 1))
    assert w.station_id is None
    with pytest.raises(TalentError, match="未在任何站点"):
        w.leave(date(2021, 6, 2))
    w.assign(OTHER, Employment.FULL_TIME, date(2021, 7, 1))
    assert w.station_id == OTHER


def test_exam_steps_in_order_then_certificate(new_id_number):
    w = worker(new_id_number)
    with pytest.raises(TalentError, match="未报名"):
        w.sit_exam(A, 2021, date(2021, 6, 20))
    w.register_for_exam(A, 2021)
    with pytest.raises(TalentError, match="已报名"):
        w.register_for_exam(A, 2021)
    with pytest.raises(TalentError, match="尚未记录参加"):
        w.record_exam_result(A, 2021, True)
    with pytest.raises(TalentError, match="考试年度内"):
        w.sit_exam(A, 2021, date(2020, 6, 20))
    w.sit_exam(A, 2021, date(2021, 6, 20))
    with pytest.raises(TalentError, match="考试合格"):
        w.certify(A, date(2021, 9, 1))
    w.record_exam_result(A, 2021, True)
    with pytest.raises(TalentError, match="已登记"):
        w.record_exam_result(A, 2021, False)
    w.certify(A, date(2021, 9, 1))
    assert (w.level, w.certified_on, w.first_certified_on) == (A, date(2021, 9, 1), date(2021, 9, 1))


def test_certificate_only_goes_up_and_first_date_is_kept(new_id_number):
    w = certified(new_id_number, A, date(2021, 9, 1))
    with pytest.raises(TalentError, match="同级或更低"):
        w.certify(A, date(2022, 9, 1))
    with pytest.raises(TalentError, match="同级或更低"):
        w.register_for_exam(A, 2022)
    w.register_for_exam(S, 2022)
    w.sit_exam(S, 2022, date(2022, 6, 19))
    w.record_exam_result(S, 2022, False)
    with pytest.raises(TalentError, match="考试合格"):
        w.certify(S, date(2022, 9, 1))
    w.register_for_exam(S, 2023)
    w.sit_exam(S, 2023, date(2023, 6, 18))
    w.record_exam_result(S, 2023, True)
    w.certify(S, date(2023, 9, 1))
    assert (w.level, w.first_certified_on) == (S, date(2021, 9, 1))


def test_exam_year_is_bounded(new_id_number):
    with pytest.raises(TalentError, match="考试年度"):
        worker(new_id_number).register_for_exam(H, 2007)


def test_elderly_care_and_training_hours(new_id_number):
    w = worker(new_id_number)
    w.specialise_in_elderly_care(date(2021, 2, 1))
    with pytest.raises(TalentError):
        w.specialise_in_elderly_care(date(2021, 3, 1))
    w.complete_training(TrainingKind.PRE_EXAM, 24, date(2021, 5, 1), STATION)
    w.complete_training(TrainingKind.CONTINUING_EDUCATION, 12.5, date(2021, 6, 1))
    assert w.training_hours == 36.5 and len(w.trainings) == 2
    for hours in (0, -1, 2001):
        with pytest.raises(TalentError, match="培训学时"):
            w.complete_training(TrainingKind.HIGH_LEVEL, hours, date(2021, 6, 1))


@pytest.mark.parametrize("setup, reason", [
    (lambda w: None, "未在本站任职"),
    (lambda w: w.assign(STATION, Employment.PART_TIME, date(2021, 3, 1)), "专职"),
    (lambda w: w.assign(OTHER, Employment.FULL_TIME, date(2021, 3, 1)), "未在本站任职"),
])
def test_station_head_must_be_a_full_time_worker_of_that_station(new_id_number, setup, reason):
    w = certified(new_id_number)
    setup(w)
    with pytest.raises(TalentError, match=reason):
        w.check_can_head(STATION)


def test_an_uncertified_full_time_worker_may_head_the_station(new_id_number):
    """附件2 2.2 "由駐站社會工作服務機構(自主運營的由縣<區>民政部門)指定1名專職社會工作者擔任": a full-time
    social worker, certified or not; certificates count towards the level (附件2 2.1), not the appointment."""
    w = worker(new_id_number)
    w.assign(STATION, Employment.FULL_TIME, date(2021, 3, 1))
    w.start_headship(STATION, date(2021, 3, 1))
    assert w.head_of == STATION and not w.certified


@pytest.mark.parametrize("operating_model, stated, recorded", [
    ("agency", Designator.AGENCY, "agency"),
    ("self_operated", Designator.COUNTY_BUREAU, "county_bureau"),
    ("agency", None, "agency"),  # not stated: the party the operating model names
    ("self_operated", None, "county_bureau"),
    (None, Designator.COUNTY_BUREAU, "county_bureau"),  # the registry's facts not learnt yet: as stated
    (None, None, None),
])
def test_the_head_is_designated_by_the_agency_or_for_a_self_operated_station_the_county_bureau(
        operating_model, stated, recorded):
    """附件2 2.2 "社會工作服務站設站長1名,由駐站社會工作服務機構(自主運營的由縣<區>民政部門)指定": who designated
    the head is recorded with the appointment and published."""
    staffing = StationStaffing.start(STATION)
    staffing.appoint(str(uuid.uuid4()), date(2021, 10, 8), stated, operating_model)
    assert staffing.designated_by == recorded
    assert [e.designated_by for e in staffing.collect_events() if isinstance(e, StationStaffing.HeadAppointed)] == [
        recorded]


@pytest.mark.parametrize("operating_model, stated, message", [
    ("agency", Designator.COUNTY_BUREAU, "该站点购买服务运营，站长应由驻站社会工作服务机构指定"),
    ("self_operated", Designator.AGENCY, "该站点自主运营，站长应由县\\(区\\)民政部门指定"),
])
def test_a_head_designated_by_the_wrong_party_is_refused(operating_model, stated, message):
    """附件2 2.2: the resident agency designates, or the county bureau for a self-operated station; the other
    party's designation is refused, naming the field."""
    staffing = StationStaffing.start(STATION)
    with pytest.raises(TalentError, match=f"指定方\\(designated_by\\)有误：{message}"):
        staffing.appoint(str(uuid.uuid4()), date(2021, 10, 8), stated, operating_model)
    assert staffing.head_id is None


def test_a_head_cannot_go_part_time_or_leave_before_being_relieved(new_id_number):
    w = certified(new_id_number)
    w.assign(STATION, Employment.FULL_TIME, date(2021, 10, 1))
    w.start_headship(STATION, date(2021, 10, 8))
    with pytest.raises(TalentError, match="站长"):
        w.assign(STATION, Employment.PART_TIME, date(2021, 11, 1))
    with pytest.raises(TalentError, match="站长"):
        w.leave(date(2021, 11, 1))
    with pytest.raises(TalentError, match="已是站长"):
        w.start_headship(STATION, date(2021, 10, 9))
    w.end_headship(date(2021, 12, 1))
    w.leave(date(2021, 12, 1))


def test_one_head_per_station_and_deterministic_id():
    staffing = StationStaffing.start(STATION.upper())
    assert staffing.id == staffing_id(STATION) and staffing.station_id == STATION
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    staffing.appoint(first, date(2021, 10, 8))
    with pytest.raises(StationHasHead):
        staffing.appoint(second, date(2021, 10, 9))
    with pytest.raises(TalentError, match="早于任命"):
        staffing.relieve(date(2021, 10, 1))
    assert staffing.relieve(date(2022, 1, 1)) == first
    with pytest.raises(TalentError, match="没有站长"):
        staffing.relieve(date(2022, 1, 2))
    with pytest.raises(TalentError, match="上一任"):
        staffing.appoint(second, date(2021, 12, 31))
    staffing.appoint(second, date(2022, 1, 1))
    events = staffing.collect_events()
    assert [type(e).__name__ for e in events] == ["Started", "HeadAppointed", "HeadRelieved", "HeadAppointed"]
    assert all(getattr(e, "station_id", STATION) == STATION for e in events)
