"""Throughput benchmark: raw aiokafka vs. the outbox relay vs. the whole platform.

Run:  /work/main/.venv/bin/python bench/run.py [--quick] [--profile]

Starts its own single-node Kafka broker (stopped at the end, also on error) and writes
bench/results.json. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import io
import json
import os
import platform as pyplatform
import pstats
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import command_path  # bench/ siblings: this script's folder is on sys.path
import httpx
import lists
import national
import pzh_shared.relay as relay_module
import reporting_bench
from aiokafka import AIOKafkaConsumer, TopicPartition
from localinfra.kafka import KAFKA_DIR, KafkaBroker
from localinfra.platform import Platform
from opentelemetry import trace
from pzh_shared.envelope import encode
from pzh_shared.eventstore import make_application
from pzh_shared.kafka import ensure_topics, make_producer
from pzh_shared.relay import OutboxRelay
from pzh_shared.telemetry import context_from, current_traceparent, setup_telemetry
from registry.adapters.integration import translate
from registry.adapters.reference import read_areas
from registry.application.service import AreaRow, RegistryApplication
from registry.domain.station import Station, Tier
from registry.settings import RegistrySettings

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.json"
PERFORMANCE_DOC = BENCH_DIR.parent / "docs" / "performance.md"
# (name, key in results.json, goal, "min" = at least / "max" = below): the goals the issues set.
GOALS = [
    ("relay / raw aiokafka produce", ("ratio_relay_to_raw_produce",), 0.8, "min"),
    (
        "registry command path over HTTP / raw 1-row transaction, SQLite",
        ("ratio_command_path_to_raw_insert",),
        0.5,
        "min",
    ),
    (
        "registry command path over HTTP / raw 1-row transaction, PostgreSQL",
        ("ratio_command_path_to_raw_insert_postgres",),
        0.5,
        "min",
    ),
    ("projection worker / plain Faust agent", ("ratio_projection_to_plain_faust",), 0.7, "min"),
    ("rebuild / raw paged log read", ("ratio_rebuild_to_raw_read",), 0.5, "min"),
    ("p99 lag at half of sustained capacity (s)", ("lag_at_half_capacity", "lag_seconds", "p99"), 1.0, "max"),
    ("station list page at national size, p99 (ms)", ("lists", "first_page", "p99_ms"), 100.0, "max"),
    ("station list next page (cursor) at national size, p99 (ms)", ("lists", "next_page", "p99_ms"), 100.0, "max"),
    ("console station list page at national size, p99 (ms)", ("lists", "console_page", "p99_ms"), 300.0, "max"),
    *(
        (f"{view} view of the national read model, {label}, p99 (s)", ("national", store, f"{view}_view_p99_s"),
         1.0, "max")
        for store, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL"))
        for view in ("root", "county")
    ),
]
PAGE = 500  # the relay's page size; raw produce gathers its futures in batches of the same size
PARTITIONS = 3  # the relay creates its topic with 3 partitions
WARMUP_MESSAGES = 20_000  # untimed, before any measurement (quick mode too)

tracer = trace.get_tracer("bench")


# -- helpers ---------------------------------------------------------------------------------

def default_counties() -> list[str]:
    """The county codes under the default deployment's root, from its pinned area file (as the registry seeds)."""
    from pzh_shared.areas import AreaLevel, level_of, within

    settings = RegistrySettings()
    areas = read_areas(settings.areas_file)
    root = settings.root_area_code
    return sorted(a.code for a in areas if level_of(a.code) == AreaLevel.COUNTY and within(a.code, root))


def village_codes(n: int, seed: int) -> list[str]:
    """n distinct well-formed village codes under the default deployment's counties."""
    rng = random.Random(seed)
    counties = default_counties()
    codes: set[str] = set()
    while len(codes) < n:
        codes.add(f"{rng.choice(counties)}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}")
    return sorted(codes)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def rnd(x: float, digits: int = 1) -> float:
    return round(x, digits)


def kafka_version() -> str:
    jars = sorted((KAFKA_DIR / "libs").glob("kafka-server-[0-9]*.jar"))
    return jars[0].stem.removeprefix("kafka-server-") if jars else "unknown"


def source_info() -> dict[str, Any]:
    """Which code was measured: the checkout's commit, whether its services/shared differ from it,
    and where the packages were imported from (PYTHONPATH can point at another snapshot)."""

    import pzh_shared
    import registry

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=BENCH_DIR.parent, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "git_commit": git("rev-parse", "HEAD"),
        "checkout_paths_changed_in_services_shared": len(
            git("status", "--porcelain", "services", "shared").splitlines()
        ),
        "pzh_shared_from": str(Path(pzh_shared.__file__).parent),
        "registry_from": str(Path(registry.__file__).parent),
        "pythonpath": os.environ.get("PYTHONPATH", ""),
    }


