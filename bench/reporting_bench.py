"""The reporting service's benchmark figures (issue 7 / issue 9): projection worker vs. a plain Faust
agent, rebuild vs. a raw paged read of the same log, and lag at half of sustained capacity.
Called by bench/run.py on its broker; see bench/README.md."""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from pzh_shared.envelope import Envelope, dlq_topic, encode
from pzh_shared.kafka import ensure_topics, make_producer, topic_partitions
from reporting.consumers.rebuild import rebuild
from reporting.consumers.worker import SOURCE_TOPICS
from reporting.scenario import build

BENCH_DIR = Path(__file__).resolve().parent
READ_PAGE = 2000  # rebuild's page size; the raw read uses the same


def scaled_events(
    n: int, first_year: int, step: int = -1, exclude: frozenset[str] = frozenset()
) -> list[tuple[str, Envelope]]:
    """n distinct events from successive synthetic years of reporting.scenario (one year is ~1,100
    events), each year with its own seed and dates; an event a later year repeats (the same area
    registered again) is left out, so every event is new to the read models."""
    events: list[tuple[str, Envelope]] = []
    seen: set[str] = set(exclude)
    k = 0
    while len(events) < n:
        for topic, envelope in build(seed=1000 + first_year + k * step, year=first_year + k * step).events:
            if envelope.id not in seen:
                seen.add(envelope.id)
                events.append((topic, envelope))
        k += 1
    return events[:n]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


async def publish(bootstrap: str, events: list[tuple[str, Envelope]], rate: float | None = None) -> dict[str, float]:
    """Publishes keyed by aggregate id as the relays do; with `rate`, paced at that many events/s.
    Returns each event's publish time (unix seconds, taken just before send)."""
    producer = make_producer(bootstrap)
    await producer.start()
    sent: dict[str, float] = {}
    try:
        encoded = [(topic, envelope.id, *encode(envelope)) for topic, envelope in events]
        futures = []
        started = time.perf_counter()
        for i, (topic, event_id, key, value, headers) in enumerate(encoded):
            if rate is not None:
                delay = started + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            sent[event_id] = time.time()
            futures.append(await producer.send(topic, value, key=key, headers=headers))
            if len(futures) >= 500:
                await asyncio.gather(*futures)
                futures = []
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return sent


