"""(Named to run after the other end-to-end tests.) The personal data those tests entered — clients'
and workers' names, ID numbers, phones — appears in no Kafka message (key, value, headers, dead
letters), no process log, no exported span and no metric of the whole platform, and in no byte of
any file the platform stored: every event store (SQLite database, WAL and shared-memory files),
casework's key store, the idempotency records, the gateway's accounts and audit log, the read models
and the report archive. The platform runs as in production, with every service's CIPHER_KEY set."""

from __future__ import annotations

import asyncio
import urllib.request
import uuid

from aiokafka import AIOKafkaConsumer
from localinfra.demo import build_scenario
from pzh_shared.kafka import topic_partitions

from .test_staffing_journey import id_number

_DEMO = build_scenario()  # the people test_quarterly_scenario.py loaded through the APIs
CANARIES = ["王审计金丝雀", "张测试", "李测试", id_number(11), id_number(12), "13800000011", "13800000012",
            _DEMO.workers[0].name, _DEMO.workers[0].id_number, _DEMO.workers[0].phone,
            _DEMO.volunteers[0].id_number, _DEMO.cases[0].client_name]
TOPICS = ["registry.events", "talent.events", "casework.events", "funding.events"]


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


def test_no_personal_data_in_messages_logs_spans_metrics_or_stored_files(platform, kafka_bootstrap, record_property):
    blobs = asyncio.run(_everything(kafka_bootstrap))
    assert len(blobs) > 100  # the journeys before this one did publish
    logs = [p.read_bytes() for p in platform.log_dir.glob("*.log")]
    spans = platform.spans_file.read_bytes()
    metrics = _metrics(platform)
    assert len(metrics) == len(platform.procs), sorted(metrics)
    stored = _stored_files(platform)
    # the stores are there to be searched: each service's events, WAL included, and the read models
    for expected in ("registry.sqlite", "talent.sqlite", "casework.sqlite", "funding.sqlite", "reporting.sqlite"):
        assert expected in stored, sorted(stored)
    assert any(name.endswith("-wal") for name in stored), sorted(stored)
    record_property("reliability", {"canaries": len(CANARIES), "Kafka keys, values and headers searched": len(blobs),
                                    "process logs": len(logs), "span bytes": len(spans), "metric pages": len(metrics),
                                    "stored files": len(stored), "stored bytes": sum(map(len, stored.values()))})
    for canary in CANARIES:
        needle = canary.encode()
        assert not any(needle in blob for blob in blobs), f"{canary} found in a Kafka message"
        assert not any(needle in log for log in logs), f"{canary} found in a process log"
        assert needle not in spans, f"{canary} found in an exported span"
        assert not [name for name, page in metrics.items() if needle in page], f"{canary} found in a metric"
        assert not [name for name, data in stored.items() if needle in data], \
            f"{canary} found in stored files {[name for name, data in stored.items() if needle in data]}"
