"""Employment at a social work service agency instead of a station: its own events (the station-only
`talent.worker.assigned.v1` keeps its meaning for the registry), one employer at a time, and no
count for any station's quotas."""

import uuid
from datetime import date

import pytest
from talent.adapters.integration import CONTRACTS, PUBLICATION
from talent.domain.errors import NotFound, TalentError
from talent.domain.identifiers import credit_check_char
from talent.domain.quotas import StationKind
from talent.domain.vocabulary import Employment, Level
from talent.domain.worker import SocialWorker
from talent.testing import plain_seal

A = Level.ASSISTANT_SOCIAL_WORKER
AGENCY = str(uuid.uuid4())
STATION = str(uuid.uuid4())


def credit_code(serial: int) -> str:
    first17 = f"52510400MJ{serial:07d}"
    return first17 + credit_check_char(first17)


def worker(new_id_number) -> SocialWorker:
    return SocialWorker.register(plain_seal, "吴社工", new_id_number(), "13800001111", date(2020, 1, 1))


# --- the aggregate -----------------------------------------------------------------------------

def test_employment_at_an_agency_and_leaving_it(new_id_number):
    w = worker(new_id_number)
    w.employ_at_agency(AGENCY, Employment.PART_TIME, date(2021, 3, 1))
    w.employ_at_agency(AGENCY, Employment.FULL_TIME, date(2021, 6, 1))  # employment change at the same agency
    assert (w.agency_id, w.employment, w.employed_on, w.station_id) == (
        AGENCY,
        Employment.FULL_TIME,
        date(2021, 3, 1),
        None,
    )
    w.leave(date(2022, 1, 31))
    assert (w.agency_id, w.employment, w.employed_on) == (None, None, None)
    types = [PUBLICATION.translate(e)[0] for e in w.collect_events()]
    assert types == [
        "talent.worker.registered.v1",
        "talent.worker.employed_by_agency.v1",
        "talent.worker.employed_by_agency.v1",
        "talent.worker.left_agency.v1",
    ]
    # after leaving the agency the worker may join a station
    w.assign(STATION, Employment.FULL_TIME, date(2022, 2, 1))
    assert w.station_id == STATION


@pytest.mark.parametrize(("setup", "command", "message"), [
    (lambda w: w.assign(STATION, Employment.FULL_TIME, date(2021, 1, 1)),
     lambda w: w.employ_at_agency(AGENCY, Employment.FULL_TIME, date(2021, 5, 1)), "仍在站点任职"),
    (lambda w: w.employ_at_agency(AGENCY, Employment.FULL_TIME, date(2021, 1, 1)),
     lambda w: w.assign(STATION, Employment.FULL_TIME, date(2021, 5, 1)), "受聘于社会工作服务机构"),
    (lambda w: w.employ_at_agency(AGENCY, Employment.FULL_TIME, date(2021, 1, 1)),
     lambda w: w.employ_at_agency(str(uuid.uuid4()), Employment.FULL_TIME, date(2021, 5, 1)), "其他机构"),
    (lambda w: w.employ_at_agency(AGENCY, Employment.FULL_TIME, date(2021, 1, 1)),
     lambda w: w.employ_at_agency(AGENCY, Employment.FULL_TIME, date(2021, 5, 1)), "已按此用工方式"),
    (lambda w: None, lambda w: w.employ_at_agency(AGENCY, Employment.FULL_TIME, date(2019, 12, 31)), "早于登记"),
    (lambda w: w.employ_at_agency(AGENCY, Employment.FULL_TIME, date(2021, 1, 1)),
     lambda w: w.leave(date(2020, 12, 31)), "离职日期不能早于受聘日期"),
    (lambda w: None, lambda w: w.leave(date(2021, 1, 1)), "未在任何站点或机构任职"),
    (lambda w: w.employ_at_agency(AGENCY, Employment.FULL_TIME, date(2021, 1, 1)),
     lambda w: w.check_can_head(STATION), "未在本站任职"),
])
def test_one_employer_at_a_time(new_id_number, setup, command, message):
    w = worker(new_id_number)
    setup(w)
    with pytest.raises(TalentError, match=message):
        command(w)