def machine_info() -> dict[str, Any]:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    versions = {}
    for dist in ("aiokafka", "eventsourcing", "faust-streaming", "pydantic", "httpx", "opentelemetry-sdk"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "mem_total_mib": mem_kb // 1024,
        "python_version": sys.version.split()[0],
        "platform": pyplatform.platform(),
        "kafka_version": kafka_version(),
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "packages": versions,
    }


# -- store pre-fill and the sample envelope --------------------------------------------------

def prefill(app: RegistryApplication, n: int) -> dict[str, Any]:
    """n public events (n/2 stations, each planned and opened), saved 250 aggregates per call, each
    chunk inside a span so every stored event carries a traceparent as it does when saved by an
    instrumented HTTP command."""
    codes = village_codes(n, seed=1)
    opened_on = date(2025, 1, 1)
    started = time.perf_counter()
    for i in range(0, n // 2, PAGE // 2):
        with tracer.start_as_current_span("bench prefill"):
            stations = []
            for j in range(i, min(n // 2, i + PAGE // 2)):
                station = Station.plan(name=f"村社会工作服务室{j}", tier=Tier.VILLAGE_ROOM, area_code=codes[j],
                                       planned_on=opened_on)
                station.open(opened_on)
                stations.append(station)
            app.save(*stations)
    elapsed = time.perf_counter() - started
    return {"events": n, "seconds": rnd(elapsed, 3), "events_per_s": rnd(n / elapsed)}


def sample_message(app: RegistryApplication, bootstrap: str) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) exactly as the relay builds them for the first stored event."""
    relay = OutboxRelay(app, translate, bootstrap, "benchsample")
    notification = app.recorder.select_notifications(0, 1)[0]
    envelope, meta = relay.envelope(notification)
    with tracer.start_as_current_span("sample publish", context=context_from(meta), kind=trace.SpanKind.PRODUCER):
        return encode(envelope, current_traceparent())


# -- 1. raw produce ---------------------------------------------------------------------------

async def raw_produce(
    bootstrap: str, topic: str, n: int, value: bytes, headers: list[tuple[str, bytes]]
) -> tuple[float, float]:
    """Returns (wall seconds, CPU seconds of this process) for sending n messages."""
    await ensure_topics(bootstrap, {topic: PARTITIONS})
    keys = [str(uuid.uuid4()).encode() for _ in range(n)]  # distinct aggregate-id-like keys, as relayed
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        await producer.partitions_for(topic)  # metadata of the new topic: fetched before timing
        cpu = time.process_time()
        started = time.perf_counter()
        for i in range(0, n, PAGE):
            pending = [await producer.send(topic, value, key=keys[j], headers=headers)
                       for j in range(i, min(n, i + PAGE))]
            await asyncio.gather(*pending)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        await producer.stop()
    return elapsed, cpu


# -- 2. raw group consume ---------------------------------------------------------------------

async def raw_consume(bootstrap: str, topic: str, n: int) -> dict[str, float]:
    """Group join (start -> partitions assigned) and consumption (assigned -> N records returned by
    getmany) are timed separately."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"bench-{uuid.uuid4().hex[:8]}",
                                auto_offset_reset="earliest", enable_auto_commit=False)
    started = time.perf_counter()
    await consumer.start()
    try:
        while not consumer.assignment():
            if time.perf_counter() - started > 60:
                raise RuntimeError("raw consume: no partitions assigned after 60 s")
            await asyncio.sleep(0.005)
        assigned = time.perf_counter()
        seen = 0
        while seen < n:
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            seen += sum(len(records) for records in batches.values())
            if time.perf_counter() - assigned > 120:
                raise RuntimeError(f"raw consume: only {seen}/{n} messages after 120 s")
        done = time.perf_counter()
    finally:
        await consumer.stop()
    return {"seconds_including_start_and_group_join": done - started, "seconds_after_assignment": done - assigned,
            "messages": seen}


# -- 3. relay ---------------------------------------------------------------------------------

async def topic_size(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or range(PARTITIONS)]
        ends = await consumer.end_offsets(parts)
        return sum(ends.values())
    finally:
        await consumer.stop()


async def relay_drain(app: RegistryApplication, bootstrap: str, service: str, n: int,
                      profiler: cProfile.Profile | None = None) -> dict[str, Any]:
    relay = OutboxRelay(app, translate, bootstrap, service)
    await relay.start()  # creates the topic and connects: not timed
    await relay.producer.partitions_for(relay.topic)  # as for raw produce: metadata before timing
    pages = []
    try:
        covered = 0
        if profiler:
            profiler.enable()
        cpu = time.process_time()
        started = time.perf_counter()
        while covered < n:
            t0 = time.perf_counter()
            moved = await relay.relay_page()
            pages.append(time.perf_counter() - t0)
            if moved == 0:
                raise RuntimeError(f"relay stopped at {covered}/{n} notifications")
            covered += moved
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        if profiler:
            profiler.disable()
    finally:
        await relay.stop()
    on_topic = await topic_size(bootstrap, relay.topic)
    if on_topic != n or relay.published != n:
        raise RuntimeError(f"relay published {relay.published}, topic holds {on_topic}, expected {n}")
    return {"topic": relay.topic, "seconds": elapsed, "cpu_seconds": cpu, "pages": len(pages),
            "page_seconds_median": statistics.median(pages), "published": relay.published}


# -- 4. end to end through the platform -------------------------------------------------------

async def end_to_end(gateway: str, m: int, concurrency: int, poll_interval: float, token: str) -> dict[str, Any]:
    read_model = f"{gateway}/api/read-models/stations/510400"
    codes = village_codes(m + 1, seed=2)
    async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:

        async def total() -> int:
            reply = await client.get(read_model)
            reply.raise_for_status()
            return reply.json()["total"]

        async def wait_for_total(target: int, timeout: float) -> float:
            deadline = time.perf_counter() + timeout
            while True:
                if await total() >= target:
                    return time.perf_counter()
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"read model total {await total()} did not reach {target} in {timeout} s")
                await asyncio.sleep(poll_interval)

        async def open_station(i: int) -> float:
            t0 = time.perf_counter()
            reply = await client.post(f"{gateway}/api/stations",
                                      json={"name": f"服务室{i}", "tier": "village_room", "area_code": codes[i]})
            if reply.status_code != 201:
                raise RuntimeError(f"command {i}: HTTP {reply.status_code} {reply.text[:300]}")
            return time.perf_counter() - t0

        # The villages must be registered before stations can open in them (one atomic CSV import).
        townships = sorted({c[:9] for c in codes})
        rows = [f"{c},镇{c[-3:]},2020-01-01" for c in townships] + [f"{c},村{c[-6:]},2020-01-01" for c in codes]
        reply = await client.post(
            f"{gateway}/api/areas/import",
            content=("code,name,valid_from\n" + "\n".join(rows)).encode(),
            headers={"content-type": "text/csv"},
        )
        if reply.status_code != 201:
            raise RuntimeError(f"area import: HTTP {reply.status_code} {reply.text[:300]}")

        # Warm-up: one command through the whole path, so the timed phase does not include the
        # Faust worker's group join or first-request costs.
        t0 = time.perf_counter()
        await open_station(m)
        warm_seen = await wait_for_total(1, timeout=90)
        warmup = warm_seen - t0
        baseline = await total()

        latencies: list[float] = []
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(m):
            queue.put_nowait(i)

        async def worker() -> None:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                latencies.append(await open_station(i))

        first = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        commands_done = time.perf_counter()
        seen = await wait_for_total(baseline + m, timeout=120)
    command_s = commands_done - first
    e2e_s = seen - first
    return {
        "warmup_first_event_seconds": rnd(warmup, 3),
        "command_phase_seconds": rnd(command_s, 3),
        "commands_per_s": rnd(m / command_s),
        "end_to_end_seconds": rnd(e2e_s, 3),
        "end_to_end_events_per_s": rnd(m / e2e_s),
        "read_model_lag_after_last_command_seconds": rnd(seen - commands_done, 3),
        "command_latency_ms": {
            "p50": rnd(percentile(latencies, 50) * 1000, 2),
            "p99": rnd(percentile(latencies, 99) * 1000, 2),
            "max": rnd(max(latencies) * 1000, 2),
            "mean": rnd(statistics.fmean(latencies) * 1000, 2),
        },
    }


