"""The registry relay SIGKILLed at the exact instant issue 10 names, in the middle of 1,000 station
events: a page published and acknowledged by the broker, its checkpoint not yet saved
(tests/crash_points.py). The restarted relay publishes that page again, so the topic holds
duplicates (same event id); the read model counts each station once and loses none."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from aiokafka import TopicPartition
from localinfra.topics import end_offsets, read_topic
from pzh_shared.envelope import header_map

from .conftest import wait_for

TOTAL = 1000
CRASH_AT_CHECKPOINT = 3  # the third page that published events: a few pages into the stream, long before its end
CRASH_POINTS = Path(__file__).resolve().parents[1] / "crash_points.py"


async def _open_rooms(registry_url: str, township: str, opened: list[str]) -> None:
    async with httpx.AsyncClient(base_url=registry_url, timeout=60) as client:
        queue = list(range(TOTAL))

        async def sender():
            while queue:
                n = queue.pop()
                reply = await client.post("/stations", json={
                    "name": f"第{n}村社会工作服务室", "tier": "village_room", "area_code": f"{township}{n:03d}"})
                assert reply.status_code == 201, reply.text
                opened.append(reply.json()["station_id"])
                await asyncio.sleep(0.05)  # a stream (about 100 a second), not a burst: the crash lands in its middle

        await asyncio.gather(*(sender() for _ in range(8)))


def test_relay_killed_after_publishing_before_its_checkpoint_loses_and_doubles_nothing(
    platform, gateway, township, record_property
):
    villages = "code,name,valid_from\n" + "".join(f"{township}{n:03d},第{n}村,2020-01-01\n" for n in range(TOTAL))
    reply = gateway.post("/api/areas/import", content=villages.encode(), headers={"content-type": "text/csv"})
    assert reply.status_code == 201, reply.text
    platform.stop("registry-relay")  # cleanly; the crashing relay takes its place
    # what is on the topic from here on was published by the crashing relay or its successor
    before = asyncio.run(end_offsets(platform.kafka_bootstrap, ("registry.events",)))
    log = (platform.log_dir / "registry-relay-crashing.log").open("ab")
    crashing = subprocess.Popen(
        [sys.executable, str(CRASH_POINTS), "relay-before-checkpoint", str(CRASH_AT_CHECKPOINT), "registry", "relay"],
        env=platform.env_for("registry-relay"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    opened: list[str] = []
    errors: list[BaseException] = []

    def run():
        try:
            asyncio.run(_open_rooms(platform.url("registry-api"), township, opened))
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread below
            errors.append(exc)

    commands = threading.Thread(target=run)
    commands.start()
    try:
        assert crashing.wait(timeout=120) == -signal.SIGKILL, (
            platform.log_dir / "registry-relay-crashing.log"
        ).read_text()
    finally:
        if crashing.poll() is None:
            crashing.kill()
        log.close()
    killed_at = len(opened)
    platform.start("registry-relay")
    restarted = time.monotonic()
    commands.join(timeout=300)
    assert not errors, errors
    assert len(opened) == TOTAL and killed_at < TOTAL

    def rooms():
        return gateway.get(f"/api/read-models/stations/{township}").json()["stations"]["village_room"]

    wait_for(lambda: rooms() == TOTAL, timeout=120)
    recovered = time.monotonic() - restarted
    time.sleep(2.0)  # any late duplicate would arrive now
    projected = rooms()
    published = [r for r in asyncio.run(read_topic(platform.kafka_bootstrap, "registry.events"))
                 if r.offset >= before[TopicPartition(r.topic, r.partition)]]
    on_topic = Counter(header_map(r.headers)["ce_id"] for r in published)
    duplicates = sum(on_topic.values()) - len(on_topic)
    record_property(
        "reliability",
        {
            "commands sent": TOTAL,
            "answered 2xx": len(opened),
            "sent before the crash": killed_at,
            "published since the crashing relay started": len(published),
            "duplicates on the topic": duplicates,
            "projected": projected,
            "duplicates in the read model": projected - TOTAL,
            "s from relay restart to all projected": round(recovered, 1),
        },
    )
    assert duplicates > 0, "the restarted relay published the unsaved page again"
    assert projected == TOTAL
    assert len(gateway.get(f"/api/read-models/stations/{township}").json()["children"]) == TOTAL
