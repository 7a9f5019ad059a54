"""`python -m talent api`, `relay` and `stations` as the launcher runs them: separate OS
processes configured by TALENT_ environment variables, sharing one SQLite store."""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import httpx
from localinfra.platform import free_port
from localinfra.topics import publish
from talent.adapters.wiring import build_application
from talent.settings import TalentSettings

from ..envelopes import fresh_envelope
from ..processes import find, start, stop, wait_healthy
from .communities import area_registered, learn_community

COMMUNITY = "510411003002"


def test_api_and_relay_processes(kafka_bootstrap, tmp_path):
    port = free_port()
    env = dict(
        os.environ,
        TALENT_KAFKA_BOOTSTRAP=kafka_bootstrap,
        TALENT_DATA_DIR=str(tmp_path),
        TALENT_HTTP_PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    seed = build_application(TalentSettings(data_dir=tmp_path))  # the community, as the stations consumer learns it
    learn_community(seed, COMMUNITY, False)
    seed.close()
    log = (tmp_path / "talent.log").open("ab")
    # As the launcher does: the relay starts once the API is healthy. Two processes creating the
    # same fresh SQLite tables at the same instant can collide on the store's migration record.
    api, relay = start("talent", "api", env, log), None
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            wait_healthy(api, client, (tmp_path / "talent.log"), "talent api")
            relay = start("talent", "relay", env, log)
            station = str(uuid.uuid4())
            reply = client.post(
                "/organisations",
                json={"name": "东区邻里守望队", "host_station_id": station, "community_code": COMMUNITY},
            )
            assert reply.status_code == 201, reply.text
            organisation_id = reply.json()["organisation_id"]
        envelope = asyncio.run(find(kafka_bootstrap, "talent.events", organisation_id))
        assert envelope["type"] == "talent.organisation.filed.v1" and envelope["source"] == "/pzh/talent"
        assert envelope["data"]["host_station_id"] == station
    finally:
        stop(api)
        if relay is not None:
            stop(relay)
        log.close()
    assert relay is not None and relay.returncode == 0, (tmp_path / "talent.log").read_text(errors="replace")


async def _publish_planned(bootstrap: str, topic: str, station_id: str) -> None:
    data = {
        "station_id": station_id,
        "tier": "township_station",
        "area_code": "510411003",
        "county_code": "510411",
        "name": "测试站",
        "construction_mode": "provincial_award",
        "operating_model": "self_operated",
        "agency": None,
        "provincial_pilot": True,
        "governance_pilot": False,
        "covers": [],
        "planned_on": "2021-01-05",
    }
    envelope = fresh_envelope(
        "/pzh/registry",
        "registry.station.planned.v1",
        subject=station_id,
        data=data,
    )
    community = fresh_envelope("/pzh/registry", "registry.area.registered.v1", subject=COMMUNITY,
                               data=area_registered(COMMUNITY, True))
    await publish(bootstrap, topic, [envelope, community])


def test_stations_process_feeds_the_quota_kind(kafka_bootstrap, tmp_path):
    port = free_port()
    topic = f"registry{uuid.uuid4().hex[:6]}.events"
    env = dict(
        os.environ,
        TALENT_KAFKA_BOOTSTRAP=kafka_bootstrap,
        TALENT_DATA_DIR=str(tmp_path),
        TALENT_HTTP_PORT=str(port),
        TALENT_REGISTRY_TOPIC=topic,
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "talent.log").open("ab")
    api, stations = start("talent", "api", env, log), None
    station = str(uuid.uuid4())
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            wait_healthy(api, client, (tmp_path / "talent.log"), "talent api")
            assert client.get(f"/stations/{station}/quotas/2021").status_code == 404
            stations = start("talent", "stations", env, log)
            asyncio.run(_publish_planned(kafka_bootstrap, topic, station))
            deadline = time.monotonic() + 60
            while (reply := client.get(f"/stations/{station}/quotas/2021")).status_code == 404:
                assert stations.poll() is None, (tmp_path / "talent.log").read_text(errors="replace")
                assert time.monotonic() < deadline, "the stations consumer did not apply the planned event"
                time.sleep(0.3)
            assert reply.json()["kind"] == "pilot_township", reply.text
            # the community's reform flag came the same way: an organisation filed there is in a 涉改社区
            filed = client.post("/organisations", json={"name": "某协会", "host_station_id": station,
                                                        "community_code": COMMUNITY, "filed_on": "2021-02-01"})
            assert filed.status_code == 201, filed.text
            shown = client.get(f"/organisations/{filed.json()['organisation_id']}").json()
            assert shown["reform_affected"] is True, shown
    finally:
        stop(api)
        if stations is not None:
            stop(stations)
        log.close()
    assert stations is not None and stations.returncode == 0, (tmp_path / "talent.log").read_text(errors="replace")
