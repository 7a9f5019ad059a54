"""Two reporting workers and two read APIs, four processes, on one PostgreSQL read model, fed by a real Kafka
broker: both workers join the group and share the partitions, both APIs answer the same figures, one worker
is SIGKILLed mid-stream and the other takes its partitions and projects the rest, and the read model equals
a rebuild from the topics (into a fresh schema, switched to in one transaction)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid

import httpx
import psycopg
import pytest
from aiokafka.errors import KafkaError
from localinfra.kafka import free_port
from localinfra.topics import group_members, publish_each
from localinfra.waiting import wait_for
from pzh_shared.kafka import ensure_topics
from reporting.adapters.postgres import PostgresReadModelStore, fresh_schema
from reporting.consumers.rebuild import rebuild
from reporting.consumers.worker import SOURCE_TOPICS
from reporting.scenario import build

FIGURES = ("stations", "talent", "cases", "money", "coverage")
AREAS = ("510400", "510402", "510421")


def _database(postgres_server) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    name = f"rm_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, postgres_server.dsn.rsplit("/", 1)[0] + f"/{name}"


def _figures(url: str) -> dict:
    with httpx.Client(base_url=url, timeout=30) as client:
        return {(f, a): client.get(f"/read-models/{f}/{a}", params={"as_of": "2024-12-31"}).json()
                for f in FIGURES for a in AREAS}


@pytest.mark.timeout(900)
def test_two_workers_and_two_apis_share_one_postgres_read_model(own_bootstrap, postgres_server, tmp_path) -> None:
    scenario = build(seed=99)
    ids = {e.id for _, e in scenario.events}
    half = len(scenario.events) // 2
    asyncio.run(ensure_topics(own_bootstrap, {t: 3 for t in SOURCE_TOPICS} | {f"{t}.dlq": 3 for t in SOURCE_TOPICS}))
    dbname, conninfo = _database(postgres_server)
    group = f"reporting-pg-{uuid.uuid4().hex[:8]}"
    base = dict(os.environ, REPORTING_KAFKA_BOOTSTRAP=own_bootstrap, REPORTING_APP_ID=group,
                REPORTING_READ_MODEL="postgres", REPORTING_POSTGRES_HOST=postgres_server.host,
                REPORTING_POSTGRES_PORT=str(postgres_server.port), REPORTING_POSTGRES_DBNAME=dbname,
                REPORTING_POSTGRES_USER=postgres_server.user, REPORTING_POSTGRES_PASSWORD=postgres_server.password,
                REPORTING_BROKER_SESSION_TIMEOUT="6", REPORTING_BATCH_SIZE="50", REPORTING_SCHEDULE_CRON="",
                PYTHONUNBUFFERED="1")
    procs: dict[str, subprocess.Popen] = {}
    ports: dict[str, int] = {}

    def start(name: str, role: str) -> None:
        data = tmp_path / name
        data.mkdir()
        env = base | {"REPORTING_DATA_DIR": str(data)}
        if role == "api":
            ports[name] = free_port()
            env["REPORTING_HTTP_PORT"] = str(ports[name])
        procs[name] = subprocess.Popen([sys.executable, "-m", "reporting", role], env=env, cwd=data,
                                       stdout=open(tmp_path / f"{name}.log", "ab"), stderr=subprocess.STDOUT)

    def logs() -> str:
        return "\n".join(f"--- {n}\n{(tmp_path / f'{n}.log').read_text(errors='replace')[-3000:]}" for n in procs)

    def projected() -> int:
        with psycopg.connect(conninfo) as conn:
            schema = conn.execute("SELECT schema_name FROM public.reporting_current").fetchone()
            if schema is None:
                return 0
            rows = conn.execute(f'SELECT event_id FROM "{schema[0]}".processed_events').fetchall()
        return len({row[0] for row in rows} & ids)

    try:
        for name, role in (("worker-1", "worker"), ("worker-2", "worker"), ("api-1", "api"), ("api-2", "api")):
            start(name, role)
        wait_for(lambda: asyncio.run(group_members(own_bootstrap, group)) == 2, timeout=180, interval=1,
                 what="both workers in the group", explain=logs, tolerate=(KafkaError,))
        asyncio.run(publish_each(own_bootstrap, scenario.events[:half]))
        wait_for(lambda: projected() == half, timeout=300, interval=0.5, what="the first half projected",
                 explain=logs)
        procs["worker-1"].send_signal(signal.SIGKILL)
        assert procs["worker-1"].wait(timeout=30) == -signal.SIGKILL
        asyncio.run(publish_each(own_bootstrap, scenario.events[half:]))
        wait_for(lambda: asyncio.run(group_members(own_bootstrap, group)) == 1, timeout=120, interval=1,
                 what="the killed worker out of the group", explain=logs, tolerate=(KafkaError,))
        wait_for(lambda: projected() == len(ids), timeout=300, interval=0.5,
                 what="every event projected by the surviving worker", explain=logs)
        for name in ("api-1", "api-2"):
            wait_for(lambda n=name: httpx.get(f"http://127.0.0.1:{ports[n]}/read-models").status_code == 200,
                     timeout=60, tolerate=(httpx.HTTPError,), explain=logs)
        first, second = _figures(f"http://127.0.0.1:{ports['api-1']}"), _figures(f"http://127.0.0.1:{ports['api-2']}")
        assert first == second
        assert first[("stations", "510400")]["total"] > 0

        verify = subprocess.run([sys.executable, "-m", "reporting", "rebuild", "--verify"], capture_output=True,
                                text=True, timeout=300, env=base | {"REPORTING_DATA_DIR": str(tmp_path)})
        assert verify.returncode == 0 and "rebuild equals live" in verify.stdout, verify.stdout + verify.stderr
        live = PostgresReadModelStore(conninfo)
        assert live.schemas() == [live.schema], "--verify drops the schema it rebuilt into"
        fresh = fresh_schema(conninfo)
        counts = asyncio.run(rebuild(own_bootstrap, SOURCE_TOPICS, fresh))
        assert counts["applied"] == len(ids)
        rebuilt = PostgresReadModelStore(conninfo, schema=fresh.schema)
        assert rebuilt.dump() == live.dump()
        previous = rebuilt.switch_to(rebuilt.schema)
        assert previous == live.schema and live.processed_count() == len(ids) and live.schema == rebuilt.schema
        assert _figures(f"http://127.0.0.1:{ports['api-2']}") == first  # the APIs now read the rebuilt schema
        for store in (live, rebuilt):
            store.close()
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
