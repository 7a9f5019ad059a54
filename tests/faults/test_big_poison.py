"""A 10 MB poison value on registry.events: the reporting worker dead-letters it (the DLQ keeps the
first DLQ_VALUE_LIMIT bytes, with the context headers) and the partition keeps moving: a station
opened afterwards is projected.

The broker refuses values over 1 MB by default (message.max.bytes); the source topic is created
with max.message.bytes = 16 MiB so the 10 MB value gets onto it, as a misconfigured producer's
would in production where topics allow large values."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from pzh_shared.kafka import DLQ_VALUE_LIMIT, ensure_topics, make_producer

from .conftest import PIPELINE, fault_platform, read_topic, wait_for

BIG = 10 * 1024 * 1024
TOPIC_LIMIT = str(16 * 1024 * 1024)
TOWNSHIP = "510421951"


async def allow_big_values(bootstrap: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if topic not in set(await admin.list_topics()):
            await admin.create_topics([NewTopic(topic, 3, 1, topic_configs={"max.message.bytes": TOPIC_LIMIT})])
        else:
            await admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": TOPIC_LIMIT})]
            )
    finally:
        await admin.close()


async def send_big(bootstrap: str, key: bytes) -> None:
    producer = make_producer(bootstrap, max_request_size=BIG + 1024 * 1024)
    await producer.start()
    try:
        await producer.send_and_wait("registry.events", b"{" + b"x" * (BIG - 1), key=key)
    finally:
        await producer.stop()


def test_a_10_mb_poison_value_is_dead_lettered_and_the_partition_moves_on(own_broker, tmp_path, record_property):
    bootstrap = own_broker.bootstrap
    asyncio.run(allow_big_values(bootstrap, "registry.events"))
    asyncio.run(ensure_topics(bootstrap, {"registry.events.dlq": 3}))
    key = f"big-{uuid.uuid4()}".encode()
    platform = fault_platform(bootstrap, tmp_path, f"reporting-big-{uuid.uuid4().hex[:6]}")
    try:
        for name in PIPELINE:
            platform.start(name)
        asyncio.run(send_big(bootstrap, key))

        def dead_letter():
            return next((r for r in asyncio.run(read_topic(bootstrap, "registry.events.dlq")) if r.key == key), None)

        found = wait_for(dead_letter, timeout=120, interval=1)
        headers = dict(found.headers)
        assert len(found.value) == DLQ_VALUE_LIMIT
        assert headers["dlq_source_topic"] == b"registry.events"
        assert int(headers["dlq_source_offset"]) >= 0 and headers["dlq_error"]

        with httpx.Client(
            base_url=platform.url("registry-api"), timeout=60, headers={"x-user": "fault-tests"}
        ) as registry:
            assert (
                registry.post(
                    "/areas", json={"code": TOWNSHIP, "name": "大消息镇", "valid_from": "2020-01-01"}
                ).status_code
                == 201
            )
            reply = registry.post(
                "/stations", json={"name": "大消息之后的站", "tier": "township_station", "area_code": TOWNSHIP}
            )
            assert reply.status_code == 201, reply.text
        with httpx.Client(base_url=platform.url("reporting-api"), timeout=60) as reporting:
            wait_for(
                lambda: reporting.get(f"/read-models/stations/{TOWNSHIP}").json().get("total") == 1,
                timeout=120,
                interval=1,
            )
        assert platform.procs["reporting-worker"].poll() is None, platform.tail("reporting-worker")
    finally:
        platform.stop_all()
    record_property("reliability", {"value_bytes": BIG, "dlq_value_bytes": len(found.value), "dead_lettered": 1,
                                    "projected_after": 1})
