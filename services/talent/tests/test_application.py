"""The application over a real SQLite event store: atomic saves, uniqueness, concurrency,
encryption at rest, and quotas folded from the log."""

import uuid
from datetime import date

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import IntegrityError
from talent.adapters.integration import PUBLICATION
from talent.adapters.wiring import build_application
from talent.application.quota_facts import FactsBuilder
from talent.domain.errors import AlreadyRegistered, NotFound, StationHasHead, TalentError
from talent.domain.identifiers import credit_check_char
from talent.domain.quotas import StationKind
from talent.domain.vocabulary import Employment, Level, OrganisationType
from talent.settings import TalentSettings

A = Level.ASSISTANT_SOCIAL_WORKER


def certified_worker(
    app, id_number, station, on=date(2021, 9, 1), employment=Employment.FULL_TIME, assigned_on=date(2021, 1, 1)
):
    worker_id = app.register_worker("赵社工", id_number, "13800001111", date(2020, 12, 1))
    app.assign_worker(worker_id, station, employment, assigned_on)
    app.register_for_exam(worker_id, A, on.year)
    app.sit_exam(worker_id, A, on.year, date(on.year, 6, 20))
    app.record_exam_result(worker_id, A, on.year, True)
    app.certify(worker_id, A, on)
    return worker_id


def public(app):
    return [(t, d) for _, t, d in PUBLICATION.public_events(app)]


def test_same_id_number_cannot_register_twice(talent_app, new_id_number):
    number = new_id_number()
    talent_app.register_worker("甲", number, "13800001111", date(2021, 1, 1))
    with pytest.raises(AlreadyRegistered) as caught:
        talent_app.register_worker("乙", number, "13800002222", date(2021, 1, 1))
    assert number not in str(caught.value)
    assert [t for t, _ in public(talent_app)] == ["talent.worker.registered.v1"]


def test_appointing_a_head_saves_station_and_worker_together(talent_app, new_id_number):
    station = str(uuid.uuid4())
    first = certified_worker(talent_app, new_id_number(), station)
    second = certified_worker(talent_app, new_id_number(), station)
    talent_app.appoint_head(station, first, date(2021, 10, 1))
    with pytest.raises(StationHasHead):
        talent_app.appoint_head(station, second, date(2021, 10, 2))
    assert talent_app.head_of(station).head_id == str(first) and talent_app.worker(first).head_of == station
    assert talent_app.worker(second).head_of is None
    talent_app.relieve_head(station, date(2022, 1, 1))
    talent_app.appoint_head(station, second, date(2022, 1, 1))
    types = [t for t, _ in public(talent_app)]
    assert types.count("talent.station_head.appointed.v1") == 2 and types.count("talent.station_head.relieved.v1") == 1


def test_a_head_who_leaves_is_relieved_the_same_day(talent_app, new_id_number):
    station = str(uuid.uuid4())
    head = certified_worker(talent_app, new_id_number(), station)
    talent_app.appoint_head(station, head, date(2021, 10, 1))
    talent_app.worker_leaves(head, date(2022, 3, 1))
    assert talent_app.head_of(station).head_id is None and talent_app.worker(head).station_id is None
    tail = [(t, d) for t, d in public(talent_app)][-2:]
    assert tail == [
        (
            "talent.station_head.relieved.v1",
            {"station_id": station, "worker_id": str(head), "relieved_on": "2022-03-01"},
        ),
        ("talent.worker.left.v1", {"worker_id": str(head), "station_id": station, "left_on": "2022-03-01"}),
    ]


