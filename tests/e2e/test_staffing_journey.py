"""Talent and registry together, every process separate: certifying two workers and appointing one
as head at a station with a complete checklist makes the registry raise the station to "standard",
and its level change is published on registry.events."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer
from pzh_shared.envelope import BadMessage, decode

from .conftest import wait_for

CHECKLIST = ("venue", "signage", "office_equipment", "rules", "location", "functional_areas", "signage_and_logo",
             "furniture_and_equipment", "barrier_free_access", "fire_equipment", "publicity")


def id_number(serial: int) -> str:
    """A well-formed resident ID number (GB 11643 check digit) for test data."""
    body = f"510402199001{serial % 28 + 1:02d}{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _certified_worker(gateway, name: str, serial: int, station_id: str, employment: str) -> str:
    reply = gateway.post(
        "/api/workers", json={"name": name, "id_number": id_number(serial), "phone": f"1380000{serial:04d}"}
    )
    assert reply.status_code == 201, reply.text
    worker = reply.json()["worker_id"]
    certify(gateway, worker, station_id, employment)
    return worker


def certify(gateway, worker: str, station_id: str, employment: str) -> None:
    """Assigns a registered worker to a station and takes them through the 2021 exam to a certificate."""
    steps = [
        (f"/api/workers/{worker}/assignment", {"station_id": station_id, "employment": employment}),
        (f"/api/workers/{worker}/exams", {"level": "assistant_social_worker", "exam_year": 2021}),
        (
            f"/api/workers/{worker}/exams/sitting",
            {"level": "assistant_social_worker", "exam_year": 2021, "sat_on": "2021-06-19"},
        ),
        (
            f"/api/workers/{worker}/exams/result",
            {"level": "assistant_social_worker", "exam_year": 2021, "passed": True},
        ),
        (f"/api/workers/{worker}/certification", {"level": "assistant_social_worker"}),
    ]
    for path, body in steps:
        reply = gateway.post(path, json=body)
        assert reply.status_code in (200, 201), f"{path}: {reply.text}"


async def _level_changes(bootstrap: str, station_id: str) -> list[dict]:
    consumer = AIOKafkaConsumer("registry.events", bootstrap_servers=bootstrap, group_id=f"t-{uuid.uuid4()}",
                                auto_offset_reset="earliest")
    await consumer.start()
    found: list[dict] = []
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while not any(c["level"] == "standard" for c in found) and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    try:
                        envelope = decode(record.value)
                    except BadMessage:
                        continue  # the poison messages another test put on this topic
                    if envelope.type == "registry.station.level_changed.v2" and envelope.subject == station_id:
                        found.append(envelope.data)
    finally:
        await consumer.stop()
    return found


def test_certified_staff_and_a_head_make_a_complete_station_standard(platform, gateway, township, kafka_bootstrap):
    reply = gateway.post(
        "/api/stations",
        json={"name": "人才联动测试站", "tier": "township_station", "area_code": township, "opened_on": "2021-07-01"},
    )
    assert reply.status_code == 201, reply.text
    station_id = reply.json()["station_id"]
    for item in CHECKLIST:
        reply = gateway.put(f"/api/stations/{station_id}/facilities/{item}",
                            json={"present": True, "evidence": "现场核查", "on": "2021-07-01"})
        assert reply.status_code == 200, reply.text
    assert gateway.get(f"/api/stations/{station_id}").json()["level"] == "none"  # no staff yet

    head = _certified_worker(gateway, "张测试", 11, station_id, "full_time")
    _certified_worker(gateway, "李测试", 12, station_id, "part_time")
    wait_for(lambda: gateway.get(f"/api/stations/{station_id}").json()["level"] == "basic", timeout=30)
    reply = gateway.put(f"/api/talent/stations/{station_id}/head", json={"worker_id": head})
    assert reply.status_code == 200, reply.text

    wait_for(lambda: gateway.get(f"/api/stations/{station_id}").json()["level"] == "standard", timeout=30)
    changes = asyncio.run(_level_changes(kafka_bootstrap, station_id))
    assert [c["level"] for c in changes] == ["basic", "standard"]  # the level after each revision
