"""Bad input is refused readably; a poison message goes to the dead-letter topic and the worker goes on."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer
from pzh_shared.envelope import Envelope, encode
from pzh_shared.kafka import make_producer

from .conftest import wait_for


def test_unknown_area_code_is_422_with_a_readable_message(gateway):
    reply = gateway.post("/api/stations", json={"name": "某站", "tier": "township_station", "area_code": "510499001"})
    assert reply.status_code == 422
    assert reply.json()["error"] == {"code": "unknown_area",
                                     "message": "未知的行政区划代码 510499001：尚未在登记系统中登记"}


def test_invalid_body_is_422_naming_the_field(gateway):
    reply = gateway.post("/api/stations", json={"name": "某站", "tier": "township_station", "area_code": "51042x001"})
    assert reply.status_code == 422
    assert "格式不正确" in reply.json()["error"]["message"]
    reply = gateway.post("/api/stations", json={"tier": "township_station", "area_code": "510421001"})
    assert reply.status_code == 422
    assert reply.json()["error"]["details"] == [{"field": "name", "problem": "必填", "label": "名称"}]
    assert reply.json()["error"]["message"] == "请求内容无效：名称(name)：必填"


async def _poison_then_read_dlq(bootstrap: str, keys: dict[str, bytes]) -> dict[bytes, dict[str, bytes]]:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for key, value in keys.items():
            await producer.send_and_wait("registry.events", value, key=key.encode(),
                                         headers=[("traceparent", b"\xff\xfe broken")])
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer("registry.events.dlq", bootstrap_servers=bootstrap, group_id=f"t-{uuid.uuid4()}",
                                auto_offset_reset="earliest")
    await consumer.start()
    found: dict[bytes, dict[str, bytes]] = {}
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while len(found) < len(keys) and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if record.key and record.key.decode() in keys:
                        found[record.key] = dict(record.headers)
    finally:
        await consumer.stop()
    return found


def test_poison_messages_go_to_the_dead_letter_topic_and_the_worker_keeps_going(platform, gateway, township,
                                                                                kafka_bootstrap, record_property):
    newer = Envelope(id=str(uuid.uuid4()), source="/pzh/registry", type="registry.station.opened.v9",
                     subject=str(uuid.uuid4()), time=datetime.now(UTC), data={"station_id": "x"})
    broken_contract = newer.model_copy(update={"type": "registry.station.opened.v1", "data": {"tier": 1}})
    poison = {
        f"bad-json-{uuid.uuid4()}": b"{not json",
        f"not-envelope-{uuid.uuid4()}": json.dumps({"hello": "world"}).encode(),
        f"newer-version-{uuid.uuid4()}": encode(newer)[1],
        f"broken-contract-{uuid.uuid4()}": encode(broken_contract)[1],
    }
    dead = asyncio.run(_poison_then_read_dlq(kafka_bootstrap, poison))
    assert set(dead) == {k.encode() for k in poison}
    for _key, headers in dead.items():
        assert headers["dlq_source_topic"] == b"registry.events"
        assert int(headers["dlq_source_offset"]) >= 0
        assert headers["dlq_error"]
    assert b"only v1" in dead[next(k for k in dead if k.startswith(b"newer-version"))]["dlq_error"]
    record_property("reliability", {"poison sent": len(poison), "in the .dlq": len(dead),
                                    "with context headers": sum(bool(h.get("dlq_error")) for h in dead.values())})

    reply = gateway.post("/api/stations", json={"name": "毒消息之后的站", "tier": "township_station",
                                                "area_code": township})
    assert reply.status_code == 201
    wait_for(lambda: gateway.get(f"/api/read-models/stations/{township}").json()["total"] == 1, timeout=20)
