"""`make bench`: the goals of issue 19 (P1, P2, P3, P4, P4g, P5, P7), each measured side by side.

Run:  /work/main/.venv/bin/python bench/run.py [--quick] [--profile] [--only STAGE ...]
      /work/main/.venv/bin/python bench/run.py --national [--quick]   (make bench-national)

Starts its own single-node Kafka broker (and, for the PostgreSQL stages, its own PostgreSQL), runs every
stage under its own timeout (a failed or timed-out stage is recorded with its error and the run goes on)
and writes bench/results.json; a full run also writes docs/performance.md. See bench/README.md.
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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import command_path  # bench/ siblings: this script's folder is on sys.path
import lists
import memory
import national
import pzh_shared.relay as relay_module
import reporting_bench
from aiokafka import AIOKafkaConsumer, TopicPartition
from localinfra.kafka import KAFKA_DIR, KafkaBroker
from opentelemetry import trace
from paired import Run, failed_goal, interleave, ratio_goal, run_stage
from pzh_shared.envelope import encode
from pzh_shared.eventstore import make_application
from pzh_shared.kafka import ensure_topics, make_producer
from pzh_shared.relay import OutboxRelay
from pzh_shared.telemetry import context_from, current_traceparent, setup_telemetry
from registry.adapters.integration import translate
from registry.adapters.reference import read_areas
from registry.application.service import RegistryApplication
from registry.domain.station import Station, Tier
from registry.settings import RegistrySettings

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.json"
PERFORMANCE_DOC = BENCH_DIR.parent / "docs" / "performance.md"
ROUNDS = 5  # interleaved rounds of every goal's sides (issue 19: at least 5)
GOALS_SHAPE = (
    "goals.<id> for P1, P2, P3, P4g, P5; goals.P4.<store> and goals.P7.<store> for store sqlite and postgres. Each: "
    "value (median of the pairwise ratios; P5: p99 lag over all windows), goal, goal_kind (>= or <=), spread "
    "{min, max, pairs}, status (met / not met / not resolved / failed), and for a ratio its sides (per_s_median, "
    "cpu_us_per_event_median and each run's); a failed one has value null and its error."
)
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


# -- P1: relay / raw produce --------------------------------------------------------------------

def relay_goal(bootstrap: str, work: Path, n: int, rounds: int, profile: bool) -> dict[str, Any]:
    """P1: N public events pre-saved in a SQLite RegistryApplication, drained by OutboxRelay into a fresh
    topic, interleaved with raw aiokafka produce of N messages of the same size and headers (both
    make_producer: acks=all, idempotence); both in this process, so CPU is this process's time."""
    app = make_application(RegistryApplication, RegistrySettings(data_dir=work / "registry", kafka_bootstrap=bootstrap))
    filled = prefill(app, n)
    key, value, headers = sample_message(app, bootstrap)
    header_bytes = sum(len(k) + len(v) for k, v in headers)
    # Untimed warm-up: a fresh broker JVM (and the client code paths) runs markedly slower for the
    # first ~10-20k messages; without this the first measurement pays for it alone.
    asyncio.run(raw_produce(bootstrap, "bench.warmup", WARMUP_MESSAGES, value, headers))
    asyncio.run(raw_consume(bootstrap, "bench.warmup", WARMUP_MESSAGES))

    def raw(r: int) -> Run:
        seconds, cpu = asyncio.run(raw_produce(bootstrap, f"bench.raw.{r}", n, value, headers))
        return Run(n, seconds, cpu)

    def relay(r: int) -> Run:
        result = asyncio.run(relay_drain(app, bootstrap, f"benchrelay{r}", n))
        return Run(n, result["seconds"], result["cpu_seconds"], {"pages": result["pages"]})

    runs = interleave({"raw_produce": raw, "relay": relay}, rounds)
    goal = ratio_goal(runs, "relay", "raw_produce", 0.8,
                      "outbox relay / raw aiokafka produce, same broker, same messages, acks=all and idempotence")
    # Diagnostic: the same relay with a no-op tracer, to show what the spans cost.
    original = relay_module.tracer
    relay_module.tracer = trace.NoOpTracer()
    try:
        plain = asyncio.run(relay_drain(app, bootstrap, "benchrelaynotrace", n))
    finally:
        relay_module.tracer = original
    out: dict[str, Any] = {
        "goal": goal,
        "params": {"events": n, "page_size": PAGE, "partitions": PARTITIONS, "rounds": rounds,
                   "store": "SQLite (eventsourcing)", "tracing": "SDK TracerProvider, no exporter",
                   "producer": "pzh_shared.kafka.make_producer (acks=all, idempotence, linger 5 ms)",
                   "raw_produce": f"await send() {PAGE} at a time, then gather the {PAGE} futures, as the relay pages",
                   "key_bytes": len(key), "value_bytes": len(value), "header_bytes": header_bytes,
                   "warmup_messages_untimed": WARMUP_MESSAGES},
        "prefill": filled,
        "relay_noop_tracer_diagnostic": {"events_per_s": rnd(n / plain["seconds"]),
                                         "cpu_us_per_event": rnd(plain["cpu_seconds"] / n * 1e6)},
    }
    if profile:
        profiler = cProfile.Profile()
        asyncio.run(relay_drain(app, bootstrap, "benchrelayprofile", n, profiler))
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(45)
        (BENCH_DIR / "relay_profile.txt").write_text(buf.getvalue())
        print(f"  relay profile written to {BENCH_DIR / 'relay_profile.txt'}")
    app.close()
    return out


