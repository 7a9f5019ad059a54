"""Reporting workers scaled 1 -> 2 -> 1 while a stream of commands is projected: a second worker
process joins the group (partitions are rebalanced onto it), then the first is stopped (its
partitions move back). No effect is lost or doubled: every room is counted once, the read models
equal a rebuild, the group's lag returns to zero.

Both workers write the platform's one read-model file, as replicas sharing a volume would; the
store drops an event id it has applied before, which is what makes a rebalance's redelivery safe."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import httpx
import pytest

from .conftest import (
    PIPELINE,
    SOURCE_TOPICS,
    assert_rebuild_equals_live,
    fault_platform,
    group_lag,
    group_members,
    import_villages,
    open_rooms,
    township_rooms,
    wait_for,
)

TOWNSHIPS = [f"510422{n:03d}" for n in range(820, 822)]
PER_TOWNSHIP = 1000
TOTAL = len(TOWNSHIPS) * PER_TOWNSHIP


@pytest.mark.timeout(1800)
def test_workers_scaled_1_2_1_lose_and_double_nothing(own_broker, tmp_path, record_property):
    bootstrap = own_broker.bootstrap
    group = f"reporting-scaling-{uuid.uuid4().hex[:6]}"
    platform = fault_platform(bootstrap, tmp_path, group)
    answers: dict[str, str] = {}
    failures: list[str] = []
    try:
        for name in PIPELINE:
            platform.start(name)
        import_villages(platform.url("registry-api"), TOWNSHIPS, PER_TOWNSHIP, "扩缩镇")

        started = time.monotonic()
        # a steady stream (a pause after each command), so both scaling steps happen mid-stream
        stream = open_rooms(
            platform.url("registry-api"), TOWNSHIPS, PER_TOWNSHIP, answers, failures, senders=4, pause=0.005
        )
        commands = threading.Thread(target=lambda: asyncio.run(stream))
        commands.start()
        wait_for(lambda: len(answers) >= TOTAL // 5, timeout=600, interval=0.05)
        second = platform.start_replica("reporting-worker", 2)
        # A rebalance waits for every member to rejoin; on a loaded 2-core machine, with both workers
        # busy writing one read-model file, that has taken over two minutes.
        seen: list[int] = []

        def members() -> int:
            seen.append(asyncio.run(group_members(bootstrap, group)))
            return seen[-1]

        def explain() -> str:
            return (
                f"members seen (last 20 polls): {seen[-20:]}\n--- reporting-worker\n{platform.tail('reporting-worker')}"
                f"\n--- {second}\n{platform.tail(second)}"
            )

        scaled_up_at = len(answers)
        # Both workers in the group: the partitions are shared between them now.
        wait_for(lambda: members() == 2, timeout=300, interval=1, explain=explain)
        members_after_scale_up = len(answers)
        wait_for(lambda: len(answers) >= max(TOTAL * 6 // 10, members_after_scale_up + 200), timeout=600, interval=0.05)
        platform.stop("reporting-worker")  # SIGTERM, as a scale-down does
        scaled_down_at = len(answers)
        wait_for(lambda: members() == 1, timeout=300, interval=1, explain=explain)
        commands.join(timeout=1200)
        assert not commands.is_alive() and not failures, failures[:5]
        assert len(answers) == TOTAL and scaled_down_at < TOTAL

        with httpx.Client(base_url=platform.url("reporting-api"), timeout=60) as reporting:
            def rooms() -> list[int]:
                return township_rooms(reporting, TOWNSHIPS)

            wait_for(lambda: rooms() == [PER_TOWNSHIP] * len(TOWNSHIPS), timeout=900, interval=2)
            time.sleep(3)  # a late duplicate would show now
            final_rooms = rooms()
            assert final_rooms == [PER_TOWNSHIP] * len(TOWNSHIPS)
        wait_for(lambda: asyncio.run(group_lag(bootstrap, group, SOURCE_TOPICS)) == 0, timeout=300, interval=2)
        assert platform.procs[second].poll() is None, platform.tail("reporting-worker")
        assert_rebuild_equals_live(platform.env_for("reporting-worker"))
        elapsed = time.monotonic() - started
    finally:
        platform.stop_all()
    record_property(
        "reliability",
        {
            "commands_sent": TOTAL,
            "answered_2xx": len(answers),
            "second_worker_at": scaled_up_at,
            "two_members_at": members_after_scale_up,
            "first_worker_stopped_at": scaled_down_at,
            "projected_rooms": sum(final_rooms),
            "duplicates_in_read_model": sum(final_rooms) - TOTAL,
            "rebuild_equals_live": True,
            "elapsed_s": round(elapsed),
        },
    )