class Consumer:
    """One bench/projection_worker.py process (a fresh consumer group and store) and its done-log."""

    def __init__(self, mode: str, bootstrap: str, work: Path):
        self.mode = mode
        self.dir = work / f"{mode}-{uuid.uuid4().hex[:6]}"
        self.dir.mkdir(parents=True)
        self.log = self.dir / "done.log"
        self.log.touch()
        env = dict(os.environ, REPORTING_KAFKA_BOOTSTRAP=bootstrap, REPORTING_DATA_DIR=str(self.dir),
                   REPORTING_APP_ID=f"bench-{mode}-{uuid.uuid4().hex[:8]}", BENCH_DONE_LOG=str(self.log),
                   REPORTING_BROKER_SESSION_TIMEOUT="6", PYTHONUNBUFFERED="1",
                   REPORTING_SCHEDULE_CRON="")  # projection only: no scheduled report generation mid-measurement
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "projection_worker.py"), mode],
            env=env,
            cwd=self.dir,
            stdout=open(self.dir / "out.log", "ab"),
            stderr=subprocess.STDOUT,
        )
        self._offset = 0
        self.done: dict[str, float] = {}

    def read(self) -> None:
        with self.log.open() as fh:
            fh.seek(self._offset)
            chunk = fh.read()
        end = chunk.rfind("\n") + 1  # a line being written is read next time
        self._offset += len(chunk[:end].encode())
        for line in chunk[:end].splitlines():
            stamp, *ids = line.split()
            for event_id in ids:
                self.done.setdefault(event_id, float(stamp))

    async def wait_for(self, ids: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ids <= self.done.keys():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.mode} process exited {self.proc.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.mode}: {len(ids & self.done.keys())}/{len(ids)} events after {timeout} s:\n{self.tail()}"
                )
            await asyncio.sleep(0.1)
            self.read()

    def tail(self) -> str:
        return "\n".join((self.dir / "out.log").read_text(errors="replace").splitlines()[-15:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def rate_first_to_last(done: dict[str, float]) -> dict[str, float]:
    """Events done after the first stamp, over the time from the first stamp to the last: group join
    and the first fetch are outside, as are the events done at the first stamp (a whole first batch
    for the worker, one event for the plain agent). Every event on the topics counts (the bench's
    own and any an earlier measurement left there): both consumers read them all."""
    stamps = list(done.values())
    first, last = min(stamps), max(stamps)
    after_first = sum(1 for s in stamps if s > first)
    return {"seconds": last - first, "events_timed": after_first, "events_per_s": after_first / (last - first)}


async def projection(bootstrap: str, work: Path, n: int, reps: int) -> dict[str, Any]:
    topics = {name: 3 for name in SOURCE_TOPICS} | {dlq_topic(name): 3 for name in SOURCE_TOPICS}
    await ensure_topics(bootstrap, topics)
    events = scaled_events(n, first_year=2024)
    ids = {envelope.id for _, envelope in events}
    await publish(bootstrap, events)
    runs: dict[str, list[dict[str, float]]] = {"plain": [], "worker": []}
    for r in range(reps):
        for mode in ("plain", "worker"):  # alternating, so drift in the shared machine's load hits both
            consumer = Consumer(mode, bootstrap, work)
            try:
                await consumer.wait_for(ids, timeout=300)
            finally:
                consumer.stop()
            result = rate_first_to_last(consumer.done)
            runs[mode].append(result)
            print(f"  run {r + 1}: {mode:6} {result['events_per_s']:>8,.0f} events/s")
    plain = statistics.median(x["events_per_s"] for x in runs["plain"])
    worker = statistics.median(x["events_per_s"] for x in runs["worker"])
    by_topic = {}
    for topic, _ in events:
        by_topic[topic] = by_topic.get(topic, 0) + 1
    return {
        "projection": {
            "params": {
                "events": n,
                "events_by_topic": by_topic,
                "partitions_per_topic": 3,
                "repetitions": reps,
                "source": (
                    "reporting.scenario years (seeds 1000+year), keyed by aggregate id, published before the "
                    "consumers start"
                ),
                "timing": "first to last event done, events done at the first stamp excluded",
                "worker": "reporting.consumers.worker.create_worker_app on a SQLite ReadModelStore, one process",
                "plain": "faust agent per topic, `async for value in stream: decode(value)`, same app settings",
            },
            "events_on_topics": len(consumer.done),
            "worker_events_per_s": round(worker, 1),
            "plain_faust_events_per_s": round(plain, 1),
            "runs_worker_events_per_s": [round(x["events_per_s"], 1) for x in runs["worker"]],
            "runs_plain_faust_events_per_s": [round(x["events_per_s"], 1) for x in runs["plain"]],
        },
        "ratio_projection_to_plain_faust": round(worker / plain, 3),
        "_events": events,
    }


async def raw_read(bootstrap: str, topics: tuple[str, ...]) -> int:
    """The baseline of rebuild: the same partitions from the beginning to the end offsets taken at
    the start, with getmany pages of the same size, records counted and dropped."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    seen = 0
    try:
        partitions = await topic_partitions(bootstrap, topics)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000, max_records=READ_PAGE)
            for tp, records in batches.items():
                seen += sum(1 for record in records if record.offset < ends[tp])
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return seen


async def rebuild_vs_raw(bootstrap: str, work: Path, reps: int) -> dict[str, Any]:
    raw_runs, rebuild_runs = [], []
    for r in range(reps):
        t0 = time.perf_counter()
        seen = await raw_read(bootstrap, SOURCE_TOPICS)
        raw_runs.append(seen / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        counts = await rebuild(bootstrap, SOURCE_TOPICS, work / f"rebuild-{r}.sqlite", page=READ_PAGE)
        rebuild_runs.append(counts["messages"] / (time.perf_counter() - t0))
        if counts["messages"] != seen or counts["rejected"]:
            raise RuntimeError(f"rebuild read {counts}, the raw read {seen} messages")
        print(f"  run {r + 1}: raw read {raw_runs[-1]:>8,.0f} msg/s   rebuild {rebuild_runs[-1]:>7,.0f} events/s")
    raw, rebuilt = statistics.median(raw_runs), statistics.median(rebuild_runs)
    return {
        "rebuild": {
            "params": {
                "messages": seen,
                "topics": list(SOURCE_TOPICS),
                "page": READ_PAGE,
                "repetitions": reps,
                "rebuild": (
                    "reporting.consumers.rebuild.rebuild into a fresh SQLite store (the logic of "
                    "`python -m reporting rebuild`)"
                ),
                "raw_read": "aiokafka, no group, partitions assigned, seek to beginning, getmany to the end offsets",
            },
            "rebuild_events_per_s": round(rebuilt, 1),
            "raw_read_messages_per_s": round(raw, 1),
            "runs_rebuild_events_per_s": [round(x, 1) for x in rebuild_runs],
            "runs_raw_read_messages_per_s": [round(x, 1) for x in raw_runs],
        },
        "ratio_rebuild_to_raw_read": round(rebuilt / raw, 3),
    }


async def lag_at_half_capacity(
    bootstrap: str, work: Path, backlog: set[str], capacity: float, seconds: float
) -> dict[str, Any]:
    """A fresh worker first catches up on what is on the topics; then events are published at half
    the worker's sustained capacity (measured above) for `seconds`, and each event's lag is the time
    from just before it was sent to the commit of the batch that applied it."""
    rate = capacity / 2
    events = scaled_events(int(rate * seconds), first_year=2100, step=1, exclude=frozenset(backlog))
    consumer = Consumer("worker", bootstrap, work)
    try:
        await consumer.wait_for(backlog, timeout=300)
        sent = await publish(bootstrap, events, rate=rate)
        send_seconds = max(sent.values()) - min(sent.values())
        await consumer.wait_for(set(sent), timeout=120)
    finally:
        consumer.stop()
    lags = [consumer.done[i] - t for i, t in sent.items()]
    result = {
        "params": {
            "capacity_events_per_s": round(capacity, 1),
            "rate_events_per_s": round(rate, 1),
            "events": len(events),
            "seconds_planned": seconds,
            "seconds_sending": round(send_seconds, 2),
            "lag": "publish (just before producer.send) -> commit of the read-model transaction that applied it",
        },
        "achieved_rate_events_per_s": round(len(events) / send_seconds, 1),
        "lag_seconds": {
            "p50": round(_percentile(lags, 50), 3),
            "p99": round(_percentile(lags, 99), 3),
            "max": round(max(lags), 3),
        },
    }
    print(f"  lag at {rate:,.0f} events/s: p50 {result['lag_seconds']['p50']} s, p99 {result['lag_seconds']['p99']} s, "
          f"max {result['lag_seconds']['max']} s")
    return result


async def measure(bootstrap: str, work: Path, n: int, reps: int, lag_seconds: float) -> dict[str, Any]:
    out = await projection(bootstrap, work, n, reps)
    events = out.pop("_events")
    out |= await rebuild_vs_raw(bootstrap, work, reps)
    out["lag_at_half_capacity"] = await lag_at_half_capacity(
        bootstrap, work, {envelope.id for _, envelope in events}, out["projection"]["worker_events_per_s"], lag_seconds)
    return out
