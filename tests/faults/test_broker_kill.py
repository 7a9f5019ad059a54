"""The broker SIGKILLed in the middle of a stream of 10,000 commands and restarted (the fault tests'
own broker): every command answered 2xx has its events stored and published, the read models equal
a from-scratch rebuild, and the reporting group's lag returns to zero -- with no process restarted
by hand (relay and worker reconnect by themselves)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from .conftest import SOURCE_TOPICS, fault_platform, group_lag, read_topic, verify_rebuild, wait_for

TOWNSHIPS = [f"510422{n:03d}" for n in range(800, 810)]
PER_TOWNSHIP = 1000
TOTAL = len(TOWNSHIPS) * PER_TOWNSHIP  # 10,000 commands
SENDERS = 8


async def open_rooms(url: str, answers: dict[str, str], failures: list[str], retries: list[str]) -> None:
    queue = [(t, n) for n in range(PER_TOWNSHIP) for t in TOWNSHIPS]
    async with httpx.AsyncClient(base_url=url, timeout=120, headers={"x-user": "fault-tests"}) as client:
        async def sender() -> None:
            while queue:
                township, n = queue.pop()
                body = {"name": f"第{n}村社会工作服务室", "tier": "village_room", "area_code": f"{township}{n:03d}"}
                # A dropped connection leaves the outcome unknown: the retry carries the same
                # Idempotency-Key, so it can never open a second room.
                key = f"room-{township}{n:03d}"
                for attempt in range(5):
                    try:
                        reply = await client.post("/stations", json=body, headers={"Idempotency-Key": key})
                        break
                    except httpx.TransportError as exc:
                        retries.append(repr(exc))
                        await asyncio.sleep(0.5 * (attempt + 1))
                else:
                    failures.append(f"no answer for {key}")
                    continue
                if reply.status_code == 201:
                    answers[f"{township}{n:03d}"] = reply.json()["station_id"]
                else:
                    failures.append(f"{reply.status_code} {reply.text[:200]}")

        await asyncio.gather(*(sender() for _ in range(SENDERS)))


@pytest.mark.timeout(2400)  # 10,000 commands on a shared 2-core machine: minutes, not seconds
def test_broker_killed_mid_stream_loses_nothing_and_read_models_equal_a_rebuild(own_broker, tmp_path, record_property):
    bootstrap = own_broker.bootstrap
    group = f"reporting-broker-kill-{uuid.uuid4().hex[:6]}"
    platform = fault_platform(bootstrap, tmp_path, group)
    answers: dict[str, str] = {}
    failures: list[str] = []
    retries: list[str] = []
    try:
        for name in ("registry-api", "registry-relay", "reporting-api", "reporting-worker"):
            platform.start(name)
        with httpx.Client(base_url=platform.url("registry-api"), timeout=300, headers={"x-user": "fault-tests"}) as registry:
            for township in TOWNSHIPS:
                csv = f"code,name,valid_from\n{township},杀代理镇{township[-3:]},2020-01-01\n" + "".join(
                    f"{township}{n:03d},第{n}村,2020-01-01\n" for n in range(PER_TOWNSHIP))
                reply = registry.post("/areas/import", content=csv.encode(), headers={"content-type": "text/csv"})
                assert reply.status_code == 201, reply.text

        started = time.monotonic()
        commands = threading.Thread(target=lambda: asyncio.run(open_rooms(platform.url("registry-api"), answers, failures, retries)))
        commands.start()
        wait_for(lambda: len(answers) >= TOTAL * 3 // 10, timeout=600, interval=0.05)
        own_broker.kill()
        killed_at_sent = len(answers)
        time.sleep(5)
        own_broker.restart()
        restarted = time.monotonic()
        commands.join(timeout=1800)
        sent_seconds = time.monotonic() - started
        assert not commands.is_alive()
        assert not failures, (failures[:5], platform.tail("registry-api"))
        assert len(answers) == TOTAL and killed_at_sent < TOTAL

        # Every 2xx command's station is published on registry.events.
        def published() -> set[str]:
            subjects = {r.key.decode() for r in asyncio.run(read_topic(bootstrap, "registry.events")) if r.key}
            return set(answers.values()) <= subjects and subjects

        wait_for(published, timeout=600, interval=2)
        # ... and projected: every township counts its 1,000 rooms, once.
        with httpx.Client(base_url=platform.url("reporting-api"), timeout=60) as reporting:
            def rooms() -> list[int]:
                return [reporting.get(f"/read-models/stations/{t}").json()["stations"].get("village_room", 0) for t in TOWNSHIPS]

            wait_for(lambda: rooms() == [PER_TOWNSHIP] * len(TOWNSHIPS), timeout=900, interval=2)
            projected_at = time.monotonic()
        wait_for(lambda: asyncio.run(group_lag(bootstrap, group, SOURCE_TOPICS)) == 0, timeout=300, interval=2)
        lag_zero_at = time.monotonic()
        for name in ("registry-relay", "reporting-worker"):
            assert platform.procs[name].poll() is None, f"{name} died:\n{platform.tail(name)}"
        result = None
        for _ in range(10):
            result = verify_rebuild(platform.env_for("reporting-worker"))
            if result.returncode == 0:
                break
            time.sleep(2)
        assert result is not None and result.returncode == 0, result.stdout + result.stderr
        topic = asyncio.run(read_topic(bootstrap, "registry.events"))
        ids = [dict(r.headers).get("ce_id") for r in topic]
    finally:
        platform.stop_all()
    stored = stored_originators(tmp_path / "registry.sqlite")
    assert set(answers.values()) <= stored
    record_property("reliability", {
        "commands_sent": TOTAL, "answered_2xx": len(answers), "client_retries": len(retries), "killed_after": killed_at_sent,
        "stored": len(set(answers.values()) & stored), "messages_on_topic": len(ids),
        "duplicates_on_topic": len(ids) - len(set(ids)), "projected_rooms": PER_TOWNSHIP * len(TOWNSHIPS),
        "send_s": round(sent_seconds), "projected_after_restart_s": round(projected_at - restarted),
        "lag_zero_after_restart_s": round(lag_zero_at - restarted), "rebuild_equals_live": True})


def stored_originators(path: Path) -> set[str]:
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {str(uuid.UUID(str(row[0]))) for row in conn.execute("SELECT DISTINCT originator_id FROM stored_events")}
