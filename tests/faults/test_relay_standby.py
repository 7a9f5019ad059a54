"""Two registry relays on PostgreSQL (issue 16, item 5): one holds the lease (an advisory lock) and
publishes, the other stands by. The active one is SIGKILLed mid-stream at the worst instant (a page
acknowledged by the broker, its checkpoint not saved: tests/crash_points.py); the standby takes the
lease and publishes within 5 s, resuming at the stored checkpoint. Nothing is lost (every station's
event is on the topic), the republished page is a duplicate on the topic, and the reporting worker
(a consumer) counts each station once."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import psycopg
import pytest
from localinfra.topics import end_offsets
from pzh_shared.envelope import decode

from .conftest import fault_platform, import_villages, open_rooms, read_topic, wait_for

CRASH_POINTS = Path(__file__).resolve().parents[1] / "crash_points.py"
TOWNSHIPS = ["510411921", "510411922"]
PER_TOWNSHIP = 300
TOTAL = len(TOWNSHIPS) * PER_TOWNSHIP
# The relay's first pages carry the imported areas (600 villages: two pages); the stream's pages follow
# (small ones: the stream is slower than the relay), so the 8th publishing page is well inside the stream.
CRASH_AT_PAGE = 8
TAKEOVER_LIMIT_S = 5.0


def _fresh_database(pg) -> str:
    """A database of this test alone: the advisory lock and the registry's tables are per database."""
    name = f"relay_standby_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def _log_says(path: Path, text: str) -> bool:
    return path.exists() and text in path.read_text(errors="replace")


def _published(bootstrap: str) -> int:
    return sum(asyncio.run(end_offsets(bootstrap, ("registry.events",))).values())


def _rooms(url: str, township: str) -> int:
    reply = httpx.get(f"{url}/read-models/stations/{township}", headers={"x-user": "fault-tests"}, timeout=30)
    return reply.json()["stations"]["village_room"] if reply.status_code == 200 else -1


@pytest.mark.timeout(900)
def test_standby_relay_takes_over_within_5s_losing_nothing(kafka_bootstrap, postgres_server, tmp_path,
                                                           record_property):
    pg = postgres_server
    env = {"REGISTRY_EVENT_STORE": "postgres", "REGISTRY_POSTGRES_HOST": pg.host,
           "REGISTRY_POSTGRES_PORT": str(pg.port), "REGISTRY_POSTGRES_DBNAME": _fresh_database(pg),
           "REGISTRY_POSTGRES_USER": pg.user, "REGISTRY_POSTGRES_PASSWORD": pg.password}
    platform = fault_platform(kafka_bootstrap, tmp_path, f"reporting-standby-{uuid.uuid4().hex[:6]}", **env)
    active_log = platform.log_dir / "registry-relay-active.log"
    standby_log = platform.log_dir / "registry-relay-2.log"
    answers: dict[str, str] = {}
    failures: list[str] = []
    active = None
    try:
        platform.start("registry-api")
        import_villages(platform.url("registry-api"), TOWNSHIPS, PER_TOWNSHIP, "备援镇")
        with active_log.open("ab") as log:
            active = subprocess.Popen(
                [sys.executable, str(CRASH_POINTS), "relay-before-checkpoint", str(CRASH_AT_PAGE), "registry", "relay"],
                env=platform.env_for("registry-relay"), stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: _log_says(active_log, "taken"), timeout=60, explain=lambda: active_log.read_text())
        platform.start_replica("registry-relay", 2)
        for name in ("reporting-api", "reporting-worker"):
            platform.start(name)
        time.sleep(3)  # the standby has tried the lease a few times by now
        assert not _log_says(standby_log, "taken"), "two relays hold the lease"

        stream = open_rooms(platform.url("registry-api"), TOWNSHIPS, PER_TOWNSHIP, answers, failures, senders=4,
                            pause=0.01)
        commands = threading.Thread(target=lambda: asyncio.run(stream))
        commands.start()
        assert active.wait(timeout=300) == -signal.SIGKILL, active_log.read_text()
        killed, killed_at = time.monotonic(), len(answers)
        on_topic_at_kill = _published(kafka_bootstrap)
        wait_for(lambda: _published(kafka_bootstrap) > on_topic_at_kill, timeout=60, interval=0.1,
                 explain=lambda: platform.tail("registry-relay#2"))
        takeover = time.monotonic() - killed
        assert _log_says(standby_log, "taken")

        commands.join(timeout=600)
        assert not commands.is_alive() and not failures, failures[:5]
        assert len(answers) == TOTAL and 0 < killed_at < TOTAL, (killed_at, len(answers))
        mine = set(answers.values())

        def opened_on_topic() -> Counter[str]:
            # Only this test's stations (the key is the aggregate id): other tests on the session's broker put
            # their own messages on registry.events, poison ones among them.
            records = asyncio.run(read_topic(kafka_bootstrap, "registry.events"))
            envelopes = (decode(r.value) for r in records if r.key and r.key.decode(errors="replace") in mine)
            return Counter(e.id for e in envelopes if e.type == "registry.station.opened.v1" and e.subject in mine)

        wait_for(lambda: len(opened_on_topic()) == TOTAL, timeout=120, interval=1)
        on_topic = opened_on_topic()
        duplicates = sum(on_topic.values()) - len(on_topic)
        reporting = platform.url("reporting-api")
        wait_for(lambda: sum(_rooms(reporting, t) for t in TOWNSHIPS) == TOTAL, timeout=300, interval=1)
        time.sleep(2.0)  # a late duplicate would be projected by now
        projected = sum(_rooms(reporting, t) for t in TOWNSHIPS)
        record_property("reliability", {"commands": TOTAL, "answered before the kill": killed_at,
                                        "s from SIGKILL to the standby publishing": round(takeover, 2),
                                        "station events on the topic": sum(on_topic.values()),
                                        "duplicates on the topic": duplicates, "projected": projected})
        assert takeover < TAKEOVER_LIMIT_S, f"the standby published {takeover:.1f} s after the kill"
        assert duplicates > 0, "the standby republished the page whose checkpoint the active relay never saved"
        assert projected == TOTAL
    finally:
        if active is not None and active.poll() is None:
            active.kill()
            active.wait()
        platform.stop_all()
