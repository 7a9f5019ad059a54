"""The funding service's outbox relay on the real Kafka broker: a contract signed, filed and paid in
three instalments emits the expected events, each valid against its committed JSON Schema; and
replaying the topic from the start into a fresh projection (the pure fold) rebuilds the balances
the service reports. The relay runs in-process under a service name of its own, so its topic is
this test's alone on the shared broker."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from fastapi.testclient import TestClient
from funding.adapters.integration import PUBLICATION
from funding.api.app import create_app
from funding.application.service import FundingApplication
from funding.projections.balances import fold
from funding.settings import FundingSettings
from jsonschema import Draft202012Validator
from pzh_shared.envelope import decode, header_map
from pzh_shared.eventstore import make_application
from pzh_shared.relay import OutboxRelay

from ..outbox import relay_everything

SCHEMAS = Path(__file__).resolve().parents[3] / "services" / "funding" / "schemas"


def _ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


async def _relay(application: FundingApplication, bootstrap: str, service: str) -> OutboxRelay:
    return await relay_everything(OutboxRelay(application, PUBLICATION.translate, bootstrap, service, page_size=4))


async def _read_all(bootstrap: str, topic: str, expected: int, timeout: float = 30) -> list:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"replay-{uuid.uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


def test_a_contract_paid_in_three_instalments_replays_into_the_same_balances(kafka_bootstrap, tmp_path):
    application = make_application(FundingApplication, FundingSettings(data_dir=tmp_path))
    service = f"funding{uuid.uuid4().hex[:8]}"
    with TestClient(create_app(application)) as client:
        for source, amount in (
            ("social_assistance", "100000.00"),
            ("welfare_lottery", "80000.00"),
            ("provincial_pilot_award", "50000.00"),
        ):
            _ok(client.post("/sources", json={"area_code": "510411", "year": 2021, "source": source, "amount": amount,
                                              "budgeted_on": "2021-01-06"}), 201)
        _ok(
            client.post(
                "/hardship-spending",
                json={"area_code": "510411", "year": 2020, "total": "1500000.00", "recorded_on": "2021-01-10"},
            ),
            201,
        )
        cid = _ok(
            client.post(
                "/contracts",
                json={
                    "purchaser": "civil_affairs",
                    "provider_agency": "仁和区同心社会工作服务中心",
                    "station_ids": [str(uuid.uuid4()), str(uuid.uuid4())],
                    "area_code": "510411002",
                    "service_items": ["低保对象入户探访", "特困人员关爱"],
                    "amount": "120000.00",
                    "period_start": "2021-03-01",
                    "period_end": "2022-02-28",
                    "signed_on": "2021-02-20",
                    "sources": [
                        {"source": "social_assistance", "amount": "45000.00"},
                        {"source": "welfare_lottery", "amount": "50000.00"},
                        {"source": "provincial_pilot_award", "amount": "25000.00"},
                    ],
                },
            ),
            201,
        )["contract_id"]
        _ok(client.post(f"/contracts/{cid}/return", json={"reasons": ["缺少绩效目标"], "returned_on": "2021-02-22"}))
        _ok(client.post(f"/contracts/{cid}/filing", json={"filed_on": "2021-02-26"}))
        instalments = [
            ("40000.00", "首期", "2021-03-05", [("social_assistance", "15000.00"), ("welfare_lottery", "25000.00")]),
            (
                "40000.00",
                "中期",
                "2021-08-05",
                [("social_assistance", "15000.00"), ("provincial_pilot_award", "25000.00")],
            ),
            ("40000.00", "尾款", "2021-12-20", [("social_assistance", "15000.00"), ("welfare_lottery", "25000.00")]),
        ]
        for amount, milestone, paid_on, sources in instalments:
            _ok(
                client.post(
                    f"/contracts/{cid}/disbursements",
                    json={
                        "amount": amount,
                        "milestone": milestone,
                        "paid_on": paid_on,
                        "sources": [{"source": s, "amount": a} for s, a in sources],
                    },
                ),
                201,
            )
        _ok(
            client.post(
                f"/contracts/{cid}/spot-checks",
                json={"outcome": "issues_found", "findings": ["服务档案不完整"], "checked_on": "2022-01-10"},
            ),
            201,
        )
        reported = {
            "contract": _ok(client.get(f"/contracts/{cid}"))["balance"],
            "area": _ok(client.get("/balances/510411/2021")),
            "cap": _ok(client.get("/assistance-cap/510411/2021")),
        }
        assert reported["contract"]["balance"] == "0.00" and reported["cap"]["used"] == "45000.00"

    expected = list(PUBLICATION.public_events(application))
    relay = asyncio.run(_relay(application, kafka_bootstrap, service))
    asyncio.run(_relay(application, kafka_bootstrap, service))  # caught up: publishes nothing more
    assert relay.published == len(expected) == 11
    records = asyncio.run(_read_all(kafka_bootstrap, f"{service}.events", len(expected)))

    validators = {p.name.removesuffix(".json"): Draft202012Validator(json.loads(p.read_text(encoding="utf-8")),
                                                                      format_checker=Draft202012Validator.FORMAT_CHECKER)
                  for p in SCHEMAS.glob("*.json")}
    envelopes = []
    for record in records:
        envelope = decode(record.value)
        assert [e.message for e in validators[envelope.type].iter_errors(envelope.data)] == [], envelope.type
        assert header_map(record.headers)["ce_type"] == envelope.type and record.key == envelope.subject.encode()
        envelopes.append(envelope)
    assert len(envelopes) == len(expected)
    assert sorted(e.id for e in envelopes) == sorted(i for i, _, _ in expected)

    # The contract's own events keep their order (one key, one partition).
    ours = [e for e in envelopes if e.subject == cid]
    assert [e.type for e in ours] == [
        "funding.contract.signed.v1",
        "funding.contract.returned.v1",
        "funding.contract.filed.v1",
        "funding.funds.disbursed.v1",
        "funding.funds.disbursed.v1",
        "funding.funds.disbursed.v1",
        "funding.contract.spot_checked.v1",
    ]
    paid = [e.data for e in ours if e.type == "funding.funds.disbursed.v1"]
    assert [(d["instalment"], d["amount"], d["paid_to_date"]) for d in paid] == [
        (1, "40000.00", "40000.00"),
        (2, "40000.00", "80000.00"),
        (3, "40000.00", "120000.00"),
    ]
    assert (
        sorted(e.type for e in envelopes if e.subject != cid)
        == ["funding.hardship_spending.recorded.v1"] + ["funding.source.budgeted.v1"] * 3
    )

    # Replay from the start into a fresh projection; a duplicate (at-least-once) changes nothing.
    replayed = fold(
        [(e.id, e.type, e.data) for e in envelopes] + [(envelopes[-1].id, envelopes[-1].type, envelopes[-1].data)]
    )
    assert replayed.contract(cid) == reported["contract"]
    assert replayed.area("510411", 2021) == {
        k: reported["area"][k] for k in ("budgeted", "spent", "balance", "sources")
    }
    assert replayed.headroom("510411", 2021) == {k: reported["cap"][k] for k in ("cap", "used", "headroom")}
    assert reported["area"]["sources"]["welfare_lottery"] == {
        "budget": "80000.00",
        "spent": "50000.00",
        "balance": "30000.00",
    }
