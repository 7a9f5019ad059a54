"""Idempotency keys on the four command APIs, each a real process on its SQLite store: a command
sent three times with one key stores its events once and answers the same each time; another body
with the same key is 422; concurrent duplicates run once.

The services are called directly with X-User, as the gateway does; tests/e2e/test_idempotency_through_gateway.py
sends the key through the gateway."""

from __future__ import annotations

import base64
import concurrent.futures
import os
import sqlite3
import uuid
from datetime import date

import httpx
import pytest

from .conftest import sqlite_event_count

SERVICES = ("registry-api", "talent-api", "casework-api", "funding-api")
TOWNSHIP = "510421931"


@pytest.fixture(scope="module")
def apis(kafka_bootstrap, tmp_path_factory):
    from localinfra.platform import Platform

    data_dir = tmp_path_factory.mktemp("idempotency")
    # Casework with its cipher key, as in every real deployment: its stored answers are encrypted.
    platform = Platform(kafka_bootstrap=kafka_bootstrap, data_dir=data_dir,
                        extra_env={"CASEWORK_CIPHER_KEY": base64.b64encode(os.urandom(32)).decode()})
    try:
        for name in SERVICES:
            platform.start(name)
        with httpx.Client(
            base_url=platform.url("registry-api"), timeout=60, headers={"x-user": "fault-tests"}
        ) as registry:
            reply = registry.post("/areas", json={"code": TOWNSHIP, "name": "幂等镇", "valid_from": "2020-01-01"})
            assert reply.status_code == 201, reply.text
        yield platform
    finally:
        platform.stop_all()


def command(service: str, n: int) -> tuple[str, dict]:
    """A command of the service that stores new events every time it runs (n varies the body)."""
    if service == "registry-api":
        return "/stations", {"name": f"幂等站{n}", "tier": "township_station", "area_code": TOWNSHIP, "plan_only": True}
    if service == "talent-api":
        return "/workers", {"name": f"幂等{n}", "id_number": id_number(n), "phone": f"1390000{n % 10000:04d}"}
    if service == "casework-api":
        return "/clients", {"station_id": str(uuid.uuid4()), "name": f"幂等客户{n}", "birth_date": "1950-03-01"}
    return "/sources", {
        "area_code": "510421",
        "year": date.today().year,
        "source": "welfare_lottery",
        "amount": f"{1000 + n}.00",
    }


def id_number(serial: int) -> str:
    """A well-formed resident ID number (GB 11643 check digit) for test data."""
    body = f"510402199101{serial % 28 + 1:02d}{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


@pytest.mark.parametrize("service", SERVICES)
def test_one_key_one_execution(apis, service, record_property):
    store = service.removesuffix("-api")
    path, unkeyed = command(service, 1)
    _, body = command(service, 2)
    key = f"fault-{uuid.uuid4()}"
    with httpx.Client(base_url=apis.url(service), timeout=60, headers={"x-user": "fault-tests"}) as client:
        # Without a key the command is not idempotent: each run stores more events. (The first run
        # may also create an aggregate, e.g. funding's budget, so the second is the measure.)
        assert client.post(path, json=command(service, 0)[1]).status_code in (200, 201)
        before = sqlite_event_count(apis.data_dir, store)
        first = client.post(path, json=unkeyed)
        assert first.status_code in (200, 201), first.text
        per_command = sqlite_event_count(apis.data_dir, store) - before
        assert per_command >= 1

        before = sqlite_event_count(apis.data_dir, store)
        replies = [client.post(path, json=body, headers={"Idempotency-Key": key}) for _ in range(3)]
        assert replies[0].status_code in (200, 201), replies[0].text
        assert {(r.status_code, r.content) for r in replies} == {(replies[0].status_code, replies[0].content)}
        assert [r.headers.get("idempotent-replayed") for r in replies] == [None, "true", "true"]
        stored_once = sqlite_event_count(apis.data_dir, store) - before
        assert stored_once == per_command

        # The same key with another body is refused, in Chinese, and stores nothing.
        _, other = command(service, 3)
        reused = client.post(path, json=other, headers={"Idempotency-Key": key})
        assert reused.status_code == 422, reused.text
        assert reused.json()["error"]["code"] == "idempotency_key_reused"
        assert "幂等键" in reused.json()["error"]["message"]
        # Keys belong to their caller: another account's key of the same name is its own.
        _, theirs = command(service, 4)
        assert client.post(path, json=theirs, headers={"Idempotency-Key": key, "x-user": "another"}).status_code in (
            200,
            201,
        )

        # Eight concurrent duplicates: one execution, every answer the same (or "still running" 409).
        before = sqlite_event_count(apis.data_dir, store)
        _, body3 = command(service, 5)
        key3 = f"fault-{uuid.uuid4()}"
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(lambda _: client.post(path, json=body3, headers={"Idempotency-Key": key3}), range(8))
            )
        done = {(a.status_code, a.content) for a in answers if a.status_code != 409}
        assert len(done) == 1 and next(iter(done))[0] in (200, 201), [a.text for a in answers]
        concurrent_stored = sqlite_event_count(apis.data_dir, store) - before
        assert concurrent_stored == per_command
    if service == "casework-api":
        # Answers are kept encrypted with the service's key: no client id in clear in the table.
        with sqlite3.connect(f"file:{apis.data_dir / 'casework.sqlite'}?mode=ro", uri=True) as conn:
            bodies = [
                base64.b64decode(row[0])
                for row in conn.execute("SELECT body FROM casework_idempotency WHERE body IS NOT NULL")
            ]
        assert bodies and not any(b"client_id" in body for body in bodies)
    record_property("reliability", {"service": store, "sent": 3 + 8, "events_per_command": per_command,
                                    "stored_for_3_sends": stored_once, "stored_for_8_concurrent": concurrent_stored,
                                    "duplicates": stored_once + concurrent_stored - 2 * per_command})


def test_a_malformed_key_is_422(apis):
    with httpx.Client(base_url=apis.url("registry-api"), timeout=60) as client:
        path, body = command("registry-api", 9)
        reply = client.post(path, json=body, headers={"Idempotency-Key": "x" * 300})
        assert reply.status_code == 422
        assert "幂等键" in reply.json()["error"]["message"]