# -- driver -----------------------------------------------------------------------------------

async def kafka_measurements(bootstrap: str, work: Path, n: int, reps: int, profile: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    app = make_application(RegistryApplication, RegistrySettings(data_dir=work / "registry", kafka_bootstrap=bootstrap))
    out["prefill"] = await asyncio.to_thread(prefill, app, n)

    key, value, headers = sample_message(app, bootstrap)
    header_bytes = sum(len(k) + len(v) for k, v in headers)
    message = {"key_bytes": len(key), "value_bytes": len(value), "header_bytes": header_bytes,
               "headers": [k for k, _ in headers]}
    print(
        f"  message: key {len(key)} B, value {len(value)} B, headers {header_bytes} B ({', '.join(message['headers'])})"
    )

    # Untimed warm-up: a fresh broker JVM (and the client code paths) runs markedly slower for the
    # first ~10-20k messages (measured: 5000 messages after a 5000-message warm-up still ran at a
    # third of the warm rate); without this the first measurement pays for it alone.
    warmup = WARMUP_MESSAGES
    await raw_produce(bootstrap, "bench.warmup", warmup, value, headers)
    await raw_consume(bootstrap, "bench.warmup", warmup)
    out["warmup_messages_untimed"] = warmup

    # 1 and 3, interleaved (raw produce, relay, raw produce, relay, ...) so that drift in the
    # machine's load (it is shared) hits both alike. The relay runs as `python -m registry relay`
    # does: an SDK tracer provider is installed (spans are made and ended; no exporter locally).
    produce_runs: list[float] = []
    produce_cpu: list[float] = []
    relay_runs: list[dict[str, Any]] = []
    for r in range(reps):
        seconds, cpu = await raw_produce(bootstrap, f"bench.raw.{r}", n, value, headers)
        produce_runs.append(n / seconds)
        produce_cpu.append(cpu)
        result = await relay_drain(app, bootstrap, f"benchrelay{r or ''}", n)
        relay_runs.append(result)
        print(f"  run {r + 1}: raw produce {n / seconds:>7,.0f} msg/s   relay {n / result['seconds']:>6,.0f} ev/s "
              f"({result['pages']} pages, median page {result['page_seconds_median'] * 1000:.0f} ms)")
    produce_rate = statistics.median(produce_runs)
    relay_rates = [n / x["seconds"] for x in relay_runs]
    relay_rate = statistics.median(relay_rates)
    out["raw_produce"] = {
        "params": {
            "messages": n,
            "batch": PAGE,
            "partitions": PARTITIONS,
            "repetitions": reps,
            "producer": "pzh_shared.kafka.make_producer (acks=all, idempotence, linger 5 ms)",
            **message,
        },
        "messages_per_s": rnd(produce_rate),
        "runs_messages_per_s": [rnd(x) for x in produce_runs],
        "mb_per_s_value_only": rnd(produce_rate * len(value) / 1e6, 2),
        "client_cpu_us_per_message_median": rnd(statistics.median(c / n * 1e6 for c in produce_cpu)),
        "client_cpu_share_of_wall_median": round(
            statistics.median(c * x / n for c, x in zip(produce_cpu, produce_runs, strict=True)), 2
        ),
    }

    # 2. raw group consume of what run r produced
    consume_runs = []
    for r in range(reps):
        result = await raw_consume(bootstrap, f"bench.raw.{r}", n)
        consume_runs.append(result)
        print(f"  run {r + 1}: raw consume {n / result['seconds_after_assignment']:>7,.0f} msg/s after assignment, "
              f"{n / result['seconds_including_start_and_group_join']:,.0f} msg/s including group join")
    out["raw_consume"] = {
        "params": {"messages": n, "fresh_group_per_run": True, "auto_offset_reset": "earliest",
                   "getmany_max_records": 10_000, "repetitions": reps},
        "messages_per_s": rnd(statistics.median(n / x["seconds_after_assignment"] for x in consume_runs)),
        "runs_messages_per_s": [rnd(n / x["seconds_after_assignment"]) for x in consume_runs],
        "messages_per_s_including_start_and_group_join":
            rnd(statistics.median(n / x["seconds_including_start_and_group_join"] for x in consume_runs)),
        "group_join_seconds_median": rnd(statistics.median(
            x["seconds_including_start_and_group_join"] - x["seconds_after_assignment"] for x in consume_runs), 3),
    }

    out["relay"] = {
        "params": {
            "events": n,
            "page_size": PAGE,
            "partitions": PARTITIONS,
            "repetitions": reps,
            "store": "SQLite (eventsourcing)",
            "tracing": "SDK TracerProvider, no exporter",
            "topics": [x["topic"] for x in relay_runs],
        },
        "events_per_s": rnd(relay_rate),
        "runs_events_per_s": [rnd(x) for x in relay_rates],
        "page_seconds_median": rnd(statistics.median(x["page_seconds_median"] for x in relay_runs), 4),
        "relay_cpu_us_per_event_median": rnd(statistics.median(x["cpu_seconds"] / n * 1e6 for x in relay_runs)),
        "relay_cpu_share_of_wall_median": round(
            statistics.median(x["cpu_seconds"] / x["seconds"] for x in relay_runs), 2
        ),
    }
    out["ratio_relay_to_raw_produce"] = round(relay_rate / produce_rate, 3)
    out["ratio_relay_to_raw_produce_per_run"] = [
        round(x / y, 3) for x, y in zip(relay_rates, produce_runs, strict=True)
    ]

    # 3b. diagnostic: the same relay with a no-op tracer, to show what per-event spans cost.
    original = relay_module.tracer
    relay_module.tracer = trace.NoOpTracer()
    try:
        result = await relay_drain(app, bootstrap, "benchrelaynotrace", n)
    finally:
        relay_module.tracer = original
    print(f"  relay with a no-op tracer: {n / result['seconds']:,.0f} ev/s (diagnostic)")
    out["relay_noop_tracer_diagnostic"] = {
        "params": {"events": n, "page_size": PAGE, "tracing": "opentelemetry NoOpTracer patched into pzh_shared.relay"},
        "events_per_s": rnd(n / result["seconds"]),
        "relay_cpu_us_per_event": rnd(result["cpu_seconds"] / n * 1e6),
    }

    if profile:
        profiler = cProfile.Profile()
        await relay_drain(app, bootstrap, "benchrelayprofile", n, profiler)
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(45)
        (BENCH_DIR / "relay_profile.txt").write_text(buf.getvalue())
        print(f"  relay profile written to {BENCH_DIR / 'relay_profile.txt'}")
    return out


def _get(results: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        results = results.get(key) if isinstance(results, dict) else None
    return results


def performance_doc(results: dict[str, Any]) -> str:
    """docs/performance.md, written by every full run so the figures there are always measured ones."""
    m = results["machine"]
    lines = [
        "# Performance (written by `make bench`; do not edit)",
        "",
        f"{results['mode'].capitalize()} run of {m['date']} ({results['total_wall_seconds']} s) on "
        f"{m['cpu_count']} cores ({m['cpu_model']}), {m['mem_total_mib']} MiB, "
        f"Python {m['python_version']}, Kafka {m['kafka_version']}, load average {m['load_average_1m_at_start']} "
        f"at start and {m['load_average_1m_at_end']} at the end; commit `{results['source']['git_commit'][:12]}` "
        f"({results['source']['checkout_paths_changed_in_services_shared']} paths under services/ and shared/ "
        "differed from it). "
        "Every figure is in `bench/results.json`; `bench/README.md` says how each is measured.",
        "",
        "| goal | measured | goal | met |",
        "|---|---|---|---|",
    ]
    for name, path, goal, kind in GOALS:
        value = _get(results, path)
        shown = "not measured" if value is None else f"{value:.3f}"
        met = "—" if value is None else ("yes" if (value >= goal if kind == "min" else value < goal) else "no")
        lines.append(f"| {name} | {shown} | {'>=' if kind == 'min' else '<'} {goal} | {met} |")
    e2e, cp = results["end_to_end"], results["command_path"]
    pr, rb, lag, nat = (
        results["projection"],
        results["rebuild"],
        results["lag_at_half_capacity"],
        results["national_scale"],
    )
    country, smaller = nat["country"], nat["smaller_country"]
    lines += [
        "",
        "| figure | value |",
        "|---|---|",
        f"| raw aiokafka produce | {results['raw_produce']['messages_per_s']:,.0f} msg/s |",
        f"| raw aiokafka group consume | {results['raw_consume']['messages_per_s']:,.0f} msg/s |",
        f"| outbox relay | {results['relay']['events_per_s']:,.0f} events/s |",
        f"| projection worker (one process) | {pr['worker_events_per_s']:,.0f} events/s |",
        f"| plain Faust agent, decode only | {pr['plain_faust_events_per_s']:,.0f} events/s |",
        f"| rebuild | {rb['rebuild_events_per_s']:,.0f} events/s |",
        f"| raw paged read of the same log | {rb['raw_read_messages_per_s']:,.0f} msg/s |",
        f"| lag at {lag['params']['rate_events_per_s']:,.0f} events/s (half of capacity) | "
        f"p50 {lag['lag_seconds']['p50']} s, p99 {lag['lag_seconds']['p99']} s, max {lag['lag_seconds']['max']} s |",
    ]
    for store, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        lines += [
            f"| registry commands over HTTP on {label} (wrk, registry-api alone) | "
            f"{cp[store]['http']['requests_per_s']:,.1f} /s, p50 {cp[store]['http']['latency_ms']['p50']} ms, "
            f"p99 {cp[store]['http']['latency_ms']['p99']} ms |",
            f"| raw 1-row {label} transactions | {cp[store]['raw_insert']['transactions_per_s']:,.0f} /s |",
        ]
    lines += [
        f"| the same commands in-process, SQLite (diagnostic) | {cp['in_process_commands_per_s_diagnostic']:,.0f} /s |",
        f"| an empty FastAPI endpoint, same load generator (diagnostic) | "
        f"{cp['empty_fastapi_endpoint_diagnostic']['requests_per_s']:,.0f} /s |",
        f"| commands through the gateway, whole platform running | {e2e['commands_per_s']:,.1f} /s, "
        f"p99 {e2e['command_latency_ms']['p99']} ms |",
        f"| end to end, command to read model | {e2e['end_to_end_events_per_s']:,.1f} events/s |",
        "",
        "National-scale report growth (every roll-up view at the root, `reporting.views`):",
        "",
        "| read models | facts | seconds | microseconds per fact |",
        "|---|---|---|---|",
        f"| Panzhihua (scenario) | {nat['panzhihua']['facts']:,} | "
        f"{nat['panzhihua']['seconds']['all_views_seconds']} | {nat['panzhihua']['us_per_fact']} |",
    ]
    for name, row in (("synthetic country, smaller", smaller), ("synthetic country", country)):
        lines.append(f"| {name} ({row['townships']:,} townships, {row['villages']:,} villages) | {row['facts']:,} | "
                     f"{row['seconds']['all_views_seconds']} | {row['us_per_fact']} |")
    lines += ["", f"Cost per fact, larger country / smaller country: {nat['per_fact_cost_larger_to_smaller_country']} "
                  "(about 1 or below = linear growth)."]
    if "scorecard_us_per_township_station" in nat:
        sc = nat["scorecard_us_per_township_station"]
        lines.append(
            f"Township station scorecard: {sc['panzhihua']:,} us per township station on Panzhihua, "
            f"{sc['dense_panzhihua']:,} on Panzhihua's five counties filled to "
            f"{nat['dense_panzhihua']['townships']:,} township stations "
            f"(ratio {sc['dense_to_panzhihua']})."
        )
    stores = results["national"]
    lines += [
        "",
        f"Read-model roll-ups (`national`, issue 16) at {stores['params']['country_fraction']} of the national size: "
        "the country (000000), "
        f"{stores['provinces']} provinces, {stores['cities']} cities, {stores['counties']:,} counties, "
        f"{stores['townships']:,} townships, {stores['villages']:,} villages, {stores['facts']:,} facts, "
        f"{stores['rollup_rows']:,} roll-up rows; views p99 of {stores['params']['repetitions']}:",
        "",
        "| store | root view p99 (s) | county view p99 (s) | roll-up rebuild (s) | apply, country's store (events/s) "
        "| apply, empty store (events/s) |",
        "|---|---|---|---|---|---|",
    ]
    for store, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        row = stores[store]
        lines.append(f"| {label} | {row['root_view_p99_s']} | {row['county_view_p99_s']} | {row['rollup_rebuild_s']} | "
                     f"{row['apply_events_per_s']:,} | {row['apply_events_per_s_empty_store']:,} |")
    lines.append("")
    return "\n".join(lines)


def in_process_commands(work: Path, m: int) -> float:
    """Diagnostic: the same registry commands against RegistryApplication directly (SQLite), which
    separates the HTTP server's share of the command path from the event store's."""
    codes = village_codes(m, seed=3)
    rows = [AreaRow(c, f"镇{c[-3:]}", False, date(2020, 1, 1)) for c in sorted({c[:9] for c in codes})]
    rows += [AreaRow(c, f"村{c[-6:]}", False, date(2020, 1, 1)) for c in codes]
    app = make_application(RegistryApplication, RegistrySettings(data_dir=work / "command_path_inproc"))
    app.seed()
    app.register_areas(rows)
    started = time.perf_counter()
    for i, code in enumerate(codes):
        app.plan_station(
            tier=Tier.VILLAGE_ROOM,
            area_code=code,
            opened_on=date(2021, 7, 1),
            planned_on=date(2021, 7, 1),
            name=f"室{i}",
        )
    elapsed = time.perf_counter() - started
    app.close()
    return rnd(m / elapsed)


def signed_in_token(gateway: str, admin: str, admin_password: str) -> str:
    """A city admin's access token (the gateway authenticates every call), created by the bootstrapped system admin."""
    password = secrets.token_urlsafe(24)

    def login(username: str, secret: str) -> str:
        reply = httpx.post(f"{gateway}/api/gateway/login", json={"username": username, "password": secret}, timeout=30)
        reply.raise_for_status()
        return reply.json()["access_token"]

    reply = httpx.post(
        f"{gateway}/api/gateway/users",
        headers={"Authorization": f"Bearer {login(admin, admin_password)}"},
        json={"username": "bench-city-admin", "password": password, "role": "city_admin", "area_code": "510400"},
        timeout=30,
    )
    reply.raise_for_status()
    return login("bench-city-admin", password)


def platform_measurement(bootstrap: str, work: Path, m: int, concurrency: int) -> dict[str, Any]:
    admin_password = secrets.token_urlsafe(24)
    # The request limit per account is an abuse guard, not what this measures: raised for the bench.
    plat = Platform(bootstrap, work / "platform", extra_env={
        "GATEWAY_JWT_SECRET": secrets.token_urlsafe(48), "GATEWAY_BOOTSTRAP_ADMIN_USERNAME": "bench-system-admin",
        "GATEWAY_BOOTSTRAP_ADMIN_PASSWORD": admin_password, "GATEWAY_BOOTSTRAP_ADMIN_ROLE": "system_admin",
        "GATEWAY_BOOTSTRAP_ADMIN_AREA": "510400", "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
        # no scheduled report generation in the worker while this measures commands -> read model
        "REPORTING_SCHEDULE_CRON": ""})
    try:
        t0 = time.perf_counter()
        plat.start_all()
        started = time.perf_counter() - t0
        print(f"  platform started in {started:.1f} s")
        token = signed_in_token(plat.gateway_url, "bench-system-admin", admin_password)
        result = asyncio.run(end_to_end(plat.gateway_url, m, concurrency, poll_interval=0.05, token=token))
    except BaseException:
        for name in list(plat.procs):
            tail = plat.tail(name, 15)
            if tail:
                print(f"--- {name} log tail ---\n{tail}", file=sys.stderr)
        raise
    finally:
        plat.stop_all()
    return {"params": {"commands": m, "concurrency": concurrency, "tier": "village_room",
                       "path": "client -> gateway -> registry-api -> SQLite -> registry-relay -> Kafka -> "
                               "reporting-worker (Faust) -> read-model SQLite -> reporting-api -> gateway",
                       "read_model_poll_interval_s": 0.05},
            "platform_start_seconds": rnd(started, 2), **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small N and M, one repetition")
    parser.add_argument("--profile", action="store_true", help="also profile one relay drain (bench/relay_profile.txt)")
    parser.add_argument("--country-fraction", type=float, default=None,
                        help="size of the synthetic country as a fraction of 38,000 townships / 600,000 villages "
                             "(default 1, quick 0.1): the largest single step of a full run")
    parser.add_argument("--stores-fraction", type=float, default=None,
                        help="size of the country the read-model roll-ups are timed on, SQLite and PostgreSQL, as a "
                             "fraction of 38,000 townships / 600,000 villages (default 0.2, quick 0.02: the whole "
                             "country's roll-ups take over an hour to build, see bench/README.md)")
    args = parser.parse_args()
    n, m, reps = (5000, 200, 1) if args.quick else (20_000, 1000, 5)
    # Each projection run starts a Faust worker (group join ~5-10 s): 3 alternating pairs of 10,000 events in full.
    reporting_n, reporting_reps, lag_seconds = (5000, 1, 10) if args.quick else (10_000, 3, 20)
    concurrency = 8

    # The relay process installs an SDK tracer provider (no exporter unless configured); so do we.
    setup_telemetry("bench")
    results: dict[str, Any] = {"machine": machine_info(), "source": source_info(),
                               "mode": "quick" if args.quick else "full"}
    work = Path(tempfile.mkdtemp(prefix="pzh-bench-"))
    broker = KafkaBroker()
    wall = time.perf_counter()
    try:
        t0 = time.perf_counter()
        bootstrap = broker.start()
        results["broker_start_seconds"] = rnd(time.perf_counter() - t0, 2)
        print(f"Kafka {results['machine']['kafka_version']} at {bootstrap} "
              f"(started in {results['broker_start_seconds']} s); N={n}, M={m}, repetitions={reps}")
        results |= asyncio.run(kafka_measurements(bootstrap, work, n, reps, args.profile))
        print("  end to end through the platform ...")
        results["end_to_end"] = platform_measurement(bootstrap, work, m, concurrency)
        # After the platform: its reporting worker would otherwise first have to catch up on these
        # events; the consumers here read what the platform left on the topics too (counted alike).
        print("  reporting: projection, rebuild, lag at half capacity ...")
        results |= asyncio.run(
            reporting_bench.measure(bootstrap, work / "reporting", reporting_n, reporting_reps, lag_seconds)
        )
        # Command path (issue 3): registry-api over HTTP (wrk) against raw one-row transactions on
        # the same database, on SQLite and on PostgreSQL.
        print("  command path ...")
        cp = results["command_path"] = command_path.measure(bootstrap, work, args.quick)
        cp["in_process_commands_per_s_diagnostic"] = in_process_commands(work, m)
        results["ratio_command_path_to_raw_insert"] = cp["ratio_sqlite"]
        results["ratio_command_path_to_raw_insert_postgres"] = cp["ratio_postgres"]
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        broker.stop()
    try:
        print("  national-scale report growth ...")
        results["national_scale"] = national.measure(work / "national", args.quick, args.country_fraction)
        print("  read-model roll-ups on SQLite and PostgreSQL ...")
        results["national"] = national.measure_stores_on_own_server(
            work / "national_stores", args.stores_fraction or (0.02 if args.quick else 0.2))
        print("  list latency at national size ...")
        results["lists"] = lists.measure(work / "lists", args.quick)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["total_wall_seconds"] = rnd(time.perf_counter() - wall, 1)
    results["machine"]["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)

    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(RESULTS)
    if not args.quick:
        PERFORMANCE_DOC.write_text(performance_doc(results), encoding="utf-8")

    e2e = results["end_to_end"]
    print()
    print(f"raw produce        {results['raw_produce']['messages_per_s']:>10,.0f} msg/s "
          f"({results['raw_produce']['params']['value_bytes']} B values)")
    print(f"raw group consume  {results['raw_consume']['messages_per_s']:>10,.0f} msg/s")
    print(f"relay              {results['relay']['events_per_s']:>10,.0f} ev/s  "
          f"ratio to raw produce {results['ratio_relay_to_raw_produce']:.2f} (goal >= 0.8)")
    print(f"relay, no tracing  {results['relay_noop_tracer_diagnostic']['events_per_s']:>10,.0f} ev/s  (diagnostic)")
    print(f"Python CPU/message {results['raw_produce']['client_cpu_us_per_message_median']:>10,.0f} us raw produce, "
          f"{results['relay']['relay_cpu_us_per_event_median']:,.0f} us relay, "
          f"{results['relay_noop_tracer_diagnostic']['relay_cpu_us_per_event']:,.0f} us relay without tracing")
    print(f"commands           {e2e['commands_per_s']:>10,.1f} /s   latency p50 {e2e['command_latency_ms']['p50']} ms, "
          f"p99 {e2e['command_latency_ms']['p99']} ms (concurrency {concurrency})")
    cp = results["command_path"]
    for store in ("sqlite", "postgres"):
        print(
            f"registry commands  {cp[store]['http']['requests_per_s']:>10,.1f} /s over HTTP on {store} "
            f"(p50 {cp[store]['http']['latency_ms']['p50']} ms), "
            f"raw 1-row inserts {cp[store]['raw_insert']['transactions_per_s']:,.0f} tx/s, "
            f"ratio {cp['ratio_' + store]:.3f} (goal >= 0.5)"
        )
    print(
        f"                   empty FastAPI endpoint "
        f"{cp['empty_fastapi_endpoint_diagnostic']['requests_per_s']:,.0f} /s, "
        f"in-process {cp['in_process_commands_per_s_diagnostic']:,.0f} /s"
    )
    pr, rb, lag = results["projection"], results["rebuild"], results["lag_at_half_capacity"]
    print(
        f"projection         {pr['worker_events_per_s']:>10,.0f} ev/s  "
        f"plain Faust agent {pr['plain_faust_events_per_s']:,.0f} ev/s, "
        f"ratio {results['ratio_projection_to_plain_faust']:.3f} (goal >= 0.7)"
    )
    print(
        f"rebuild            {rb['rebuild_events_per_s']:>10,.0f} ev/s  "
        f"raw read {rb['raw_read_messages_per_s']:,.0f} msg/s, "
        f"ratio {results['ratio_rebuild_to_raw_read']:.3f} (goal >= 0.5)"
    )
    print(
        f"lag at half cap.   p50 {lag['lag_seconds']['p50']} s, p99 {lag['lag_seconds']['p99']} s, "
        f"max {lag['lag_seconds']['max']} s "
        f"at {lag['params']['rate_events_per_s']:,.0f} ev/s (goal p99 < 1 s)"
    )
    print(f"end to end         {e2e['end_to_end_events_per_s']:>10,.1f} ev/s  "
          f"(read model lag after last command {e2e['read_model_lag_after_last_command_seconds']} s)")
    ls = results["lists"]
    print(f"station list       p99 {ls['first_page']['p99_ms']} ms first page, {ls['next_page']['p99_ms']} ms with a "
          f"cursor, over {ls['station_rows']:,} rows (goal < 100 ms)")
    print(f"console list page  p99 {ls['console_page']['p99_ms']} ms through the gateway, signed in (goal < 300 ms)")
    print(f"wrote {RESULTS} in {results['total_wall_seconds']} s")


if __name__ == "__main__":
    main()