def test_concurrent_appointments_at_one_station_one_wins_the_other_is_an_integrity_error(tmp_path, new_id_number):
    settings = TalentSettings(data_dir=tmp_path)
    one, two = build_application(settings), build_application(settings)
    station = str(uuid.uuid4())
    first = certified_worker(one, new_id_number(), station)
    second = certified_worker(one, new_id_number(), station)
    # Both processes checked the rules and prepared their saves before either saved.
    w1, w2 = one.worker(first), two.worker(second)
    from talent.domain.staffing import StationStaffing

    s1, s2 = StationStaffing.start(station), StationStaffing.start(station)
    s1.appoint(w1.id, date(2021, 10, 1))
    w1.start_headship(station, date(2021, 10, 1))
    s2.appoint(w2.id, date(2021, 10, 1))
    w2.start_headship(station, date(2021, 10, 1))
    one.save(s1, w1)
    with pytest.raises(IntegrityError):
        two.save(s2, w2)
    assert two.worker(second).head_of is None  # nothing of the losing save was kept
    assert two.head_of(station).head_id == str(first)


def test_not_found_is_not_found_whatever_the_aggregate(talent_app, learn_communities):
    learn_communities(talent_app)
    organisation_id = talent_app.file_organisation("某协会", str(uuid.uuid4()), "510402001002", date(2021, 1, 1))
    with pytest.raises(NotFound):
        talent_app.worker(organisation_id)
    with pytest.raises(NotFound):
        talent_app.volunteer(uuid.uuid4())
    with pytest.raises(NotFound):
        talent_app.relieve_head(str(uuid.uuid4()), date(2021, 1, 1))


def test_personal_data_is_encrypted_at_rest_and_absent_from_public_events(tmp_path, new_id_number):
    settings = TalentSettings(data_dir=tmp_path, cipher_key=AESCipher.create_key(16))
    app = build_application(settings)
    number = new_id_number()
    worker_id = app.register_worker("欧阳秘密", number, "13912345678", date(2021, 1, 1))
    volunteer_number = "PZH20210001"
    app.register_volunteer(
        "司马隐私", new_id_number(), "13787654321", volunteer_number, str(uuid.uuid4()), date(2021, 2, 1)
    )
    assert app.identity(app.worker(worker_id))["name"] == "欧阳秘密"
    events = str(public(app))
    app.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("talent.sqlite*"))
    for secret in ("欧阳秘密", number, "13912345678", "司马隐私", "13787654321", volunteer_number):
        assert secret.encode() not in raw
        assert secret not in events
    with pytest.raises(AlreadyRegistered):  # the unique keys survive a restart with the same key
        build_application(settings).register_worker("某", number, "13800001111", date(2021, 1, 1))


def test_quotas_folded_from_the_log(talent_app, new_id_number, plan_station, learn_communities):
    station = str(uuid.uuid4())
    plan_station(talent_app, station, "township_station", provincial_pilot=True)
    for _ in range(2):
        certified_worker(talent_app, new_id_number(), station, on=date(2021, 9, 1))
    # certified before joining this station: not trained by it
    certified_worker(talent_app, new_id_number(), str(uuid.uuid4()), on=date(2021, 3, 1), assigned_on=date(2021, 1, 1))
    learn_communities(talent_app)
    organisation = talent_app.file_organisation("某协会", station, "510402001001", date(2021, 1, 1))
    talent_app.start_incubation(organisation, date(2021, 2, 1))
    talent_app.complete_incubation(organisation, OrganisationType.FUNCTIONAL_SERVICE, date(2021, 6, 1))
    first17 = "52510400MJ0000042"
    talent_app.register_organisation(organisation, first17 + credit_check_char(first17), date(2021, 11, 1))
    for n in range(30):
        talent_app.register_volunteer("志愿者", new_id_number(), "13900000000", f"V{n:05d}", station, date(2021, 1, 1),
                                      trained_on=date(2021, 3, 1))
    pilot = {r.code: r for r in talent_app.quotas(station, 2021)}
    assert {c: (r.actual, r.met) for c, r in pilot.items()} == {
        "certified_workers_year": (2, True),
        "registered_organisations_year": (1, True),
        "volunteers_trained_year": (30, True),
    }
    other = {r.code: (r.actual, r.met) for r in talent_app.evaluate_quotas(station, 2021, StationKind.OTHER)}
    assert other["functional_service_organisations_year"] == (1, False)
    assert other["reform_affected_share_year"] == (100.0, True)
    assert other["certified_workers_5y"] == (2, False)
    assert talent_app.quotas(station, 2022)[0].actual == 0