def test_the_agency_contracts_carry_no_station_and_the_assigned_contract_is_unchanged():
    assert list(CONTRACTS["talent.worker.employed_by_agency.v1"].model_fields) == [
        "worker_id",
        "agency_id",
        "employment",
        "employed_on",
    ]
    assert list(CONTRACTS["talent.worker.left_agency.v1"].model_fields) == ["worker_id", "agency_id", "left_on"]
    assert list(CONTRACTS["talent.worker.assigned.v1"].model_fields) == [
        "worker_id",
        "station_id",
        "employment",
        "assigned_on",
    ]


# --- the application ----------------------------------------------------------------------------

def certify(app, worker_id, on):
    app.register_for_exam(worker_id, A, on.year)
    app.sit_exam(worker_id, A, on.year, date(on.year, 6, 20))
    app.record_exam_result(worker_id, A, on.year, True)
    app.certify(worker_id, A, on)


def test_an_agency_employment_does_not_count_for_station_quotas(talent_app, new_id_number, plan_station):
    station = str(uuid.uuid4())
    plan_station(talent_app, station, "township_station", provincial_pilot=True)
    agency_id = talent_app.register_agency("攀枝花市阳光社会工作服务中心", credit_code(71), station, date(2020, 6, 1))
    at_station = talent_app.register_worker("郑社工", new_id_number(), "13800001111", date(2020, 12, 1))
    talent_app.assign_worker(at_station, station, Employment.FULL_TIME, date(2021, 1, 1))
    certify(talent_app, at_station, date(2021, 9, 1))
    # a worker of the agency the station counts as "its" agency is still not the station's staff
    at_agency = talent_app.register_worker("王社工", new_id_number(), "13800002222", date(2020, 12, 1))
    talent_app.employ_at_agency(at_agency, agency_id, Employment.FULL_TIME, date(2021, 1, 1))
    certify(talent_app, at_agency, date(2021, 9, 1))
    # and one who moved from the station to the agency before certifying counts nowhere
    moved = talent_app.register_worker("冯社工", new_id_number(), "13800003333", date(2020, 12, 1))
    talent_app.assign_worker(moved, station, Employment.PART_TIME, date(2021, 1, 1))
    talent_app.worker_leaves(moved, date(2021, 3, 31))
    talent_app.employ_at_agency(moved, agency_id, Employment.PART_TIME, date(2021, 4, 1))
    certify(talent_app, moved, date(2021, 9, 1))

    pilot = {r.code: r.actual for r in talent_app.quotas(station, 2021)}
    assert pilot["certified_workers_year"] == 1
    other = {r.code: r.actual for r in talent_app.evaluate_quotas(station, 2021, StationKind.OTHER)}
    assert (other["certified_workers_5y"], other["registered_agencies_5y"]) == (1, 1)
    types = [t for _, t, _ in PUBLICATION.public_events(talent_app)]
    assert types.count("talent.worker.employed_by_agency.v1") == 2 and types.count("talent.worker.assigned.v1") == 2


def test_the_agency_must_exist_and_be_registered_by_then(talent_app, new_id_number, learn_communities):
    agency_id = talent_app.register_agency("攀枝花市东区社会工作服务中心", credit_code(72), STATION, date(2021, 6, 1))
    worker_id = talent_app.register_worker("陈社工", new_id_number(), "13800001111", date(2020, 12, 1))
    with pytest.raises(NotFound):
        talent_app.employ_at_agency(worker_id, uuid.uuid4(), Employment.FULL_TIME, date(2021, 7, 1))
    learn_communities(talent_app)
    organisation = talent_app.file_organisation("某协会", STATION, "510402001002", date(2021, 1, 1))
    with pytest.raises(NotFound):  # an organisation is not an agency
        talent_app.employ_at_agency(worker_id, organisation, Employment.FULL_TIME, date(2021, 7, 1))
    with pytest.raises(TalentError, match="机构的登记日期"):
        talent_app.employ_at_agency(worker_id, agency_id, Employment.FULL_TIME, date(2021, 5, 31))
    talent_app.employ_at_agency(worker_id, agency_id, Employment.FULL_TIME, date(2021, 6, 1))
    talent_app.worker_leaves(worker_id, date(2021, 12, 31))
    assert talent_app.worker(worker_id).agency_id is None
    assert [t for _, t, _ in PUBLICATION.public_events(talent_app)][-1] == "talent.worker.left_agency.v1"
