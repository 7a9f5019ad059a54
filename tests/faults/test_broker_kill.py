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

from .conftest import (
    PIPELINE,
    SOURCE_TOPICS,
    assert_rebuild_equals_live,
    fault_platform,
    group_lag,
    import_villages,
    open_rooms,
    read_topic,
    township_rooms,
    wait_for,
)

TOWNSHIPS = [f"510422{n:03d}" for n in range(800, 810)]
PER_TOWNSHIP = 1000
TOTAL = len(TOWNSHIPS) * PER_TOWNSHIP  # 10,000 commands
SENDERS = 8


@pytest.mark.timeout(2400)  # 10,000 commands on a shared 2-core machine: minutes, not seconds
def test_broker_killed_mid_stream_loses_nothing_and_read_models_equal_a_rebuild(own_broker, tmp_path, record_property):
    bootstrap = own_broker.bootstrap
    group = f"reporting-broker-kill-{uuid.uuid4().hex[:6]}"
    platform = fault_platform(bootstrap, tmp_path, group)
    answers: dict[str, str] = {}
    failures: list[str] = []
    retries: list[str] = []
    try:
        for name in PIPELINE:
            platform.start(name)
        import_villages(platform.url("registry-api"), TOWNSHIPS, PER_TOWNSHIP, "杀代理镇")

        started = time.monotonic()
        stream = open_rooms(
            platform.url("registry-api"), TOWNSHIPS, PER_TOWNSHIP, answers, failures, SENDERS, retries=retries
        )
        commands = threading.Thread(target=lambda: asyncio.run(stream))
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
                return township_rooms(reporting, TOWNSHIPS)

            wait_for(lambda: rooms() == [PER_TOWNSHIP] * len(TOWNSHIPS), timeout=900, interval=2)
            projected_at = time.monotonic()
        wait_for(lambda: asyncio.run(group_lag(bootstrap, group, SOURCE_TOPICS)) == 0, timeout=300, interval=2)
        lag_zero_at = time.monotonic()
        for name in ("registry-relay", "reporting-worker"):
            assert platform.procs[name].poll() is None, f"{name} died:\n{platform.tail(name)}"
        assert_rebuild_equals_live(platform.env_for("reporting-worker"))
        topic = asyncio.run(read_topic(bootstrap, "registry.events"))
        ids = [dict(r.headers).get("ce_id") for r in topic]
    finally:
        platform.stop_all()
    stored = stored_originators(tmp_path / "registry.sqlite")
    assert set(answers.values()) <= stored
    record_property(
        "reliability",
        {
            "commands_sent": TOTAL,
            "answered_2xx": len(answers),
            "client_retries": len(retries),
            "killed_after": killed_at_sent,
            "stored": len(set(answers.values()) & stored),
            "messages_on_topic": len(ids),
            "duplicates_on_topic": len(ids) - len(set(ids)),
            "projected_rooms": PER_TOWNSHIP * len(TOWNSHIPS),
            "send_s": round(sent_seconds),
            "projected_after_restart_s": round(projected_at - restarted),
            "lag_zero_after_restart_s": round(lag_zero_at - restarted),
            "rebuild_equals_live": True,
        },
    )


def stored_originators(path: Path) -> set[str]:
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {str(uuid.UUID(str(row[0]))) for row in conn.execute("SELECT DISTINCT originator_id FROM stored_events")}
