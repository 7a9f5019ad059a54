"""A load run at a fixed rate on loopback: commands to registry-api at RATE per second for DURATION
seconds, relayed and projected as they come. Pass: no error answer, the reporting group's lag
stays bounded (never more than LAG_BOUND messages behind), memory flat (each process's resident
memory grows by less than RSS_GROWTH_KIB between the first and the last quarter of the run), and
everything is projected at the end.

Three minutes of load, as the issue asks ("a few minutes"), which keeps the suite well inside CI's time;
the rate is modest because the machine (2 cores) runs every process of the platform and the broker."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import httpx
import pytest

from .conftest import PIPELINE, SOURCE_TOPICS, fault_platform, group_lag, rss_kib, wait_for

RATE = 20  # commands per second
DURATION = 180  # seconds
TOTAL = RATE * DURATION
LAG_BOUND = RATE * 30  # at most 30 s of commands behind, at any sample
RSS_GROWTH_KIB = 64 * 1024
TOWNSHIPS = ("510422830", "510422831", "510422832", "510422833")  # at most 1,000 villages each
WATCHED = ("registry-api", "registry-relay", "reporting-worker")


def village(n: int) -> str:
    return f"{TOWNSHIPS[n % len(TOWNSHIPS)]}{n // len(TOWNSHIPS):03d}"


async def steady(url: str, answers: list[int], stop: threading.Event) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60, headers={"x-user": "fault-tests"}) as client:
        async def one(n: int) -> None:
            try:
                reply = await client.post("/stations", json={"name": f"第{n}村社会工作服务室", "tier": "village_room",
                                                             "area_code": village(n)})
                answers.append(reply.status_code)
            except httpx.HTTPError:
                answers.append(0)

        start = time.monotonic()
        tasks = []
        for n in range(TOTAL):
            # Open-loop: each command leaves at its own time, whether or not earlier ones returned.
            await asyncio.sleep(max(0.0, start + n / RATE - time.monotonic()))
            if stop.is_set():
                break
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)


@pytest.mark.timeout(1200)
def test_fixed_rate_load_no_errors_bounded_lag_flat_memory(own_broker, tmp_path, record_property):
    bootstrap = own_broker.bootstrap
    group = f"reporting-load-{uuid.uuid4().hex[:6]}"
    platform = fault_platform(bootstrap, tmp_path, group)
    answers: list[int] = []
    lags: list[int] = []
    rss: dict[str, list[int]] = {name: [] for name in WATCHED}
    stop = threading.Event()
    try:
        for name in PIPELINE:
            platform.start(name)
        with httpx.Client(
            base_url=platform.url("registry-api"), timeout=300, headers={"x-user": "fault-tests"}
        ) as registry:
            csv = "code,name,valid_from\n" + "".join(f"{t},压测镇{t[-1]},2020-01-01\n" for t in TOWNSHIPS) + "".join(
                f"{village(n)},第{n}村,2020-01-01\n" for n in range(TOTAL))
            assert (
                registry.post("/areas/import", content=csv.encode(), headers={"content-type": "text/csv"}).status_code
                == 201
            )
        # The villages' events projected first: the lag measured below is the load's alone.
        wait_for(lambda: asyncio.run(group_lag(bootstrap, group, SOURCE_TOPICS)) == 0, timeout=600, interval=2)
        load = threading.Thread(target=lambda: asyncio.run(steady(platform.url("registry-api"), answers, stop)))
        load.start()
        while load.is_alive():
            lags.append(asyncio.run(group_lag(bootstrap, group, SOURCE_TOPICS)))
            for name in WATCHED:
                rss[name].append(rss_kib(platform.procs[name].pid))
            time.sleep(2)
        load.join()
        with httpx.Client(base_url=platform.url("reporting-api"), timeout=60) as reporting:
            wait_for(
                lambda: (
                    [
                        reporting.get(f"/read-models/stations/{t}").json()["stations"].get("village_room")
                        for t in TOWNSHIPS
                    ]
                    == [TOTAL // len(TOWNSHIPS)] * len(TOWNSHIPS)
                ),
                timeout=600,
                interval=2,
            )
        wait_for(lambda: asyncio.run(group_lag(bootstrap, group, SOURCE_TOPICS)) == 0, timeout=300, interval=2)
    finally:
        stop.set()
        platform.stop_all()
    errors = [s for s in answers if s != 201]
    assert len(answers) == TOTAL and not errors, f"{len(errors)} errors: {sorted(set(errors))}"
    assert max(lags) <= LAG_BOUND, lags
    growth = {}
    for name, samples in rss.items():
        quarter = max(1, len(samples) // 4)
        growth[name] = max(samples[-quarter:]) - max(samples[:quarter])
        assert growth[name] < RSS_GROWTH_KIB, (name, samples)
    record_property(
        "reliability",
        {
            "rate_per_s": RATE,
            "duration_s": DURATION,
            "sent": TOTAL,
            "errors": len(errors),
            "max_lag_messages": max(lags),
            **{f"rss_growth_kib_{k}": v for k, v in growth.items()},
        },
    )
