"""The registry on the real broker: the annex 1 network published and valid against its schemas, and
the level rule driven end to end by staffing events arriving on the talent topic."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date
from pathlib import Path

import jsonschema
from aiokafka import AIOKafkaConsumer
from localinfra.topics import publish
from pzh_shared.envelope import Envelope, decode
from pzh_shared.eventstore import make_application
from pzh_shared.relay import OutboxRelay
from registry.adapters.integration import PUBLICATION
from registry.adapters.reference import read_targets
from registry.application.service import AreaRow, RegistryApplication
from registry.consumers.staffing import staffing_consumer
from registry.domain.levels import BASIC_ITEMS, CHECKLIST_ITEMS
from registry.domain.station import Tier
from registry.settings import RegistrySettings

from ..outbox import relay_everything

SCHEMAS = Path(__file__).resolve().parents[3] / "services" / "registry" / "schemas"
D = date(2021, 6, 30)
# Annex 1 is the deployment's data (deploy/data/targets-2021.csv), as the registry reads it at start.
ANNEX1_2021 = {t.county_code: (t.general_station, t.township_station, t.village_room)
               for t in read_targets(RegistrySettings().targets_file)}


def _registry(tmp_path) -> RegistryApplication:
    app = make_application(RegistryApplication, RegistrySettings(data_dir=tmp_path))
    app.seed()
    return app


async def _drain(app, bootstrap: str, service: str) -> None:
    await relay_everything(OutboxRelay(app, PUBLICATION.translate, bootstrap, service))


async def _read(bootstrap: str, topic: str, until, timeout: float = 30) -> list:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"t-{uuid.uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    seen: list = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not until(seen) and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                seen += [decode(r.value) for r in records]
    finally:
        await consumer.stop()
    return seen


def test_opening_the_annex1_network_publishes_48_valid_opened_events(kafka_bootstrap, tmp_path):
    app = _registry(tmp_path)
    rows = []
    for county, (_, townships, villages) in ANNEX1_2021.items():
        for t in range(1, max(townships, 1) + 1):
            rows.append(AreaRow(f"{county}{t:03d}", f"镇{t}", t % 2 == 1, date(2020, 6, 1), "2020", line=len(rows) + 2))
        rows += [AreaRow(f"{county}001{v:03d}", f"村{v}", False, date(2020, 6, 1), "2020", line=len(rows) + 2)
                 for v in range(1, villages + 1)]
    app.register_areas(rows)
    for county, (general, townships, villages) in ANNEX1_2021.items():
        places = [(Tier.GENERAL_STATION, county)] * general + [
            (Tier.TOWNSHIP_STATION, f"{county}{t:03d}") for t in range(1, townships + 1)] + [
            (Tier.VILLAGE_ROOM, f"{county}001{v:03d}") for v in range(1, villages + 1)]
        for tier, code in places:
            app.plan_station(tier=tier, area_code=code, opened_on=D, planned_on=D, name=f"{code}站")
    service = f"registry{uuid.uuid4().hex[:6]}"
    asyncio.run(_drain(app, kafka_bootstrap, service))
    opened = [
        e
        for e in asyncio.run(
            _read(
                kafka_bootstrap,
                f"{service}.events",
                lambda seen: sum(e.type == "registry.station.opened.v1" for e in seen) >= 48,
            )
        )
        if e.type == "registry.station.opened.v1"
    ]
    assert len(opened) == 48
    assert sorted(
        sum(e.data["tier"] == t for e in opened) for t in ("general_station", "township_station", "village_room")
    ) == [5, 12, 31]
    for event_type in {e.type for e in opened}:
        schema = json.loads((SCHEMAS / f"{event_type}.json").read_text(encoding="utf-8"))
        for envelope in opened:
            jsonschema.validate(envelope.data, schema)
    assert app.county_progress("510421", 2021, date(2021, 12, 31))["progress"]["village_room"] == {
        "target": 9, "actual": 9, "met": True}


def _talent(event_type: str, data: dict) -> Envelope:
    from datetime import UTC, datetime

    return Envelope(id=str(uuid.uuid4()), source="/pzh/talent", type=event_type, subject=data.get("worker_id", "x"),
                    time=datetime.now(UTC), data=data)


def test_staffing_events_on_the_talent_topic_raise_a_station_to_standard(kafka_bootstrap, tmp_path):
    app = _registry(tmp_path)
    app.register_areas([AreaRow("510421005", "测试镇", False, date(2020, 1, 1))])
    station_id = str(
        app.plan_station(tier=Tier.TOWNSHIP_STATION, area_code="510421005", opened_on=D, planned_on=D, name="站")
    )
    for item in BASIC_ITEMS + CHECKLIST_ITEMS:
        app.record_facility(uuid.UUID(station_id), item, True, "现场核查照片", D)
    head, other = str(uuid.uuid4()), str(uuid.uuid4())
    topic = f"talent{uuid.uuid4().hex[:6]}.events"
    day = "2021-09-01"
    staffing = [
        _talent(
            "talent.worker.assigned.v1",
            {"worker_id": head, "station_id": station_id, "employment": "full_time", "assigned_on": day},
        ),
        _talent(
            "talent.worker.assigned.v1",
            {"worker_id": other, "station_id": station_id, "employment": "part_time", "assigned_on": day},
        ),
        _talent(
            "talent.worker.certified.v1", {"worker_id": head, "level": "assistant_social_worker", "certified_on": day}
        ),
        _talent("talent.worker.certified.v1", {"worker_id": other, "level": "social_worker", "certified_on": day}),
        _talent("talent.station_head.appointed.v1", {"station_id": station_id, "worker_id": head, "appointed_on": day}),
        _talent("talent.volunteer.registered.v1", {"volunteer_id": str(uuid.uuid4())}),  # not the registry's business
    ]

    async def scenario(expected: int, settle: float = 0.0):
        """Runs a consumer in a fresh group until it has handled `expected` messages and, for at
        least `settle` seconds, owned every partition of the topic."""
        consumer = staffing_consumer(
            app, kafka_bootstrap, topic=topic, group_id=f"registry-staffing-{uuid.uuid4().hex[:4]}"
        )
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        owned_since = None
        for _ in range(300):
            owned = consumer.consumer is not None and len(consumer.consumer.assignment()) == 3
            owned_since = (owned_since or asyncio.get_running_loop().time()) if owned else None
            if (consumer.applied + consumer.dead_lettered >= expected and owned_since
                    and asyncio.get_running_loop().time() - owned_since >= settle):
                break
            await asyncio.sleep(0.1)
        stop.set()
        await task
        assert owned_since is not None, "the consumer never owned the topic's partitions"
        return consumer

    asyncio.run(publish(kafka_bootstrap, topic, staffing, poison=True))
    first = asyncio.run(scenario(len(staffing) + 1))
    assert (first.applied, first.dead_lettered) == (len(staffing), 1)
    station = app.station(station_id)
    assert station.level == "standard"
    version = station.version

    # A second consumer group replays the whole topic: the tracking records make it change nothing.
    replay = asyncio.run(scenario(0, settle=3.0))
    assert (replay.applied, replay.dead_lettered) == (0, 0)
    assert app.station(station_id).version == version

    service = f"registry{uuid.uuid4().hex[:6]}"
    asyncio.run(_drain(app, kafka_bootstrap, service))
    published = asyncio.run(_read(kafka_bootstrap, f"{service}.events",
                                  lambda seen: any(e.data.get("level") == "standard" for e in seen)))
    revisions = [
        e.data
        for e in published
        if e.type == "registry.station.level_changed.v2" and e.data["station_id"] == station_id
    ]
    # every staffing fact is dated 09-01: basic there once a worker is known, then standard there, from none
    assert [(r["since"], r["changes"]) for r in revisions] == [
        (day, [{"level": level, "previous_level": "none", "effective_on": day}]) for level in ("basic", "standard")]
