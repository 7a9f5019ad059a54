"""The casework service learns purchase-of-service contracts from the funding service's
`funding.contract.signed.v1` on the real Kafka broker, through `python -m casework funding`'s
consumer (TrackedConsumer): a project can then name the contract, messages it cannot apply are
dead-lettered, and a replay of the whole topic by a fresh consumer group changes nothing."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer
from casework.adapters.wiring import build_application
from casework.api.app import create_app
from casework.consumers.funding import funding_consumer
from casework.settings import CaseworkSettings
from casework.testing import COUNTY, STATION, contract_signed_data
from fastapi.testclient import TestClient
from localinfra.topics import drive_consumer, publish
from pzh_shared.envelope import Envelope, header_map

from ..envelopes import fresh_envelope


def _envelope(event_type: str, data: dict) -> Envelope:
    return fresh_envelope(
        "/pzh/funding",
        event_type,
        data=data,
    )


def _consumer(app, bootstrap: str, topic: str):
    return funding_consumer(app, bootstrap, topic=topic, group_id=f"casework-funding-{uuid.uuid4().hex[:6]}")


async def _dead_letters(bootstrap: str, topic: str, wanted: int) -> list:
    consumer = AIOKafkaConsumer(
        f"{topic}.dlq", bootstrap_servers=bootstrap, group_id=f"t-{uuid.uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    found = []
    try:
        for _ in range(40):
            for records in (await consumer.getmany(timeout_ms=250)).values():
                found.extend(records)
            if len(found) >= wanted:
                break
    finally:
        await consumer.stop()
    return found


def test_projects_name_contracts_from_the_funding_events(kafka_bootstrap, tmp_path):
    signed, broken_id = str(uuid.uuid4()), str(uuid.uuid4())
    application = build_application(CaseworkSettings(data_dir=tmp_path))
    topic = f"funding{uuid.uuid4().hex[:6]}.events"
    broken = contract_signed_data(broken_id)
    del broken["station_ids"]
    envelopes = [
        _envelope("funding.contract.signed.v1", contract_signed_data(signed)),
        _envelope(
            "funding.payment.made.v1", {"contract_id": signed, "amount": "1000.00"}
        ),  # not ours: tracked, ignored
        _envelope("funding.contract.signed.v1", broken),
        _envelope("funding.contract.signed.v1", contract_signed_data(signed)),
    ]  # republished: changes nothing
    project = {
        "contract_id": signed,
        "station_id": STATION,
        "domain": "elderly_care",
        "title": "长者关爱",
        "started_on": "2021-03-10",
    }

    with TestClient(create_app(application)) as client:
        reply = client.post("/projects", json=project)
        assert reply.status_code == 422 and reply.json()["error"]["code"] == "unknown_contract", reply.text

        asyncio.run(publish(kafka_bootstrap, topic, envelopes, poison=True))
        first = asyncio.run(drive_consumer(_consumer(application, kafka_bootstrap, topic), len(envelopes) + 1))
        assert (first.applied, first.dead_lettered) == (3, 2)

        contract = client.get(f"/contracts/{signed}").json()
        assert (contract["amount"], contract["period_end"], contract["area_code"]) == (
            "360000.00",
            "2022-02-28",
            COUNTY,
        )
        assert client.post("/projects", json=project).status_code == 201
        assert client.get(f"/contracts/{broken_id}").status_code == 404

    letters = asyncio.run(_dead_letters(kafka_bootstrap, topic, 2))
    assert sorted(header_map(r.headers)["dlq_consumer"] for r in letters) == [first.group_id] * 2

    # A fresh consumer group replays the whole topic: the tracking records make it change nothing.
    last = application.recorder.max_notification_id()
    replay = asyncio.run(drive_consumer(_consumer(application, kafka_bootstrap, topic), 0, settle=3.0))
    assert (replay.applied, replay.dead_lettered) == (0, 0)
    assert application.recorder.max_notification_id() == last
    application.close()