def test_quotas_read_only_what_the_log_gained_since_the_last_request(talent_app, new_id_number, plan_station):
    """The quota facts are folded once and then caught up: a second request reads the notifications after
    the last one folded (none, if nothing happened), and a certification entered between requests counts."""
    station = str(uuid.uuid4())
    plan_station(talent_app, station, "township_station", provincial_pilot=True)
    certified_worker(talent_app, new_id_number(), station, on=date(2021, 9, 1))
    read: list[int] = []
    select = talent_app.recorder.select_notifications

    def counting(start, limit, *args, **kwargs):  # type: ignore[no-untyped-def]
        notifications = select(start, limit, *args, **kwargs)
        read.append(len(notifications))
        return notifications

    talent_app.recorder.select_notifications = counting
    first = {r.code: r.actual for r in talent_app.quotas(station, 2021)}
    assert first["certified_workers_year"] == 1 and sum(read) == talent_app.recorder.max_notification_id()
    read.clear()
    assert {r.code: r.actual for r in talent_app.quotas(station, 2021)} == first
    assert sum(read) == 0, "nothing new in the log: nothing read again"
    before = talent_app.recorder.max_notification_id()
    certified_worker(talent_app, new_id_number(), station, on=date(2021, 10, 1))
    read.clear()
    assert {r.code: r.actual for r in talent_app.quotas(station, 2021)}["certified_workers_year"] == 2
    assert sum(read) == talent_app.recorder.max_notification_id() - before


def test_fold_attributes_a_back_filled_certificate_to_the_station_of_that_date():
    builder = FactsBuilder()
    worker, first, second = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    for event_type, data in [
        (
            "talent.worker.assigned.v1",
            {"worker_id": worker, "station_id": first, "employment": "part_time", "assigned_on": "2020-01-01"},
        ),
        (
            "talent.worker.assigned.v1",
            {"worker_id": worker, "station_id": first, "employment": "full_time", "assigned_on": "2020-06-01"},
        ),
        ("talent.worker.left.v1", {"worker_id": worker, "station_id": first, "left_on": "2021-12-31"}),
        (
            "talent.worker.assigned.v1",
            {"worker_id": worker, "station_id": second, "employment": "full_time", "assigned_on": "2022-01-01"},
        ),
        (
            "talent.worker.certified.v1",
            {"worker_id": worker, "level": "assistant_social_worker", "certified_on": "2021-09-01"},
        ),
        ("talent.worker.certified.v1", {"worker_id": worker, "level": "social_worker", "certified_on": "2023-09-01"}),
    ]:
        builder.apply(event_type, data)
    assert [c.certified_on for c in builder.facts(first).certifications] == [date(2021, 9, 1)]
    assert builder.facts(second).certifications == []  # the upgrade is not a new certified worker


def test_translate_leaves_exam_steps_and_unique_keys_private(talent_app, new_id_number):
    worker_id = talent_app.register_worker("钱某", new_id_number(), "13800001111", date(2021, 1, 1))
    talent_app.register_for_exam(worker_id, A, 2021)
    talent_app.sit_exam(worker_id, A, 2021, date(2021, 6, 20))
    talent_app.record_exam_result(worker_id, A, 2021, False)
    notifications = talent_app.recorder.select_notifications(0, 100, inclusive_of_start=False)
    translated = [PUBLICATION.translate(talent_app.mapper.to_domain_event(n)) for n in notifications]
    assert [t[0] if t else None for t in translated] == ["talent.worker.registered.v1", None, None, None, None]


def test_rule_violations_are_talent_errors(talent_app, new_id_number):
    worker_id = talent_app.register_worker("孙某", new_id_number(), "13800001111", date(2021, 1, 1))
    with pytest.raises(TalentError, match="早于登记"):
        talent_app.assign_worker(worker_id, str(uuid.uuid4()), Employment.FULL_TIME, date(2020, 1, 1))
