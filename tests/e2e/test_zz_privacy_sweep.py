"""(Named to run after the other end-to-end tests.) The personal data those tests entered — clients'
and workers' names, ID numbers, phones — and the canaries this test enters itself (a client with a
case, a worker and a volunteer, each with a name, ID number and phone of this run alone, the client also searched
for through the gateway by name, ID number and phone) appear in
no Kafka message (key, value, headers, dead letters), no process log, no exported span and no metric
of the whole platform, and in no byte of any file the platform stored: every event store (SQLite
database, WAL and shared-memory files), casework's key store, the idempotency records, the gateway's
accounts and audit log, the read models and the report archive. The platform runs as in production,
with every service's CIPHER_KEY set. Its own canaries are read back through the gateway first, so
the sweep proves something even when it runs alone.

Talent's stores are swept after an erasure (issue 18 item 6): the canary worker and volunteer are erased through
the gateway before the sweep, after one audited read of their ID numbers; then their data keys, read from talent's
key store beforehand, are in no stored file either (the key store overwrote them), the gateway shows them
erased, and talent's read audit holds the read and the erasure of each."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
import urllib.request
import uuid
from contextlib import closing
from datetime import date, timedelta
from urllib.parse import quote

from aiokafka import AIOKafkaConsumer
from localinfra.demo import build_scenario, fake_id_number
from pzh_shared.envelope import BadMessage, decode
from pzh_shared.kafka import topic_partitions

from .conftest import account
from .test_staffing_journey import certify, id_number

_DEMO = build_scenario()  # the people test_quarterly_scenario.py loaded through the APIs
CANARIES = ["王审计金丝雀", "张测试", "李测试", id_number(11), id_number(12), "13800000011", "13800000012",
            _DEMO.workers[0].name, _DEMO.workers[0].id_number, _DEMO.workers[0].phone,
            _DEMO.volunteers[0].id_number, _DEMO.cases[0].client_name]
TOPICS = ["registry.events", "talent.events", "casework.events", "funding.events"]
PURPOSE = {"X-Purpose": quote("隐私核查")}


def _person(label: str) -> dict[str, str]:
    """A name, ID number and phone of this run alone (none of the demo's ID numbers, which are loaded too)."""
    taken = {p.id_number for p in (*_DEMO.workers, *_DEMO.volunteers)}
    while (number := fake_id_number(date(1931, 1, 1) + timedelta(days=secrets.randbelow(20_000)),
                                    secrets.randbelow(1000))) in taken:
        pass
    return {"name": f"哨兵{label}{secrets.token_hex(4)}", "id_number": number,
            "phone": f"139{secrets.randbelow(10**8):08d}"}


def _ok(reply) -> dict:
    assert reply.status_code in (200, 201), reply.text
    return reply.json()


def _enter_canaries(platform, gateway, township: str) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """A client with a case, a certified worker and a trained volunteer with hours, through the gateway;
    their identities and the ids of what they published (case, worker, volunteer)."""
    people = {role: _person(label) for role, label in (("client", "客户"), ("worker", "社工"), ("volunteer", "志愿者"))}
    station = _ok(gateway.post("/api/stations", json={"name": "隐私核查站", "tier": "township_station",
                                                       "area_code": township}))["station_id"]
    client = _ok(gateway.post("/api/clients", json={"station_id": station, "area_code": township,
                                                     "birth_date": "1948-05-01", **people["client"]}))["client_id"]
    case = _ok(gateway.post("/api/cases", json={"client_id": client, "station_id": station, "area_code": township,
                                                "domain": "elderly_care"}))["case_id"]
    worker = _ok(gateway.post("/api/workers", json=people["worker"]))["worker_id"]
    certify(gateway, worker, station, "full_time")
    volunteer = _ok(gateway.post("/api/volunteers", json={"station_id": station, "volunteer_number": "V-" + client[:8],
                                                          **people["volunteer"]}))["volunteer_id"]
    for hours in (2.5, 3.0):
        _ok(gateway.post(f"/api/volunteers/{volunteer}/hours", json={"hours": hours}))
    _ok(gateway.post(f"/api/volunteers/{volunteer}/trainings", json={"station_id": station}))
    ids = {"case": case, "worker": worker, "volunteer": volunteer}
    _assert_stored(platform, gateway, township, people, client, ids)
    return people, ids


def _assert_stored(platform, gateway, township: str, people: dict[str, dict[str, str]], client: str,
                   ids: dict[str, str]) -> None:
    """The canaries were stored: the services give them back. A client's identity is unmasked only for
    a field role (the gateway masks it for administrators); talent masks ID numbers and phones."""
    with closing(account(platform.gateway_url, "e2e-privacy-worker", "social_worker", township)) as worker:
        identity = _ok(worker.get(f"/api/clients/{client}", headers=PURPOSE))["identity"]
        case = _ok(worker.get(f"/api/cases/{ids['case']}", headers=PURPOSE))
        # the client search (POST: the searched value in no URL): the canary found by each key, masked
        for by in ("id_number", "name", "phone"):
            found = _ok(worker.post("/api/clients/search", json={"by": by, "value": people["client"][by],
                                                                  "area_code": township}, headers=PURPOSE))
            hits = [hit for hit in found["items"] if hit["client_id"] == client]
            assert hits and hits[0]["id_number"] != people["client"]["id_number"], found
    assert {k: identity[k] for k in ("name", "id_number", "phone")} == people["client"], identity
    assert case["client"]["name"] == people["client"]["name"], case["client"]
    for role in ("worker", "volunteer"):
        stored = _ok(gateway.get(f"/api/{role}s/{ids[role]}"))
        person = people[role]
        assert (stored["name"], stored["id_number_masked"][:6], stored["phone_masked"][-4:]) == \
            (person["name"], person["id_number"][:6], person["phone"][-4:]), stored


def _talent_key(platform, person_id: str) -> bytes:
    """A person's data key as talent's key store holds it (read-only: talent-api keeps running)."""
    path = platform.data_dir / "talent-keys.sqlite"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
        (key,) = db.execute("SELECT data_key FROM person_keys WHERE person_id = ?", (person_id,)).fetchone()
    return bytes(key)


def _erase_talent_canaries(platform, gateway, people: dict[str, dict[str, str]], ids: dict[str, str]) -> list[bytes]:
    """The canary worker and volunteer read once unmasked (audited), then erased through the gateway by the city's
    administrator; their data keys as they were, for the sweep to look for."""
    keys = [_talent_key(platform, ids[role]) for role in ("worker", "volunteer")]
    for role in ("worker", "volunteer"):
        read = _ok(gateway.get(f"/api/{role}s/{ids[role]}/personal-data", headers=PURPOSE))
        assert read["identity"]["id_number"] == people[role]["id_number"], read
        _ok(gateway.post(f"/api/{role}s/{ids[role]}/erasure", json={}, headers=PURPOSE))
        shown = _ok(gateway.get(f"/api/{role}s/{ids[role]}"))
        assert (shown["name"], shown["id_number_masked"], shown["phone_masked"]) == ("[已删除]",) * 3, shown
        assert _ok(gateway.get(f"/api/{role}s/{ids[role]}/personal-data", headers=PURPOSE))["erased"]
    with closing(account(platform.gateway_url, "e2e-privacy-auditor", "auditor")) as auditor:
        for role in ("worker", "volunteer"):
            records = _ok(auditor.get("/api/talent/audit/reads", params={"subject_id": ids[role]}))["records"]
            assert [r["action"] for r in records] == ["personal_data_read", "erasure", "personal_data_read"], records
        assert _ok(auditor.get("/api/talent/audit/verification"))["intact"] is True
    return keys


# The last event each canary's commands publish: a relay publishes in log order, so once it is on the
# topic, so is everything before it.
LAST_EVENTS = {"case": "casework.case.opened.v2", "worker": "talent.worker.certified.v1",
               "volunteer": "talent.volunteer.trained.v1"}


async def _published(bootstrap: str, expected: set[tuple[str, str]], timeout: float = 120) -> set[tuple[str, str]]:
    """Which of these (subject, event type) pairs the relays have put on the topics (within `timeout`)."""
    consumer = AIOKafkaConsumer(*TOPICS, bootstrap_servers=bootstrap, group_id=f"sweep-{uuid.uuid4()}",
                                auto_offset_reset="earliest")
    await consumer.start()
    seen: set[tuple[str, str]] = set()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while seen != expected and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values():
                for record in records:
                    try:
                        envelope = decode(record.value)
                    except BadMessage:
                        continue  # the poison messages other tests put on the topics
                    seen |= {(envelope.subject, envelope.type)} & expected
    finally:
        await consumer.stop()
    return seen


async def _everything(bootstrap: str) -> list[bytes]:
    existing = {tp.topic for tp in await topic_partitions(bootstrap, TOPICS + [f"{t}.dlq" for t in TOPICS])}
    consumer = AIOKafkaConsumer(*sorted(existing), bootstrap_servers=bootstrap, group_id=f"sweep-{uuid.uuid4()}",
                                auto_offset_reset="earliest")
    await consumer.start()
    blobs: list[bytes] = []
    try:
        idle = 0
        while idle < 3:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            idle = 0 if batches else idle + 1
            for records in batches.values():
                for r in records:
                    blobs += [r.key or b"", r.value or b""] + [bytes(v) for _, v in (r.headers or [])]
    finally:
        await consumer.stop()
    return blobs


def _metrics(platform) -> dict[str, bytes]:
    """Every process's Prometheus page (labels included), from its metrics port."""
    pages = {}
    for name in platform.metrics_ports:
        with urllib.request.urlopen(platform.metrics_url(name), timeout=30) as reply:
            pages[name] = reply.read()
    return pages


def _stored_files(platform) -> dict[str, bytes]:
    """Every file the platform's processes wrote under their data directory, raw, except the logs and
    spans searched on their own."""
    return {str(path.relative_to(platform.data_dir)): path.read_bytes() for path in sorted(platform.data_dir.rglob("*"))
            if path.is_file() and platform.log_dir not in path.parents and path != platform.spans_file}


def test_no_personal_data_in_messages_logs_spans_metrics_or_stored_files(platform, gateway, township, kafka_bootstrap,
                                                                          record_property):
    people, ids = _enter_canaries(platform, gateway, township)
    erased_keys = _erase_talent_canaries(platform, gateway, people, ids)
    # Their events must be on the topics before the topics are searched for them.
    last = {(ids[kind], event_type) for kind, event_type in LAST_EVENTS.items()}
    assert asyncio.run(_published(kafka_bootstrap, last)) == last
    canaries = CANARIES + [value for person in people.values() for value in person.values()]
    blobs = asyncio.run(_everything(kafka_bootstrap))
    assert len(blobs) > 100  # the journeys before this one did publish
    logs = [p.read_bytes() for p in platform.log_dir.glob("*.log")]
    spans = platform.spans_file.read_bytes()
    metrics = _metrics(platform)
    assert len(metrics) == len(platform.procs), sorted(metrics)
    stored = _stored_files(platform)
    # the stores are there to be searched: each service's events, WAL included, and the read models
    for expected in ("registry.sqlite", "talent.sqlite", "casework.sqlite", "funding.sqlite", "reporting.sqlite",
                     "talent-keys.sqlite", "talent-audit.sqlite"):
        assert expected in stored, sorted(stored)
    assert any(name.endswith("-wal") for name in stored), sorted(stored)
    record_property("reliability", {"canaries": len(canaries), "Kafka keys, values and headers searched": len(blobs),
                                    "process logs": len(logs), "span bytes": len(spans), "metric pages": len(metrics),
                                    "stored files": len(stored), "stored bytes": sum(map(len, stored.values())),
                                    "talent people erased before the sweep": len(erased_keys)})
    for canary in canaries:
        needle = canary.encode()
        assert not any(needle in blob for blob in blobs), f"{canary} found in a Kafka message"
        assert not any(needle in log for log in logs), f"{canary} found in a process log"
        assert needle not in spans, f"{canary} found in an exported span"
        assert not [name for name, page in metrics.items() if needle in page], f"{canary} found in a metric"
        assert not [name for name, data in stored.items() if needle in data], \
            f"{canary} found in stored files {[name for name, data in stored.items() if needle in data]}"
    for key in erased_keys:  # crypto-shredding: an erased person's key is gone from every stored byte
        assert not [name for name, data in stored.items() if key in data], "an erased data key is still stored"
