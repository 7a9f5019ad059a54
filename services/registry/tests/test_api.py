"""The registry's HTTP API over a real SQLite event store."""

import uuid

import pytest
from fastapi.testclient import TestClient
from pzh_shared.eventstore import make_application
from registry.api.app import create_app
from registry.application.service import RegistryApplication
from registry.settings import RegistrySettings


@pytest.fixture
def client(tmp_path):
    application = make_application(RegistryApplication, RegistrySettings(data_dir=tmp_path))
    with TestClient(create_app(application)) as client:
        yield client


def test_open_then_read_a_station(client):
    reply = client.post("/stations", json={"name": "东区社会工作服务总站", "tier": "general_station",
                                           "area_code": "510402", "opened_on": "2021-06-30"})
    assert reply.status_code == 201, reply.text
    station_id = reply.json()["station_id"]
    station = client.get(f"/stations/{station_id}").json()
    assert station | {"station_id": station_id} == {
        "station_id": station_id, "name": "东区社会工作服务总站", "tier": "general_station", "area_code": "510402",
        "opened_on": "2021-06-30", "status": "opened", "version": 1}


def test_unknown_area_code_is_a_readable_422(client):
    reply = client.post("/stations", json={"name": "某站", "tier": "general_station", "area_code": "110101"})
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "unknown_area"
    assert "110101" in reply.json()["error"]["message"]


def test_invalid_body_names_the_fields(client):
    reply = client.post("/stations", json={"name": "", "tier": "castle"})
    assert reply.status_code == 422
    error = reply.json()["error"]
    assert error["code"] == "invalid_request"
    assert {d["field"] for d in error["details"]} == {"name", "tier", "area_code"}
    assert "tier" in error["message"]


def test_tier_mismatch_is_422(client):
    reply = client.post("/stations", json={"name": "站", "tier": "village_room", "area_code": "510402"})
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "tier_mismatch"


def test_missing_station_is_404(client):
    reply = client.get(f"/stations/{uuid.uuid4()}")
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"
