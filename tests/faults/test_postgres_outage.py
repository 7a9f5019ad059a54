"""PostgreSQL stopped for 30 s while clients write: every answer is 201 or 503 (with Retry-After and
a Chinese message), never a success for an event that was not stored, and the registry serves
again by itself once the server is back. Runs on a PostgreSQL server of its own (the session's
server is shared with other tests)."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from .conftest import wait_for

OUTAGE_SECONDS = 30
WRITERS = 4
# One township per writer: stations of one township share an aggregate, and concurrent writers
# would meet the registry's optimistic-concurrency 409, which is not what this test is about.
TOWNSHIPS = [f"510421{940 + n}" for n in range(WRITERS)]


@dataclass
class Answer:
    sent: float
    at: float
    status: int
    station_id: str | None
    retry_after: str | None
    message: str


@pytest.fixture
def own_postgres():
    from localinfra.postgres import PostgresServer

    server = PostgresServer()
    server.start()
    yield server
    server.stop()


def test_postgres_outage_gives_503_never_a_false_success_and_recovers(kafka_bootstrap, own_postgres, tmp_path,
                                                                       record_property):
    from localinfra.platform import Platform

    pg = own_postgres
    env = {
        "REGISTRY_EVENT_STORE": "postgres",
        "REGISTRY_POSTGRES_HOST": pg.host,
        "REGISTRY_POSTGRES_PORT": str(pg.port),
        "REGISTRY_POSTGRES_DBNAME": pg.dbname,
        "REGISTRY_POSTGRES_USER": pg.user,
        "REGISTRY_POSTGRES_PASSWORD": pg.password,
        # The pool waits this long for a connection, 10 attempts per statement (default 2 s; 1 keeps
        # the test short): docs/operations.md, POSTGRES_CONNECT_TIMEOUT.
        "REGISTRY_POSTGRES_CONNECT_TIMEOUT": "1",
    }
    platform = Platform(kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, extra_env=env)
    answers: list[Answer] = []
    stop = threading.Event()

    def writer(n: int) -> None:
        with httpx.Client(
            base_url=platform.url("registry-api"), timeout=90, headers={"x-user": "fault-tests"}
        ) as client:
            i = 0
            while not stop.is_set():
                i += 1
                sent = time.monotonic()
                try:
                    reply = client.post("/stations", json={"name": f"断库站{n}-{i}", "tier": "township_station",
                                                           "area_code": TOWNSHIPS[n], "plan_only": True})
                except httpx.HTTPError as exc:  # the API itself must stay up: count it as a failure
                    answers.append(Answer(sent, time.monotonic(), 0, None, None, repr(exc)))
                    time.sleep(0.2)
                    continue
                body = reply.json() if reply.headers.get("content-type", "").startswith("application/json") else {}
                answers.append(Answer(sent, time.monotonic(), reply.status_code, body.get("station_id"),
                                      reply.headers.get("retry-after"), str(body.get("error", {}).get("message", ""))))
                if reply.status_code == 503:
                    time.sleep(0.5)  # a polite client; Retry-After says 5 s, the test wants to see recovery soon

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    try:
        platform.start("registry-api")
        with httpx.Client(
            base_url=platform.url("registry-api"), timeout=60, headers={"x-user": "fault-tests"}
        ) as client:
            for code in TOWNSHIPS:
                assert (
                    client.post(
                        "/areas", json={"code": code, "name": f"断库镇{code[-2:]}", "valid_from": "2020-01-01"}
                    ).status_code
                    == 201
                )
        for t in threads:
            t.start()
        wait_for(lambda: sum(a.status == 201 for a in answers) >= 20, timeout=120)
        pg.halt()
        stopped_at = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        pg.start()
        restarted_at = time.monotonic()
        first_success = wait_for(
            lambda: next((a.at for a in list(answers) if a.at > restarted_at and a.status == 201), None), timeout=180
        )
        wait_for(lambda: sum(a.status == 201 and a.at > first_success for a in list(answers)) >= 20, timeout=120)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
        api_alive = "registry-api" in platform.procs and platform.procs["registry-api"].poll() is None
        platform.stop_all()

    assert api_alive, "the API process died during the outage"
    timeline = [(round(a.at - stopped_at, 1), a.status) for a in answers]
    statuses = {a.status for a in answers}
    assert statuses <= {201, 503}, [(a.status, a.message) for a in answers if a.status not in (201, 503)][:5]
    unavailable = [a for a in answers if a.status == 503]
    assert unavailable, f"no request was made while PostgreSQL was down: {timeline}"
    assert all(a.retry_after and int(a.retry_after) > 0 for a in unavailable)
    assert all(a.message == "数据库暂时不可用，请求未被处理，请稍后重试" for a in unavailable)
    # requests sent once the server was down and answered before it was back: a request sent before the halt
    # may have committed before it and be answered 201 late, which is no false success (every 201's events are
    # checked to be stored below)
    during = [a for a in answers if stopped_at + 1 < a.sent and a.at < restarted_at]
    assert during, f"no request was both sent and answered while PostgreSQL was down: {timeline}"
    assert all(a.status == 503 for a in during), f"a success while PostgreSQL was down: {timeline}"

    # Every 201 names a station whose events are in PostgreSQL.
    created = {a.station_id for a in answers if a.status == 201}
    assert None not in created
    with psycopg.connect(pg.dsn) as conn:
        stored = {str(row[0]) for row in conn.execute("SELECT DISTINCT originator_id FROM registry_events")}
    missing = created - stored
    assert not missing, f"{len(missing)} answered 201 but not stored"
    record_property(
        "reliability",
        {
            "sent": len(answers),
            "answered_201": len(created),
            "answered_503": len(unavailable),
            "stored_of_201": len(created & stored),
            "outage_s": OUTAGE_SECONDS,
            "recovered_after_restart_s": round(first_success - restarted_at, 1),
            "unique_ids": len({uuid.UUID(s) for s in created}),
        },
    )