# -- the stages --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    relay_events: int
    projection_events: int
    lag_window_seconds: float
    wrk_seconds: float
    villages: int
    p7_events: int
    memory_events: int  # the RSS is compared after this many events and after a tenth of them

    @classmethod
    def of(cls, quick: bool) -> Sizes:
        if quick:
            return cls(5000, 5000, 2, 2, 6000, 100_000, 100_000)
        return cls(10_000, 10_000, 6, 5, 15_000, 1_000_000, 1_000_000)


@dataclass(frozen=True)
class Stage:
    name: str
    timeout: float  # seconds (full run; a quick run's stages are smaller and get the same bound)
    run: Callable[[], dict[str, Any]]
    goal: tuple[str, ...]  # where its goal goes in results["goals"]: ("P4", "sqlite")
    goal_value: float
    goal_kind: str = "min"
    needs: tuple[str, ...] = ()  # stages whose results it uses


def stages(bootstrap: str, work: Path, sizes: Sizes, profile: bool, done: dict[str, Any]) -> list[Stage]:
    s = sizes
    reporting = work / "reporting"
    kept: dict[str, Any] = {}  # what a stage hands on to a later one, not written to results.json

    def keep(result: dict[str, Any], key: str) -> dict[str, Any]:
        kept[key] = result.pop(key)
        return result

    return [
        Stage("relay", 240, lambda: relay_goal(bootstrap, work, s.relay_events, ROUNDS, profile), ("P1",), 0.8),
        Stage("projection", 360, lambda: keep(reporting_bench.projection(bootstrap, reporting, s.projection_events,
                                                                          ROUNDS), "_ids"), ("P2",), 1.0),
        Stage("rebuild", 180, lambda: reporting_bench.rebuild_vs_raw(bootstrap, reporting, ROUNDS), ("P3",), 0.5),
        Stage("lag_at_half_capacity", 180, lambda: reporting_bench.lag_at_half_capacity(
            bootstrap, reporting, kept["_ids"], done["goals"]["P2"]["sides"]["worker"]["per_s_median"],
            s.lag_window_seconds, ROUNDS),
            ("P5",), 0.25, "max", needs=("projection",)),
        Stage("command_path_sqlite", 150, lambda: command_path.p4(bootstrap, work / "p4-sqlite", {}, s.wrk_seconds,
                                                                  s.villages), ("P4", "sqlite"), 0.7),
        Stage("command_path_gateway", 180, lambda: command_path.p4g(bootstrap, work / "p4g", s.wrk_seconds, s.villages),
              ("P4g",), 0.7),
        Stage("command_path_postgres", 180, lambda: with_postgres(
            lambda env: command_path.p4(bootstrap, work / "p4-postgres", env, s.wrk_seconds, s.villages)),
            ("P4", "postgres"), 0.7),
        Stage("full_store_sqlite", 240, lambda: command_path.p7(
            bootstrap, work / "p7-sqlite", {}, s.wrk_seconds, s.villages, s.p7_events), ("P7", "sqlite"), 0.8),
        Stage("full_store_postgres", 360, lambda: with_postgres(lambda env: command_path.p7(
            bootstrap, work / "p7-postgres", env, s.wrk_seconds, s.villages, s.p7_events)), ("P7", "postgres"), 0.8),
        # Not in a default run (its own target, make bench-memory): over 20 minutes with the rest.
        Stage("memory", 2400, lambda: memory.measure(bootstrap, work, s.memory_events, s.memory_events // 10),
              ("memory",), 1.2, "max"),
    ]


def with_postgres(fn: Callable[[dict[str, str]], dict[str, Any]]) -> dict[str, Any]:
    with command_path.postgres_env() as env:
        return fn(env)


def put_goal(goals: dict[str, Any], path: tuple[str, ...], entry: dict[str, Any]) -> None:
    for key in path[:-1]:
        goals = goals.setdefault(key, {})
    goals[path[-1]] = entry


def run_stages(todo: list[Stage], results: dict[str, Any], broker_error: str | None) -> None:
    """Every stage in turn; a stage whose inputs failed is failed too (with the reason), and the run goes on."""
    for stage in todo:
        missing = [n for n in stage.needs if results["stages"].get(n, {}).get("error")]
        if broker_error:
            result, error, seconds = None, f"Kafka broker did not start: {broker_error}", 0.0
        elif missing:
            result, error, seconds = None, f"needs the stage {', '.join(missing)}, which failed", 0.0
        else:
            result, error, seconds = run_stage(stage.name, stage.timeout, stage.run)
        # Its own date and load: with --only a stage's figures sit beside an earlier run's.
        results["stages"][stage.name] = {"seconds": rnd(seconds, 1), "timeout_seconds": stage.timeout,
                                         "error": error, "ended": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                                         "load_average_1m_at_end": round(os.getloadavg()[0], 2)}
        if error is None:
            put_goal(results["goals"], stage.goal, result.pop("goal"))
            results[stage.name] = result
        else:
            put_goal(results["goals"], stage.goal, failed_goal(stage.goal_value, stage.goal_kind, error))


# -- national size (make bench-national) ---------------------------------------------------------

NATIONAL_KEYS = ("national_scale", "national", "lists")


def national_stages(work: Path, quick: bool, country_fraction: float | None,
                    stores_fraction: float | None) -> dict[str, Any]:
    """The national-size steps, which take far longer than `make bench`'s budget: their own target; each
    replaces its own key of results.json and keeps the others."""
    out: dict[str, Any] = {"national_run": {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                                            "load_average_1m_at_start": round(os.getloadavg()[0], 2), "errors": {}}}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("national_scale", lambda: national.measure(work / "national", quick, country_fraction)),
        ("national", lambda: national.measure_stores_on_own_server(
            work / "national_stores", stores_fraction or (0.02 if quick else 0.2))),
        ("lists", lambda: lists.measure(work / "lists", quick)),
    ]
    for key, fn in steps:
        result, error, _ = run_stage(key, 4 * 3600, fn)
        if error is None:
            out[key] = result
        else:
            out["national_run"]["errors"][key] = error
    out["national_run"]["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    return out


# -- docs/performance.md -------------------------------------------------------------------------

GOAL_NAMES = {
    "P1": "outbox relay / raw aiokafka produce (same broker, same messages, acks=all, idempotence)",
    "P2": "projection worker / plain Faust agent that decodes and counts",
    "P3": "rebuild / raw paged read of the same log",
    "P4": "registry command over HTTP / peer endpoint (same stack, same body, one row in one transaction)",
    "P4g": "the command through the gateway (signed in, audited, scoped) / straight to the registry",
    "P5": "p99 lag, command accepted -> read model updated, at half of sustained capacity (s)",
    "P7": "command rate with 1,000,000 events in the store / with an empty store",
    "memory": "RSS after 1,000,000 events relayed and projected / after 100,000 (make bench-memory)",
}
# The national-size goals (make bench-national): (name, key path in results.json, goal, "max" = below).
NATIONAL_GOALS = [
    ("station list page at national size, p99 (ms)", ("lists", "first_page", "p99_ms"), 100.0),
    ("station list next page (cursor) at national size, p99 (ms)", ("lists", "next_page", "p99_ms"), 100.0),
    ("console station list page at national size, p99 (ms)", ("lists", "console_page", "p99_ms"), 300.0),
    *(
        (f"{view} view of the national read model, {label}, p99 (s)", ("national", store, f"{view}_view_p99_s"), 1.0)
        for store, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL"))
        for view in ("root", "county")
    ),
]


def flat_goals(goals: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """("P4 sqlite", entry), ... in the order of GOAL_NAMES."""
    out = []
    for gid in GOAL_NAMES:
        entry = goals.get(gid)
        if entry is None:
            continue
        if "status" in entry:
            out.append((gid, entry))
        else:
            out += [(f"{gid} {store}", sub) for store, sub in entry.items()]
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
        f"Python {m['python_version']}, Kafka {m['kafka_version']}, **load average {m['load_average_1m_at_start']} "
        f"at start and {m['load_average_1m_at_end']} at the end** (the machine is shared: compare runs only at "
        f"similar load); commit `{results['source']['git_commit'][:12]}` "
        + source_note(results["source"]) +
        "Every figure is in `bench/results.json` (`goals`); `bench/README.md` says how each is measured.",
        "",
        f"Goals of issue 19: each ratio's two sides ran interleaved {ROUNDS} times; the value is the median of the "
        "pairwise ratios, the spread their min..max. *not resolved*: the spread straddles the goal.",
        "",
        "| id | ratio | value | spread (min..max) | goal | status | side A: per s, CPU us/event | "
        "side B: per s, CPU us/event |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for gid, entry in flat_goals(results["goals"]):
        name = GOAL_NAMES[gid.split()[0]]
        goal = f"{entry['goal_kind']} {entry['goal']}"
        if entry["status"] == "failed":
            lines.append(f"| {gid} | {name} | — | — | {goal} | failed: {entry['error'][:160]} | | |")
            continue
        spread = f"{entry['spread']['min']}..{entry['spread']['max']}"
        sides = [f"{side}: {s['per_s_median']:,.0f}, {s['cpu_us_per_event_median']:,.0f} us"
                 for side, s in entry.get("sides", {}).items()]
        if "rss_mib" in entry:  # memory: one process
            sides = [f"RSS {entry['rss_mib']['after_first']} MiB after {entry['events']['first']:,}",
                     f"{entry['rss_mib']['after_total']} MiB after {entry['events']['total']:,}"]
        elif not sides:  # P5: one side, the worker
            sides = [f"worker at {entry['achieved_rate_events_per_s']:,.0f}/s: "
                     f"{entry['worker_cpu_us_per_event']:,.0f} us", ""]
        lines.append(f"| {gid} | {name} | {entry['value']} | {spread} | {goal} | {entry['status']} | "
                     f"{sides[0]} | {sides[1]} |")
    lines += ["", "Stages (a stage re-run alone with `--only` shows its own end time and load):", "",
              "| stage | seconds | timeout | ended | load average at its end | error |", "|---|---|---|---|---|---|"]
    for name, st in results["stages"].items():
        lines.append(f"| {name} | {st['seconds']} | {st['timeout_seconds']} | {st.get('ended', '')} | "
                     f"{st.get('load_average_1m_at_end', '')} | {(st['error'] or '')[:160]} |")
    if "national_scale" in results and "national" in results and "lists" in results:
        lines += national_doc(results)
    lines.append("")
    return "\n".join(lines)


def source_note(source: dict[str, Any]) -> str:
    """Which code ran: the checkout's, or (PYTHONPATH) a snapshot of the commit while others edit the checkout."""
    if source["pzh_shared_from"].startswith(str(BENCH_DIR.parent)):
        return (f"({source['checkout_paths_changed_in_services_shared']} paths under services/ and shared/ "
                "differed from it). ")
    return (f"(packages imported from a snapshot of that commit, `{Path(source['pzh_shared_from']).parent}` via "
            "PYTHONPATH, not from the checkout, whose services/ and shared/ others were editing). ")


def national_doc(results: dict[str, Any]) -> list[str]:
    nat_run = results.get("national_run")
    when = (f"run {nat_run['date']}, load average {nat_run['load_average_1m_at_start']}" if nat_run
            else "figures from before issue 19 split it off, dated in bench/README.md")
    lines = [
        "",
        f"National size (`make bench-national`, {when}; not part of `make bench`):",
        "",
        "| goal | measured | goal | met |",
        "|---|---|---|---|",
    ]
    for name, path, goal in NATIONAL_GOALS:
        value = _get(results, path)
        shown = "not measured" if value is None else f"{value:.3f}"
        met = "—" if value is None else ("yes" if value < goal else "no")
        lines.append(f"| {name} | {shown} | < {goal} | {met} |")
    nat = results["national_scale"]
    country, smaller = nat["country"], nat["smaller_country"]
    lines += [
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
    return lines


# -- driver -----------------------------------------------------------------------------------

def write_results(results: dict[str, Any]) -> None:
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(RESULTS)


def previous_results() -> dict[str, Any]:
    try:
        return json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes and short wrk runs (still 5 rounds)")
    parser.add_argument("--profile", action="store_true", help="also profile one relay drain (bench/relay_profile.txt)")
    parser.add_argument("--only", action="append", default=[], metavar="STAGE",
                        help="run only this stage (repeatable); the others keep their previous results")
    parser.add_argument("--memory", action="store_true",
                        help="only the memory stage (make bench-memory): RSS after 1,000,000 events / after 100,000")
    parser.add_argument("--national", action="store_true",
                        help="only the national-size steps (make bench-national): national_scale, national, lists")
    parser.add_argument("--country-fraction", type=float, default=None,
                        help="with --national: size of the synthetic country as a fraction of 38,000 townships / "
                             "600,000 villages (default 1, quick 0.1)")
    parser.add_argument("--stores-fraction", type=float, default=None,
                        help="with --national: size of the country the read-model roll-ups are timed on "
                             "(default 0.2, quick 0.02)")
    args = parser.parse_args()
    if args.memory:
        args.only.append("memory")
    previous = previous_results()
    work = Path(tempfile.mkdtemp(prefix="pzh-bench-"))
    try:
        if args.national:
            write_results(previous | national_stages(work, args.quick, args.country_fraction, args.stores_fraction))
            print(f"wrote the national keys of {RESULTS}")
            return
        results = bench(work, args, previous)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_results(results)
    if not args.quick and results["mode"] == "full":
        PERFORMANCE_DOC.write_text(performance_doc(results), encoding="utf-8")
    print()
    for gid, entry in flat_goals(results["goals"]):
        shown = entry.get("error", "")[:100] if entry["status"] == "failed" else (
            f"{entry['value']} ({entry['spread']['min']}..{entry['spread']['max']})")
        print(f"{gid:12} {entry['status']:13} {shown}  goal {entry['goal_kind']} {entry['goal']}")
    print(f"wrote {RESULTS}")


def bench(work: Path, args: argparse.Namespace, previous: dict[str, Any]) -> dict[str, Any]:
    # The relay process installs an SDK tracer provider (no exporter unless configured); so do we.
    setup_telemetry("bench")
    results: dict[str, Any] = {"machine": machine_info(), "source": source_info(),
                               "mode": "quick" if args.quick else "full", "rounds": ROUNDS,
                               "goals_shape": GOALS_SHAPE, "goals": {}, "stages": {}}
    # Kept from earlier runs: the national-size figures (make bench-national), and with --only the other stages.
    for key in NATIONAL_KEYS + ("national_run",):
        if key in previous:
            results[key] = previous[key]
    broker = KafkaBroker()
    wall = time.perf_counter()
    broker_error = None
    try:
        try:
            t0 = time.perf_counter()
            bootstrap = broker.start()
            results["broker_start_seconds"] = rnd(time.perf_counter() - t0, 2)
            print(f"Kafka {results['machine']['kafka_version']} at {bootstrap} "
                  f"(started in {results['broker_start_seconds']} s)")
        except Exception as exc:  # noqa: BLE001 - recorded as every Kafka stage's error; the rest still runs
            bootstrap, broker_error = "", f"{type(exc).__name__}: {exc}"
        done: dict[str, Any] = results
        todo = stages(bootstrap, work, Sizes.of(args.quick), args.profile, done)
        if args.only:
            unknown = set(args.only) - {s.name for s in todo}
            if unknown:
                raise SystemExit(f"unknown stage(s) {sorted(unknown)}: {[s.name for s in todo]}")
            for key in ("goals", "stages"):
                results[key] = previous.get(key, {})
            for stage in todo:
                if stage.name not in args.only and stage.name in previous:
                    results[stage.name] = previous[stage.name]
            todo = [s for s in todo if s.name in args.only]
        else:
            todo = [s for s in todo if s.name != "memory"]
        run_stages(todo, results, broker_error)
    finally:
        broker.stop()
    if args.only and "machine" in previous:
        # The run's header (machine, commit, mode, wall time) stays the full run's; the re-run stages say
        # their own date and load in `stages`.
        for key in ("machine", "source", "mode", "total_wall_seconds"):
            results[key] = previous.get(key)
        return results
    results["total_wall_seconds"] = rnd(time.perf_counter() - wall, 1)
    results["machine"]["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    return results


if __name__ == "__main__":
    main()
