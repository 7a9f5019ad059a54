"""The reporting service's goals of issue 19: P2 projection worker / a plain Faust agent, P3 rebuild / a raw
paged read of the same log (both interleaved through bench/paired.py), P5 lag at half of sustained capacity.
Called by bench/run.py on its broker, one stage each; see bench/README.md."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from paired import Run, goal_entry, interleave, proc_cpu_seconds, ratio_goal
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
        self.app_id = f"bench-{mode}-{uuid.uuid4().hex[:8]}"  # also its consumer group
        env = dict(os.environ, REPORTING_KAFKA_BOOTSTRAP=bootstrap, REPORTING_DATA_DIR=str(self.dir),
                   REPORTING_APP_ID=self.app_id, BENCH_DONE_LOG=str(self.log),
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
        # (CPU seconds, events done) when events were first seen done, and CPU seconds when all were
        self.cpu_from: tuple[float, int] = (0.0, 0)
        self.cpu_to = 0.0

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
            if self.done and not self.cpu_from[1]:
                self.cpu_from = (proc_cpu_seconds(self.proc.pid), len(self.done))
        self.cpu_to = proc_cpu_seconds(self.proc.pid)

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


def timed_run(consumer: Consumer) -> Run:
    """Events done after the first stamp, over the time from the first stamp to the last: group join
    and the first fetch are outside, as are the events done at the first stamp (a whole first batch
    for the worker, one event for the plain agent). CPU: the process's user+sys time from when the
    bench first saw events done to when it saw the last, over the events done in between. Every event
    on the topics counts (the bench's own and any an earlier stage left there): both consumers read them all."""
    stamps = list(consumer.done.values())
    first, last = min(stamps), max(stamps)
    after_first = sum(1 for s in stamps if s > first)
    cpu_events = len(consumer.done) - consumer.cpu_from[1]
    return Run(after_first, last - first, (consumer.cpu_to - consumer.cpu_from[0]) * after_first / max(1, cpu_events))


def consumer_side(mode: str, bootstrap: str, work: Path, ids: set[str]) -> Callable[[int], Run]:
    def run(_round: int) -> Run:
        consumer = Consumer(mode, bootstrap, work)
        try:
            asyncio.run(consumer.wait_for(ids, timeout=300))
        finally:
            consumer.stop()
        return timed_run(consumer)

    return run


async def publish_events(bootstrap: str, n: int) -> list[tuple[str, Envelope]]:
    topics = {name: 3 for name in SOURCE_TOPICS} | {dlq_topic(name): 3 for name in SOURCE_TOPICS}
    await ensure_topics(bootstrap, topics)
    events = scaled_events(n, first_year=2024)
    await publish(bootstrap, events)
    return events


def projection(bootstrap: str, work: Path, n: int, rounds: int) -> dict[str, Any]:
    """P2: the projection worker / a plain Faust agent that decodes each event, same events, interleaved."""
    events = asyncio.run(publish_events(bootstrap, n))
    ids = {envelope.id for _, envelope in events}
    runs = interleave({"worker": consumer_side("worker", bootstrap, work, ids),
                       "plain_faust": consumer_side("plain", bootstrap, work, ids)}, rounds)
    by_topic: dict[str, int] = {}
    for topic, _ in events:
        by_topic[topic] = by_topic.get(topic, 0) + 1
    goal = ratio_goal(runs, "worker", "plain_faust", 1.0, "projection worker / plain Faust agent (decode and count)")
    return {
        "goal": goal,
        "params": {
            "events": n,
            "events_by_topic": by_topic,
            "partitions_per_topic": 3,
            "rounds": rounds,
            "source": "reporting.scenario years (seeds 1000+year), keyed by aggregate id, published before the "
                      "consumers start",
            "timing": "first to last event done, events done at the first stamp excluded",
            "cpu": "the consumer process's user+sys (/proc/<pid>/stat) while it worked through the events",
            "worker": "reporting.consumers.worker.create_worker_app on a SQLite ReadModelStore, one process",
            "plain": "faust agent per topic, `async for value in stream: decode(value)`, same app settings",
        },
        "_ids": ids,
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


def rebuild_vs_raw(bootstrap: str, work: Path, rounds: int) -> dict[str, Any]:
    """P3: rebuild / a raw paged read of the same log, interleaved; both in this process (CPU: process_time)."""
    seen: list[int] = []

    def raw(_round: int) -> Run:
        cpu, t0 = time.process_time(), time.perf_counter()
        count = asyncio.run(raw_read(bootstrap, SOURCE_TOPICS))
        seen.append(count)
        return Run(count, time.perf_counter() - t0, time.process_time() - cpu)

    def rebuilt(r: int) -> Run:
        cpu, t0 = time.process_time(), time.perf_counter()
        counts = asyncio.run(rebuild(bootstrap, SOURCE_TOPICS, work / f"rebuild-{r}.sqlite", page=READ_PAGE))
        run = Run(counts["messages"], time.perf_counter() - t0, time.process_time() - cpu)
        if counts["messages"] != seen[-1] or counts["rejected"]:
            raise RuntimeError(f"rebuild read {counts}, the raw read {seen[-1]} messages")
        return run

    runs = interleave({"raw_read": raw, "rebuild": rebuilt}, rounds)
    goal = ratio_goal(runs, "rebuild", "raw_read", 0.5, "rebuild / raw paged read of the same log")
    return {
        "goal": goal,
        "params": {
            "messages": seen[-1],
            "topics": list(SOURCE_TOPICS),
            "page": READ_PAGE,
            "rounds": rounds,
            "rebuild": "reporting.consumers.rebuild.rebuild into a fresh SQLite store (the logic of "
                       "`python -m reporting rebuild`)",
            "raw_read": "aiokafka, no group, partitions assigned, seek to beginning, getmany to the end offsets",
        },
    }


def lag_at_half_capacity(bootstrap: str, work: Path, backlog: set[str], capacity: float, seconds: float,
                         windows: int) -> dict[str, Any]:
    """P5: a fresh worker first catches up on what is on the topics; then events are published at half
    the worker's sustained capacity (P2's median) for `windows` consecutive windows of `seconds` each.
    Each event's lag is the time from just before it was sent to the commit of the batch that applied it;
    the value is the p99 over all windows, the spread the windows' own p99s."""
    rate = capacity / 2
    per_window = max(1, int(rate * seconds))
    events = scaled_events(per_window * windows, first_year=2100, step=1, exclude=frozenset(backlog))
    consumer = Consumer("worker", bootstrap, work)

    async def go() -> tuple[dict[str, float], float]:
        await consumer.wait_for(backlog, timeout=300)
        cpu = proc_cpu_seconds(consumer.proc.pid)
        sent = await publish(bootstrap, events, rate=rate)
        await consumer.wait_for(set(sent), timeout=120)
        return sent, proc_cpu_seconds(consumer.proc.pid) - cpu

    try:
        sent, cpu = asyncio.run(go())
    finally:
        consumer.stop()
    send_seconds = max(sent.values()) - min(sent.values())
    lags = [consumer.done[i] - t for i, t in sent.items()]  # in publish order
    window_p99 = [_percentile(lags[w * per_window:(w + 1) * per_window], 99) for w in range(windows)]
    goal = goal_entry(window_p99, 0.25, "max", value=_percentile(lags, 99),
                      what="p99 lag (s), command accepted -> read model updated, at half of sustained capacity")
    goal["worker_cpu_us_per_event"] = round(cpu / len(events) * 1e6, 1)
    goal["achieved_rate_events_per_s"] = round(len(events) / send_seconds, 1)
    print(f"  lag at {rate:,.0f} events/s: p99 {goal['value']} s, windows {goal['spread']['pairs']}")
    return {
        "goal": goal,
        "params": {
            "capacity_events_per_s": round(capacity, 1),
            "rate_events_per_s": round(rate, 1),
            "events": len(events),
            "windows": windows,
            "window_seconds": seconds,
            "seconds_sending": round(send_seconds, 2),
            "lag": "publish (just before producer.send) -> commit of the read-model transaction that applied it",
        },
        "lag_seconds": {"p50": round(_percentile(lags, 50), 3), "p99": round(_percentile(lags, 99), 3),
                        "max": round(max(lags), 3)},
    }
