"""Upcasting on the real broker: `talent.volunteer.hours_logged` v1 (float hours, still on the topic
from before the producer switched) and v2 (whole minutes) are published to talent.events with the
platform's producer and envelope; the real reporting worker projects both into the same figure, so
the area's volunteer hours are the exact sum. A v3, newer than the worker knows, goes to
talent.events.dlq with its context headers, and the events after it on its partition still
project. A rebuild from the topics equals the live read models."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import httpx
from pzh_shared.envelope import Envelope, encode, event_id
from pzh_shared.kafka import ensure_topics, make_producer
from talent.adapters.integration import CONTRACTS

from .conftest import (
    PIPELINE,
    assert_rebuild_equals_live,
    fault_platform,
    group_lag,
    read_topic,
    wait_for,
)

TOWNSHIP = "510421961"
FAMILY = "talent.volunteer.hours_logged"
SERVED_ON = "2024-05-01"
# (hours in v1, the whole minutes they count for): half up, so 0.125 h = 7.5 min counts 8
V1_HOURS = [(0.5, 30), (1.25, 75), (1 / 3, 20), (2.0, 120), (0.125, 8), (7.75, 465)]
V2_MINUTES = [30, 45, 1, 600, 59]
AFTER_V3_MINUTES = [10, 20]  # on the v3's partition (same key), published after it


def envelope(version: int, volunteer_id: str, station_id: str, amount: dict, seq: int) -> Envelope:
    data = {"volunteer_id": volunteer_id, "station_id": station_id, **amount, "served_on": SERVED_ON}
    event_type = f"{FAMILY}.v{version}"
    if event_type in CONTRACTS:  # what the talent service publishes(d): valid under its contract
        data = CONTRACTS[event_type].model_validate(data).model_dump(mode="json")
    return Envelope(id=event_id(volunteer_id, seq), source="/pzh/talent", type=event_type, subject=volunteer_id,
                    time=datetime.now(UTC), data=data)


async def publish(bootstrap: str, envelopes: list[Envelope]) -> None:
    """One by one, each acknowledged before the next: the order on a partition is the order here."""
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for env in envelopes:
            key, value, headers = encode(
                env, traceparent="00-" + uuid.uuid4().hex + "-" + uuid.uuid4().hex[:16] + "-01"
            )
            await producer.send_and_wait("talent.events", value, key=key, headers=headers)
    finally:
        await producer.stop()


def stored_minutes(data_dir: Path, station_id: str) -> int:
    """The live store's volunteer_minutes facts of the station (read-only; the worker keeps writing)."""
    path = data_dir / "reporting.sqlite"
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM facts WHERE figure = 'volunteer_minutes' AND station_id = ?",
            (station_id,),
        ).fetchone()[0]


def test_v1_and_v2_project_into_one_exact_sum_and_v3_is_dead_lettered(own_broker, tmp_path, record_property):
    bootstrap = own_broker.bootstrap
    asyncio.run(ensure_topics(bootstrap, {"talent.events": 3, "talent.events.dlq": 3}))
    group = f"reporting-upcast-{uuid.uuid4().hex[:6]}"
    platform = fault_platform(bootstrap, tmp_path, group)
    try:
        for name in PIPELINE:
            platform.start(name)
        with httpx.Client(
            base_url=platform.url("registry-api"), timeout=60, headers={"x-user": "fault-tests"}
        ) as registry:
            assert (
                registry.post(
                    "/areas", json={"code": TOWNSHIP, "name": "升级镇", "valid_from": "2020-01-01"}
                ).status_code
                == 201
            )
            reply = registry.post(
                "/stations",
                json={
                    "name": "升级镇社工站",
                    "tier": "township_station",
                    "area_code": TOWNSHIP,
                    "opened_on": "2024-02-01",
                },
            )
            assert reply.status_code == 201, reply.text
            station_id = reply.json()["station_id"]

        # Each entry its own volunteer (its own key, spread over the partitions), v1 and v2 interleaved.
        v1 = [envelope(1, str(uuid.uuid4()), station_id, {"hours": hours}, 1) for hours, _ in V1_HOURS]
        v2 = [envelope(2, str(uuid.uuid4()), station_id, {"minutes": minutes}, 1) for minutes in V2_MINUTES]
        mixed = [e for pair in zip(v1, v2, strict=False) for e in pair] + v1[len(v2):]
        # A v3 (say, a producer deployed before this worker knows the version) and, on its partition, more after it.
        late = str(uuid.uuid4())
        v3 = envelope(3, late, station_id, {"seconds": 1800}, 1)
        after = [
            envelope(2, late, station_id, {"minutes": minutes}, 2 + n) for n, minutes in enumerate(AFTER_V3_MINUTES)
        ]
        asyncio.run(publish(bootstrap, [*mixed, v3, *after]))

        expected = sum(m for _, m in V1_HOURS) + sum(V2_MINUTES) + sum(AFTER_V3_MINUTES)
        shown = str((Decimal(expected) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP))

        def explain() -> str:
            return platform.tail("reporting-worker")

        wait_for(lambda: stored_minutes(tmp_path, station_id) == expected, timeout=600, interval=1, explain=explain)
        projected = stored_minutes(tmp_path, station_id)
        # the area comes from the station directory (registry.events, another agent): it may arrive after the facts
        with httpx.Client(base_url=platform.url("reporting-api"), timeout=60) as reporting:
            def area_hours() -> str:
                return reporting.get(f"/read-models/talent/{TOWNSHIP}", params={"as_of": "2024-12-31"}).json()[
                    "volunteer_hours"
                ]

            wait_for(
                lambda: area_hours() == shown,
                timeout=300,
                interval=1,
                explain=lambda: f"shown {area_hours()}\n{explain()}",
            )

        def dead_letter():
            return [r for r in asyncio.run(read_topic(bootstrap, "talent.events.dlq")) if r.key == late.encode()]

        dead_letters = wait_for(dead_letter, timeout=300, interval=1, explain=explain)
        [dead] = dead_letters
        headers = dict(dead.headers)
        assert headers["dlq_source_topic"] == b"talent.events"
        assert int(headers["dlq_source_partition"]) >= 0 and int(headers["dlq_source_offset"]) >= 0
        assert headers["dlq_original_ce_id"] == v3.id.encode()
        assert headers["dlq_original_ce_type"] == f"{FAMILY}.v3".encode()
        assert headers["dlq_original_traceparent"].startswith(b"00-")
        assert b"only v1, v2" in headers["dlq_error"], headers["dlq_error"]
        assert dead.value == encode(v3)[1]  # the original value, whole (it is small)
        assert platform.procs["reporting-worker"].poll() is None, explain()

        wait_for(lambda: asyncio.run(group_lag(bootstrap, group, ("talent.events", "registry.events"))) == 0,
                 timeout=300, interval=2, explain=explain)
        assert_rebuild_equals_live(platform.env_for("reporting-worker"))
    finally:
        platform.stop_all()
    record_property(
        "reliability",
        {
            "v1_sent": len(v1),
            "v2_sent": len(v2) + len(after),
            "v3_sent": 1,
            "expected_minutes": expected,
            "projected_minutes": projected,
            "shown_hours": shown,
            "dlq_count": len(dead_letters),
            "projected_after_v3": len(after),
            "rebuild_equals_live": True,
        },
    )
