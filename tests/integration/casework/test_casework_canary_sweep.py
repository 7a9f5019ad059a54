"""Canary sweep on the real Kafka broker: after a full casework scenario (clients, consent, cases
through every stage, referral, transfer, escalation, notes, audited reads and exports, erasure,
a project under a contract learnt from `funding.events`, a complaint, a survey),
the canary names, ID numbers, phone numbers, addresses and narrative appear in no Kafka message
(keys, values, headers) on the relay's topic (one of this test's own) or its dead-letter topic, in no log line and in no
exported span; every message validates against the committed JSON Schemas."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from casework.adapters.integration import CONTRACTS, PUBLICATION
from casework.adapters.wiring import build_application
from casework.api.app import create_app
from casework.consumers.funding import funding_consumer
from casework.settings import CaseworkSettings
from casework.testing import CANARIES, CONTRACT_ID, SCENARIO_CATEGORIES, contract_signed_data, full_scenario
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from localinfra.topics import publish
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pzh_shared.envelope import decode, event_id, header_map
from pzh_shared.relay import OutboxRelay
from pzh_shared.telemetry import JsonLinesSpanExporter, instrument_fastapi, setup_telemetry

from ..envelopes import fresh_envelope
from ..outbox import relay_everything

SCHEMAS = Path(__file__).resolve().parents[3] / "services" / "casework" / "schemas"


@pytest.fixture
def spans(tmp_path):
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = setup_telemetry("casework-test")
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    lines = tmp_path / "spans.jsonl"
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(lines)))
    return exporter, lines


async def _learn_contract(application, bootstrap: str) -> None:
    topic = f"funding{uuid.uuid4().hex[:6]}.events"
    envelope = fresh_envelope(
        "/pzh/funding",
        "funding.contract.signed.v1",
        data=contract_signed_data(),
    )
    await publish(bootstrap, topic, [envelope])
    consumer = funding_consumer(
        application, bootstrap, topic=topic, group_id=f"casework-funding-{uuid.uuid4().hex[:6]}"
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    for _ in range(300):
        if consumer.applied or task.done():
            break
        await asyncio.sleep(0.1)
    stop.set()
    await task
    assert consumer.applied == 1


async def _read_all(bootstrap: str, topic: str, expected: set[str], timeout: float) -> list:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"t-{uuid.uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    messages, seen = [], set()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet_until = loop.time() + 2.0
        while loop.time() < deadline and not (expected <= seen and loop.time() > quiet_until):
            for records in (await consumer.getmany(timeout_ms=300)).values():
                messages.extend(records)
                for r in records:
                    try:
                        seen.add(json.loads(r.value)["id"])
                    except (ValueError, KeyError, TypeError):
                        pass
    finally:
        await consumer.stop()
    return messages


async def _relay_and_read(application, bootstrap: str, expected: set[str]):
    # A topic of this test's own: the scenario's cases are dated 2021-2022, and on
    # `casework.events` the session platform's read models would count them.
    topic = f"casework-canary-{uuid.uuid4().hex[:6]}.events"
    await relay_everything(
        OutboxRelay(application, PUBLICATION.translate, bootstrap, "casework", page_size=9, topic=topic)
    )
    return await _read_all(bootstrap, topic, expected, 30), await _read_all(bootstrap, f"{topic}.dlq", set(), 3)


def test_no_canary_personal_data_leaves_the_service(kafka_bootstrap, tmp_path, caplog, spans):
    caplog.set_level(logging.DEBUG)
    exporter, span_lines = spans
    application = build_application(CaseworkSettings(data_dir=tmp_path))
    asyncio.run(_learn_contract(application, kafka_bootstrap))
    assert application.contract(CONTRACT_ID).contract_id == CONTRACT_ID
    app = create_app(application)
    instrument_fastapi(app)
    with TestClient(app) as client:
        ids = full_scenario(client)

    notifications = application.recorder.select_notifications(0, 10_000, inclusive_of_start=False)
    expected = {event_id(n.originator_id, n.originator_version) for n in notifications
                if PUBLICATION.translate(application.mapper.to_domain_event(n)) is not None}
    messages, dead_letters = asyncio.run(_relay_and_read(application, kafka_bootstrap, expected))

    validators = {p.name.removesuffix(".json"): Draft202012Validator(json.loads(p.read_text(encoding="utf-8")),
                                                                      format_checker=Draft202012Validator.FORMAT_CHECKER)
                  for p in SCHEMAS.glob("*.json")}
    envelopes = {}
    for message in messages:  # every message on the topic
        envelope = decode(message.value)
        errors = [e.message for e in validators[envelope.type].iter_errors(envelope.data)]
        assert errors == [], (envelope.type, errors)
        assert message.key == envelope.subject.encode() and header_map(message.headers)["ce_type"] == envelope.type
        envelopes[envelope.id] = envelope
    assert expected <= set(envelopes)
    ours = [envelopes[i] for i in expected]
    assert {e.type for e in ours} == PUBLICATION.published, "the scenario publishes one of every contract"
    assert set(CONTRACTS) - PUBLICATION.published == {"casework.case.opened.v1"}  # superseded by v2
    opened = [e.data for e in ours if e.type == "casework.case.opened.v2"]
    assert list(SCENARIO_CATEGORIES) in [d["categories"] for d in opened]  # codes only: the sweep below checks
    assert [e.data["kind"] for e in ours if e.type == "casework.escalation.raised.v1"] == ["suspected_child_abuse"] * 2
    assert any(e.data["project_id"] == ids["project"] for e in ours if e.type == "casework.project.evaluated.v1")

    def raw(records) -> bytes:
        return b"".join(
            (m.value or b"") + (m.key or b"") + b"".join(name.encode() + (v or b"") for name, v in (m.headers or []))
            for m in records
        )

    published, dead = raw(messages), raw(dead_letters)
    logged = caplog.text
    finished = exporter.get_finished_spans()
    assert finished, "the API, the consumer and the relay made spans"
    traced = json.dumps(
        [
            {
                "name": s.name,
                "attributes": dict(s.attributes or {}),
                "events": [(e.name, dict(e.attributes or {})) for e in s.events],
            }
            for s in finished
        ],
        ensure_ascii=False,
    ) + span_lines.read_text(encoding="utf-8")
    assert re.search(r"send casework-canary-\w+\.events", traced) and "consume funding.contract.signed.v1" in traced
    assert f"case {ids['case']} read" in logged, "the sweep saw the service's own log lines"
    for canary in CANARIES:
        for where, text in (("kafka", published), ("dlq", dead)):
            assert canary.encode() not in text, (where, canary)
        assert canary not in logged, ("log", canary)
        assert canary not in traced, ("span", canary)
    application.close()
