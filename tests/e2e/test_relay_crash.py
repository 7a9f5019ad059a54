"""SIGKILL the relay in the middle of 1,000 station events: nothing lost, nothing counted twice."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx

from .conftest import wait_for

TOTAL = 1000


async def _open_rooms(registry_url: str, township: str, sent: list[int]) -> None:
    async with httpx.AsyncClient(base_url=registry_url, timeout=60) as client:
        queue = list(range(TOTAL))

        async def sender():
            while queue:
                n = queue.pop()
                reply = await client.post("/stations", json={
                    "name": f"第{n}村社会工作服务室", "tier": "village_room", "area_code": f"{township}{n:03d}"})
                assert reply.status_code == 201, reply.text
                sent.append(n)

        await asyncio.gather(*(sender() for _ in range(8)))


def test_relay_killed_mid_stream_loses_and_doubles_nothing(platform, gateway, township, record_property):
    villages = "code,name,valid_from\n" + "".join(f"{township}{n:03d},第{n}村,2020-01-01\n" for n in range(TOTAL))
    reply = gateway.post("/api/areas/import", content=villages.encode(), headers={"content-type": "text/csv"})
    assert reply.status_code == 201, reply.text
    sent: list[int] = []
    errors: list[BaseException] = []

    def run():
        try:
            asyncio.run(_open_rooms(platform.url("registry-api"), township, sent))
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread below
            errors.append(exc)

    commands = threading.Thread(target=run)
    commands.start()
    wait_for(lambda: len(sent) >= 300, timeout=60, interval=0.01)
    platform.kill("registry-relay")
    killed_at = len(sent)
    time.sleep(1.0)
    platform.start("registry-relay")
    restarted = time.monotonic()
    commands.join(timeout=120)
    assert not errors, errors
    assert len(sent) == TOTAL and killed_at < TOTAL

    def rooms():
        return gateway.get(f"/api/read-models/stations/{township}").json()["stations"]["village_room"]

    wait_for(lambda: rooms() == TOTAL, timeout=60)
    recovered = time.monotonic() - restarted
    time.sleep(2.0)  # any late duplicate would arrive now
    projected = rooms()
    record_property("reliability", {"commands sent": TOTAL, "answered 2xx": len(sent), "sent before the kill": killed_at,
                                    "projected": projected, "duplicates in the read model": projected - TOTAL,
                                    "s from relay restart to all projected": round(recovered, 1)})
    assert projected == TOTAL
    assert len(gateway.get(f"/api/read-models/stations/{township}").json()["children"]) == TOTAL
