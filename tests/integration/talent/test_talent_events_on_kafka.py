"""The talent service's outbox relay on the real Kafka broker: every message it publishes on
`talent.events` is a CloudEvents envelope whose data validates against the committed JSON Schema,
and no message, log line or span carries the test data's names, ID numbers, phone numbers or
volunteer numbers."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pzh_shared.envelope import decode, event_id, header_map
from pzh_shared.relay import OutboxRelay
from pzh_shared.telemetry import instrument_fastapi, setup_telemetry
from talent.adapters.integration import PUBLICATION
from talent.adapters.wiring import build_application
from talent.api.app import create_app
from talent.application.service import TalentApplication
from talent.domain.identifiers import credit_check_char, id_check_digit
from talent.settings import TalentSettings

from ..outbox import relay_everything
from .communities import learn_community, learn_station

SCHEMAS = Path(__file__).resolve().parents[3] / "services" / "talent" / "schemas"


def _id_number(serial: int) -> str:
    first17 = f"51040219900315{serial:03d}"
    return first17 + id_check_digit(first17)


def _credit_code(serial: int) -> str:
    first17 = f"52510400MJ{serial:07d}"
    return first17 + credit_check_char(first17)


# The personal data of the scenario: none of it may leave the event store.
WORKERS = [("欧阳明辉", _id_number(11), "13811112222"), ("上官婉清", _id_number(12), "13833334444")]
VOLUNTEERS = [
    ("司徒志远", _id_number(21), "13955556666", "PZHV20210001"),
    ("慕容雪", _id_number(22), "13977778888", "PZHV20210002"),
]
BAD_VOLUNTEER = ("诸葛错行", _id_number(23)[:17] + "Y", "13999990000", "PZHV20210003")
INTERN = ("皇甫实习", "13700001234", "西南民族大学社会工作学院")
SECRETS = [v for person in WORKERS + VOLUNTEERS + [BAD_VOLUNTEER] for v in person] + list(INTERN)


@pytest.fixture
def spans():
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = setup_telemetry("talent-test")
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def _ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


def _scenario(client: TestClient, station: str) -> None:
    worker_ids = []
    for name, id_number, phone in WORKERS:
        wid = _ok(
            client.post(
                "/workers", json={"name": name, "id_number": id_number, "phone": phone, "registered_on": "2021-01-04"}
            ),
            201,
        )["worker_id"]
        _ok(
            client.post(
                f"/workers/{wid}/assignment",
                json={"station_id": station, "employment": "full_time", "assigned_on": "2021-02-01"},
            )
        )
        for path, extra in (
            ("exams", {}),
            ("exams/sitting", {"sat_on": "2021-06-20"}),
            ("exams/result", {"passed": True}),
        ):
            _ok(
                client.post(
                    f"/workers/{wid}/{path}", json={"level": "assistant_social_worker", "exam_year": 2021, **extra}
                )
            )
        _ok(
            client.post(
                f"/workers/{wid}/certification", json={"level": "assistant_social_worker", "certified_on": "2021-09-01"}
            )
        )
        worker_ids.append(wid)
    _ok(client.put(f"/stations/{station}/head", json={"worker_id": worker_ids[0], "appointed_on": "2021-10-01"}))
    _ok(client.post(f"/workers/{worker_ids[1]}/elderly-care", json={"specialised_on": "2021-10-01"}))
    _ok(
        client.post(
            f"/workers/{worker_ids[1]}/trainings",
            json={"kind": "pre_exam", "hours": 24, "completed_on": "2021-05-01", "station_id": station},
        ),
        201,
    )
    _ok(client.post(f"/stations/{station}/head/relief", json={"relieved_on": "2022-01-01"}))
    _ok(client.post(f"/workers/{worker_ids[0]}/departure", json={"left_on": "2022-02-01"}))

    csv_text = "志愿者编号,姓名,证件号码,手机号码,注册日期,培训日期,服务时长\n" + "".join(
        f"{number},{name},{id_number},{phone},2021-03-01,2021-03-20,6\n"
        for name, id_number, phone, number in VOLUNTEERS[:1] + [BAD_VOLUNTEER])
    report = _ok(client.post("/volunteers/import", content=csv_text.encode(), params={"station_id": station},
                             headers={"content-type": "text/csv"}))
    assert (report["imported"], [e["line"] for e in report["errors"]]) == (1, [3])
    name, id_number, phone, number = VOLUNTEERS[1]
    vid = _ok(
        client.post(
            "/volunteers",
            json={
                "name": name,
                "id_number": id_number,
                "phone": phone,
                "volunteer_number": number,
                "station_id": station,
                "registered_on": "2021-04-01",
            },
        ),
        201,
    )["volunteer_id"]
    _ok(client.post(f"/volunteers/{vid}/hours", json={"hours": 3, "served_on": "2021-04-02"}), 201)
    # Refused commands must not leak either (their messages go to the client, maybe to logs).
    assert (
        client.post(
            "/workers", json={"name": WORKERS[0][0], "id_number": WORKERS[0][1], "phone": WORKERS[0][2]}
        ).status_code
        == 409
    )

    iid = _ok(client.post("/interns", json={"name": INTERN[0], "phone": INTERN[1], "university": INTERN[2]}), 201)[
        "intern_id"
    ]
    _ok(
        client.post(
            f"/interns/{iid}/placements",
            json={
                "station_id": station,
                "placed_from": "2021-07-01",
                "placed_until": "2021-08-31",
                "supervisor_id": worker_ids[1],
            },
        ),
        201,
    )

    oid = _ok(
        client.post(
            "/organisations",
            json={
                "name": "仁和区银龄互助协会",
                "host_station_id": station,
                "community_code": "510411001001",
                "filed_on": "2021-01-10",
            },
        ),
        201,
    )["organisation_id"]
    for path, body in (("incubation", {"started_on": "2021-02-01"}),
                       ("incubated", {"organisation_type": "interest_volunteer", "incubated_on": "2021-08-01"}),
                       ("registration", {"registration_number": _credit_code(501), "registered_on": "2021-11-01"}),
                       ("graduation", {"graduated_on": "2022-03-01"})):
        _ok(client.post(f"/organisations/{oid}/{path}", json=body))
    agency_id = _ok(
        client.post(
            "/agencies",
            json={
                "name": "攀枝花市向阳社会工作服务中心",
                "registration_number": _credit_code(502),
                "station_id": station,
                "registered_on": "2021-05-01",
            },
        ),
        201,
    )["agency_id"]
    # the former head, now employed by the agency rather than a station, and leaving it again
    _ok(
        client.post(
            f"/workers/{worker_ids[0]}/agency-employment",
            json={"agency_id": agency_id, "employment": "full_time", "employed_on": "2022-03-01"},
        )
    )
    _ok(client.post(f"/workers/{worker_ids[0]}/departure", json={"left_on": "2022-06-30"}))
    # the guidance network: the certified worker who stayed guides the station, visits it once, and hands over
    _ok(client.put(f"/stations/{station}/guidance", json={"guide_kind": "workers", "guide_ids": [worker_ids[1]],
                                                          "guided_from": "2021-10-01"}))
    _ok(client.post(f"/stations/{station}/guidance/visits", json={
        "visited_on": "2021-10-15", "guide_id": worker_ids[1], "mode": "on_site", "hours": 2,
        "topics": "个案记录规范"}), 201)
    _ok(client.post(f"/stations/{station}/guidance/end", json={"on": "2021-12-01"}))


async def _relay_and_read(application: TalentApplication, bootstrap: str, expected: set[str], timeout: float = 30):
    await relay_everything(OutboxRelay(application, PUBLICATION.translate, bootstrap, "talent", page_size=7))
    consumer = AIOKafkaConsumer("talent.events", bootstrap_servers=bootstrap, group_id=f"t-{uuid.uuid4()}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    messages, seen = [], set()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not expected <= seen and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                messages.extend(records)
                seen.update(json.loads(r.value)["id"] for r in records)
    finally:
        await consumer.stop()
    return messages


def test_published_talent_events_validate_and_carry_no_personal_data(kafka_bootstrap, tmp_path, caplog, spans):
    caplog.set_level(logging.DEBUG)
    application = build_application(TalentSettings(data_dir=tmp_path))
    learn_community(application, "510411001001", True)
    station = str(uuid.uuid4())
    learn_station(application, station, "510411001", offset=2)
    app = create_app(application)
    instrument_fastapi(app)
    with TestClient(app) as client:
        _scenario(client, station)

    notifications = application.recorder.select_notifications(0, 10_000, inclusive_of_start=False)
    expected = {event_id(n.originator_id, n.originator_version) for n in notifications
                if PUBLICATION.translate(application.mapper.to_domain_event(n)) is not None}
    messages = asyncio.run(_relay_and_read(application, kafka_bootstrap, expected))

    envelopes = {}
    validators = {p.name.removesuffix(".json"): Draft202012Validator(json.loads(p.read_text(encoding="utf-8")),
                                                                      format_checker=Draft202012Validator.FORMAT_CHECKER)
                  for p in SCHEMAS.glob("*.json")}
    for message in messages:  # every message on the topic, ours and any other test's
        envelope = decode(message.value)
        assert envelope.type in validators, envelope.type
        errors = [e.message for e in validators[envelope.type].iter_errors(envelope.data)]
        assert errors == [], (envelope.type, errors)
        assert message.key == envelope.subject.encode()
        assert header_map(message.headers)["ce_type"] == envelope.type
        envelopes[envelope.id] = envelope
    assert expected <= set(envelopes)
    ours = [envelopes[i] for i in expected]
    assert {e.type for e in ours} == PUBLICATION.published, (
        "the scenario publishes one of every contract published today"
    )
    staffing = [e.data for e in ours if e.type.startswith("talent.station_head.")]
    assert all(d["station_id"] == station for d in staffing) and len(staffing) == 2

    published = b"".join(m.value + (m.key or b"") + b"".join(v for _, v in m.headers) for m in messages)
    logged = caplog.text
    traced = json.dumps([{"name": s.name, "attributes": dict(s.attributes or {}), "events": [e.name for e in s.events]}
                         for s in spans.get_finished_spans()], ensure_ascii=False)
    assert spans.get_finished_spans(), "the API and the relay made spans"
    assert "volunteer import: 1 rows imported, 1 rows refused" in logged, "the scan saw the service's own log lines"
    assert "send talent.events" in traced
    for secret in SECRETS:
        assert secret.encode() not in published, secret
        assert secret not in logged, secret
        assert secret not in traced, secret
