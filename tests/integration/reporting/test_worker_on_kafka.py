"""The reporting worker on the real Kafka broker, consuming all four topics: a synthetic year of
registry, talent, casework and funding events published keyed by aggregate id, the worker killed
(SIGKILL) right after a read-model transaction and before its offsets were committed
(tests/crash_points.py) and restarted, part of the stream published again (as a relay does after a
crash), a poison message on one topic: every event is projected once, and rebuilding from the
topics gives read models equal to the live ones."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import TopicPartition
from localinfra.topics import committed_offsets, publish_each, read_topic
from localinfra.waiting import wait_for
from pzh_shared.envelope import header_map
from pzh_shared.kafka import ensure_topics
from reporting.adapters.store import ReadModelStore
from reporting.consumers.rebuild import rebuild
from reporting.consumers.worker import SOURCE_TOPICS
from reporting.scenario import build

CRASH_POINTS = Path(__file__).resolve().parents[2] / "crash_points.py"
CRASH_AT_APPLY = 5  # batches of 50: a few hundred events into the stream


def _applied_ids(path: Path) -> set[str]:
    if not path.exists():
        return set()
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return {row[0] for row in conn.execute("SELECT event_id FROM processed_events")}
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return set()


def _processed(path: Path, ids: set[str]) -> int:
    return len(_applied_ids(path) & ids)


async def _applied_beyond_committed(bootstrap: str, group: str, live: Path) -> int:
    """Events already in the read models whose messages lie at or after the group's committed offset
    of their partition: the consumer will get them again."""
    committed = await committed_offsets(bootstrap, group)
    applied = _applied_ids(live)
    beyond = 0
    for topic in SOURCE_TOPICS:
        for record in await read_topic(bootstrap, topic):
            tp = TopicPartition(record.topic, record.partition)
            if record.offset >= committed.get(tp, 0) and header_map(record.headers).get("ce_id") in applied:
                beyond += 1
    return beyond


@pytest.fixture(scope="module")
def kafka_bootstrap():
    """A broker of this module's own. The scenario registers the five counties under area ids of its
    own, while the e2e platform registers them under the registry's (uuid5 of the code): two
    aggregates for one area code, which the registry never produces, would make the live read model
    depend on how the partitions interleave, and so differ from a rebuild for a reason that is not
    the worker's."""
    from localinfra.kafka import KafkaBroker

    broker = KafkaBroker()
    broker.start()
    yield broker.bootstrap
    broker.stop()


def test_worker_projects_all_four_topics_survives_a_kill_and_equals_a_rebuild(
    kafka_bootstrap, tmp_path, record_property
):
    scenario = build(seed=99)
    ids = {e.id for _, e in scenario.events}
    assert {topic for topic, _ in scenario.events} == set(SOURCE_TOPICS)
    asyncio.run(ensure_topics(kafka_bootstrap, {t: 3 for t in SOURCE_TOPICS} | {f"{t}.dlq": 3 for t in SOURCE_TOPICS}))
    env = dict(os.environ, REPORTING_KAFKA_BOOTSTRAP=kafka_bootstrap, REPORTING_DATA_DIR=str(tmp_path),
               REPORTING_APP_ID=f"reporting-test-{uuid.uuid4().hex[:8]}", REPORTING_BROKER_SESSION_TIMEOUT="6",
               REPORTING_BATCH_SIZE="50", PYTHONUNBUFFERED="1")
    live = tmp_path / "reporting.sqlite"

    def start(*crash_point: str) -> subprocess.Popen:
        launcher = [str(CRASH_POINTS), *crash_point] if crash_point else ["-m"]
        return subprocess.Popen([sys.executable, *launcher, "reporting", "worker"], env=env, cwd=tmp_path,
                                stdout=open(tmp_path / "worker.log", "ab"), stderr=subprocess.STDOUT)

    # SIGKILLed right after its CRASH_AT_APPLY-th read-model transaction, before Faust commits the
    # batch's offsets: the events of that batch (at least) are in the read models and will come again.
    worker = start("worker-after-apply", str(CRASH_AT_APPLY))
    try:
        asyncio.run(publish_each(kafka_bootstrap, scenario.events, poison_topic="casework.events"))
        assert worker.wait(timeout=180) == -signal.SIGKILL, (tmp_path / "worker.log").read_text(errors="replace")
        projected_at_kill = _processed(live, ids)
        applied_not_committed = asyncio.run(_applied_beyond_committed(kafka_bootstrap, env["REPORTING_APP_ID"], live))
        assert applied_not_committed > 0, "the crash point: events in the read models whose offsets were not committed"
        restarted = time.monotonic()
        asyncio.run(
            publish_each(kafka_bootstrap, scenario.events[:200], poison_topic="casework.events")
        )  # a relay's republish after a crash
        worker = start()
        wait_for(lambda: _processed(live, ids) == len(ids), timeout=180, what="every event projected")
        record_property(
            "reliability",
            {
                "events sent": len(scenario.events),
                "republished": 200,
                "projected at the kill": projected_at_kill,
                "applied but offset not committed at the kill (redelivered)": applied_not_committed,
                "projected": _processed(live, ids),
                "s from restart to all projected": round(time.monotonic() - restarted, 1),
            },
        )

        last: dict = {}

        def equal() -> bool:
            fresh = tmp_path / f"rebuild-{uuid.uuid4().hex[:6]}.sqlite"
            counts = asyncio.run(rebuild(kafka_bootstrap, SOURCE_TOPICS, fresh))
            assert counts["rejected"] >= 1  # the poison message
            a, b = ReadModelStore(fresh), ReadModelStore(live)
            try:
                last["rebuilt"], last["live"] = a.dump(), b.dump()
                return last["rebuilt"] == last["live"]
            finally:
                a.close()
                b.close()

        try:
            wait_for(
                equal, timeout=120, what="rebuild equal to live"
            )  # other tests' events on the same topics may still be arriving
        except AssertionError:
            # name the rows that differ, so a failure says which read model and which event
            diff = {
                table: (
                    sorted(set(rows) - set(last["live"][table]), key=repr)[:5],
                    sorted(set(last["live"][table]) - set(rows), key=repr)[:5],
                )
                for table, rows in last["rebuilt"].items()
                if rows != last["live"][table]
            }
            raise AssertionError(f"rebuild differs from live (table: only rebuilt, only live): {diff}") from None
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    mine = {s["station_id"] for s in scenario.truth["stations"]}
    conn = sqlite3.connect(live)
    try:
        # open: opened and never closed or merged, i.e. counted in the dated station facts on any later day
        still_open = {row[0] for row in conn.execute(
            "SELECT station_id FROM facts WHERE figure = 'stations' GROUP BY station_id HAVING SUM(amount) > 0")} & mine
        directory = {row[0] for row in conn.execute("SELECT station_id FROM station_directory")} & mine
    finally:
        conn.close()
    assert still_open == {s["station_id"] for s in scenario.truth["stations"] if s["closed_on"] is None}
    assert directory == mine
