"""Memory (issue 19): the RSS of the relay process (`python -m registry relay`) and of the projection worker
(bench/projection_worker.py worker, the real worker app) after 1,000,000 events relayed and projected,
against their RSS after the first 100,000; goal: within 1.2 x. Too long for `make bench`'s 20 minutes (the
worker alone takes several minutes for a million events here): `make bench-memory` (`bench/run.py --memory`).

The registry's store is prefilled in bulk as for P7 (command_path.prefill_store); then the relay and a fresh
worker run at once, and the bench polls the end offsets of registry.events (relayed) and the worker's
committed offsets on it (projected) and reads each process's VmRSS from /proc when it passes each mark."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from command_path import prefill_store
from localinfra.platform import Platform
from paired import goal_entry
from pzh_shared.kafka import topic_partitions
from registry.settings import RegistrySettings
from reporting_bench import Consumer

TOPIC = "registry.events"


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for process {pid}")


async def progress(consumer: AIOKafkaConsumer, parts: list[TopicPartition]) -> tuple[int, int]:
    """(messages on the topic, messages the consumer's group has committed past) over its partitions."""
    ends = await consumer.end_offsets(parts)
    committed = [await consumer.committed(tp) or 0 for tp in parts]
    return sum(ends.values()), sum(committed)


async def watch(bootstrap: str, group: str, procs: dict[str, subprocess.Popen[bytes]], labels: dict[int, str],
                marks: dict[str, dict[str, float]], started: float) -> None:
    """Polls progress every second and notes each process's RSS when it passes each mark."""
    parts: list[TopicPartition] = []
    while not parts:  # the relay creates its topic when it starts
        try:
            parts = await topic_partitions(bootstrap, [TOPIC])
        except KafkaError:
            await asyncio.sleep(1)
    # Assigned, not subscribed: the bench reads the worker group's committed offsets without joining it.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    consumer.assign(parts)
    try:
        while any(len(m) < 2 * len(labels) for m in marks.values()):
            for name, proc in procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited {proc.returncode}")
            relayed, projected = await progress(consumer, parts)
            for name, done in (("relay", relayed), ("projection_worker", projected)):
                for mark, label in labels.items():
                    if done >= mark and label not in marks[name]:
                        marks[name][label] = rss_mib(procs[name].pid)
                        marks[name][f"{label}_at_s"] = round(time.perf_counter() - started, 1)
                        print(f"  {name}: {done:,} events, RSS {marks[name][label]} MiB", flush=True)
            await asyncio.sleep(1)
    finally:
        await consumer.stop()


def measure(bootstrap: str, work: Path, total: int = 1_000_000, first: int = 100_000) -> dict[str, Any]:
    store = work / "memory"
    filled = prefill_store(RegistrySettings(data_dir=store), total)
    print(f"  prefilled {filled['events']:,} events in {filled['seconds']} s")
    plat = Platform(bootstrap, store)
    marks: dict[str, dict[str, float]] = {"relay": {}, "projection_worker": {}}
    consumer: Consumer | None = None
    started = time.perf_counter()
    try:
        plat.start("registry-relay")
        consumer = Consumer("worker", bootstrap, work / "memory-worker")
        procs = {"relay": plat.procs["registry-relay"], "projection_worker": consumer.proc}
        asyncio.run(watch(bootstrap, consumer.app_id, procs, {first: "after_first", total: "after_total"}, marks,
                          started))
    finally:
        if consumer is not None:
            consumer.stop()
        plat.stop_all()
    goals = {name: goal_entry([m["after_total"] / m["after_first"]], 1.2, "max",
                              what=f"RSS after {total:,} events / after {first:,}",
                              rss_mib={"after_first": m["after_first"], "after_total": m["after_total"]},
                              events={"first": first, "total": total})
             for name, m in marks.items()}
    return {"goal": goals, "prefill": filled, "marks": marks,
            "params": {"events": total, "first_mark": first, "topic": TOPIC,
                       "relay": "python -m registry relay (localinfra.platform)",
                       "worker": "bench/projection_worker.py worker, progress = its committed offsets"}}
