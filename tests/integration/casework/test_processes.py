"""`python -m casework api`, `relay` and `funding` as the launcher runs them: separate OS processes
configured by CASEWORK_ environment variables, sharing one SQLite event store, key store and read
audit: a contract published on the funding topic lets the API start a project, whose evaluation
reaches `casework.events` as the `casework.project.evaluated.v1` the funding service consumes."""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import httpx
from casework.testing import STATION, contract_signed_data
from localinfra.platform import free_port
from localinfra.topics import publish

from ..envelopes import fresh_envelope
from ..processes import find, start, stop, wait_healthy


async def _publish(bootstrap: str, topic: str, data: dict) -> None:
    envelope = fresh_envelope(
        "/pzh/funding",
        "funding.contract.signed.v1",
        data=data,
    )
    await publish(bootstrap, topic, [envelope])



def test_api_relay_and_funding_processes(kafka_bootstrap, tmp_path):
    port = free_port()
    funding_topic = f"funding{uuid.uuid4().hex[:6]}.events"
    contract_id = str(uuid.uuid4())
    env = dict(
        os.environ,
        CASEWORK_KAFKA_BOOTSTRAP=kafka_bootstrap,
        CASEWORK_DATA_DIR=str(tmp_path),
        CASEWORK_HTTP_PORT=str(port),
        CASEWORK_FUNDING_TOPIC=funding_topic,
        PYTHONUNBUFFERED="1",
    )
    log_path = tmp_path / "casework.log"
    log = log_path.open("ab")
    api, relay, funding = start("casework", "api", env, log), None, None
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            wait_healthy(api, client, log_path, "casework api")
            relay, funding = start("casework", "relay", env, log), start("casework", "funding", env, log)
            asyncio.run(_publish(kafka_bootstrap, funding_topic, contract_signed_data(contract_id)))
            body = {
                "contract_id": contract_id,
                "station_id": STATION,
                "domain": "disability",
                "title": "助残",
                "started_on": "2021-03-10",
            }
            deadline = time.monotonic() + 60
            while (reply := client.post("/projects", json=body)).status_code == 422:
                assert funding.poll() is None and time.monotonic() < deadline, log_path.read_text(errors="replace")
                time.sleep(0.3)
            assert reply.status_code == 201, reply.text
            project_id = reply.json()["project_id"]
            for stage in ("design", "review", "implementation", "monitoring", "performance_evaluation"):
                assert (
                    client.post(f"/projects/{project_id}/stage", json={"stage": stage, "on": "2021-06-01"}).status_code
                    == 200
                )
            assert (
                client.post(f"/projects/{project_id}/evaluation", json={"score": 76, "on": "2021-12-01"}).status_code
                == 200
            )
        envelope = asyncio.run(find(kafka_bootstrap, "casework.events", project_id, "casework.project.evaluated.v1"))
        assert envelope["data"] == {
            "project_id": project_id,
            "station_id": STATION,
            "contract_id": contract_id,
            "score": 76.0,
            "evaluated_on": "2021-12-01",
        }
    finally:
        for proc in (funding, relay, api):
            stop(proc)
        log.close()
