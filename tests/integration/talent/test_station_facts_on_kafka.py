"""The talent service learns a station's quota kind from the registry's `registry.station.planned.v1`
on the real Kafka broker, through the stations consumer (TrackedConsumer): the quota endpoint then
answers with the kind the registry's facts give, a poison message is dead-lettered, and a replay of
the whole topic by a fresh consumer group changes nothing."""

from __future__ import annotations

import asyncio
import uuid

from fastapi.testclient import TestClient
from localinfra.topics import drive_consumer, publish
from pzh_shared.envelope import Envelope
from talent.adapters.wiring import build_application
from talent.api.app import create_app
from talent.application.service import TalentApplication
from talent.consumers.stations import stations_consumer
from talent.settings import TalentSettings

from ..envelopes import fresh_envelope


def _planned(station_id: str, tier: str, provincial_pilot: bool) -> Envelope:
    data = {
        "station_id": station_id,
        "tier": tier,
        "area_code": "510411003",
        "county_code": "510411",
        "name": "测试镇社会工作服务站",
        "construction_mode": "provincial_award",
        "operating_model": "self_operated",
        "agency": None,
        "provincial_pilot": provincial_pilot,
        "governance_pilot": False,
        "covers": [],
        "planned_on": "2021-01-05",
    }
    return fresh_envelope(
        "/pzh/registry",
        "registry.station.planned.v1",
        subject=station_id,
        data=data,
    )


def _consumer(app: TalentApplication, bootstrap: str, topic: str):
    return stations_consumer(app, bootstrap, topic=topic, group_id=f"talent-stations-{uuid.uuid4().hex[:6]}")


def test_the_quota_kind_follows_the_registrys_planned_event(kafka_bootstrap, tmp_path):
    application = build_application(TalentSettings(data_dir=tmp_path))
    pilot, other = str(uuid.uuid4()), str(uuid.uuid4())
    topic = f"registry{uuid.uuid4().hex[:6]}.events"
    opened = fresh_envelope(
        "/pzh/registry",
        "registry.station.opened.v1",
        subject=pilot,
        data={
            "station_id": pilot,
            "tier": "township_station",
            "area_code": "510411003",
            "county_code": "510411",
            "name": "测试镇社会工作服务站",
            "opened_on": "2021-03-01",
        },
    )
    envelopes = [_planned(pilot, "township_station", True), _planned(other, "township_station", False), opened]

    with TestClient(create_app(application)) as client:
        reply = client.get(f"/stations/{pilot}/quotas/2021")
        assert reply.status_code == 404, reply.text  # not heard of yet: no kind to evaluate

        asyncio.run(publish(kafka_bootstrap, topic, envelopes, poison=True))
        first = asyncio.run(drive_consumer(_consumer(application, kafka_bootstrap, topic), len(envelopes) + 1))
        assert (first.applied, first.dead_lettered) == (len(envelopes), 1)

        report = client.get(f"/stations/{pilot}/quotas/2021").json()
        assert (report["kind"], report["tier"], report["provincial_pilot"]) == (
            "pilot_township",
            "township_station",
            True,
        )
        assert [q["code"] for q in report["quotas"]] == [
            "certified_workers_year",
            "registered_organisations_year",
            "volunteers_trained_year",
        ]
        assert client.get(f"/stations/{other}/quotas/2021").json()["kind"] == "other"

    # A fresh consumer group replays the whole topic: the tracking records make it change nothing.
    version, last = application.station_profile(pilot).version, application.recorder.max_notification_id()
    replay = asyncio.run(drive_consumer(_consumer(application, kafka_bootstrap, topic), 0, settle=3.0))
    assert (replay.applied, replay.dead_lettered) == (0, 0)
    assert (application.station_profile(pilot).version, application.recorder.max_notification_id()) == (version, last)
    application.close()
