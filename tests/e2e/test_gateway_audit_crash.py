"""The gateway commits the audit records of many calls together (gateway/adapters/group_commit.py) and answers a
call only once its record is committed. Proof: the gateway SIGKILLed in the middle of a stream of station
commands, 8 at a time, still has in its store the audit record of every answer a caller received before the kill."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing

import httpx

TOTAL = 400
KILL_AFTER = 120  # answers received before the kill: the stream is well under way, calls are in flight


def test_every_answer_given_before_the_gateway_is_killed_has_its_audit_record(platform, gateway, township):
    villages = "code,name,valid_from\n" + "".join(f"{township}{n:03d},第{n}村,2020-01-01\n" for n in range(TOTAL))
    reply = gateway.post("/api/areas/import", content=villages.encode(), headers={"content-type": "text/csv"})
    assert reply.status_code == 201, reply.text
    answered: list[str] = []
    lost = 0  # calls cut off by the kill (no answer reached the caller)

    async def stream() -> None:
        nonlocal lost
        queue = list(range(TOTAL))
        async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30,
                                     headers={"Authorization": gateway.headers["Authorization"]}) as client:
            async def sender() -> None:
                nonlocal lost
                while queue:
                    n = queue.pop()
                    try:
                        reply = await client.post("/api/stations", json={
                            "name": f"第{n}村社会工作服务室", "tier": "village_room",
                            "area_code": f"{township}{n:03d}"})
                    except httpx.HTTPError:
                        lost += 1
                        return  # the gateway is gone
                    assert reply.status_code == 201, reply.text
                    answered.append(reply.json()["station_id"])
                    if len(answered) == KILL_AFTER:
                        platform.kill("gateway")  # SIGKILL, while the other senders' calls are in flight

            await asyncio.gather(*(sender() for _ in range(8)))

    try:
        asyncio.run(stream())
    finally:
        if "gateway" not in platform.procs:
            platform.start("gateway")
    assert len(answered) >= KILL_AFTER and lost > 0, (len(answered), lost)
    with closing(sqlite3.connect(platform.data_dir / "gateway.sqlite")) as store:
        audited = {row[0] for row in store.execute(
            "SELECT resource_id FROM audit WHERE method = 'POST' AND path = '/api/stations' AND status = 201")}
    missing = [station for station in answered if station not in audited]
    assert not missing, f"{len(missing)} of {len(answered)} answers have no audit record: {missing[:5]}"
    assert gateway.get("/api/gateway/me").status_code == 200  # the restarted gateway serves the same sessions
