"""The gateway's audit log: every administrative action (every non-GET, refused ones included) and
every case read, with who, when, what and the result; append-only; read by auditors in their area."""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, COUNTIES, TOWNSHIPS, add_account, login, make_app


@pytest.fixture
def env(tmp_path):
    app, world, clock = make_app(tmp_path)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        users = {
            "county-a": add_account(client, admin, "county-a", "county_admin", COUNTIES["A"]),
            "worker-b": add_account(client, admin, "worker-b", "social_worker", TOWNSHIPS["B"]),
            "auditor": add_account(client, admin, "auditor", "auditor", "510400"),
            "auditor-b": add_account(client, admin, "auditor-b", "auditor", COUNTIES["B"]),
        }
        yield client, world, clock, admin, users


def records(client, headers, **params):
    reply = client.get("/api/gateway/audit", params=params, headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()["records"]


def test_actions_and_case_reads_are_audited_reads_are_not(env):
    client, world, clock, _, users = env
    a = users["county-a"]
    station = world.id("A", "station")
    client.get(f"/api/stations/{station}", headers=a)                        # an ordinary read: not audited
    client.post(f"/api/stations/{station}/suspend", json={"on": "2026-01-01"}, headers=a)
    client.get(f"/api/cases/{world.id('A', 'case')}", headers={**a, "X-Purpose": quote("督导复核")})
    client.get(f"/api/cases/{world.id('B', 'case')}", headers={**a, "X-Purpose": quote("督导复核")})  # out of scope
    client.post("/api/stations", json={"area_code": TOWNSHIPS["A"]}, headers=users["worker-b"])  # forbidden
    client.post("/api/stations", json={"area_code": TOWNSHIPS["A"]})  # anonymous
    mine = records(client, users["auditor"], actor="county-a")
    assert [(r["method"], r["path"].split("/")[2], r["status"]) for r in mine if r["action"] != "login"] == [
        ("POST", "stations", 200), ("GET", "cases", 200), ("GET", "cases", 404)]
    suspend, read, refused = [r for r in mine if r["action"] != "login"]
    assert suspend["resource_id"] == station and suspend["target_area"] == TOWNSHIPS["A"]
    assert (
        read["action"] == "case_read" and read["purpose"] == "督导复核" and read["resource_id"] == world.id("A", "case")
    )
    assert read["at"] == pytest.approx(clock(), abs=5)
    everyone = records(client, users["auditor"])
    assert ("worker-b", 403) in {(r["actor"], r["status"]) for r in everyone}
    assert ("anonymous", 401) in {(r["actor"], r["status"]) for r in everyone}
    assert {"login", "create_account"} <= {r["action"] for r in everyone}


def test_the_audit_log_is_append_only(env):
    client, world, *_ = env
    store = client.app.state.store
    assert store.audit_records("51")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store._run("UPDATE audit SET status = 200")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store._run("DELETE FROM audit")


def test_only_auditors_read_the_audit_and_only_their_area(env):
    client, world, _, admin, users = env
    client.post(f"/api/stations/{world.id('A', 'station')}/suspend", json={}, headers=users["county-a"])
    client.post(f"/api/stations/{world.id('B', 'station')}/suspend", json={}, headers=users["worker-b"])
    for who in ("county-a", "worker-b"):
        assert client.get("/api/gateway/audit", headers=users[who]).status_code == 403
    assert client.get("/api/gateway/audit", headers=admin).status_code == 403  # system admin: no audit reading
    seen = records(client, users["auditor-b"])
    assert seen and all(
        r["actor_area"].startswith(COUNTIES["B"]) or (r["target_area"] or "").startswith(COUNTIES["B"]) for r in seen
    )
    assert "county-a" not in {r["actor"] for r in seen}
    # auditors read, nothing else
    assert client.get(f"/api/stations/{world.id('B', 'station')}", headers=users["auditor-b"]).status_code == 403
    assert (
        client.get(f"/api/cases/{world.id('B', 'case')}", headers={**users["auditor-b"], "X-Purpose": "x"}).status_code
        == 403
    )


def test_no_case_content_for_system_admins_and_auditors(env):
    client, world, _, admin, users = env
    for headers in (admin, users["auditor"]):
        for path in (f"/api/cases/{world.id('A', 'case')}", f"/api/cases/{world.id('A', 'case')}/export",
                     f"/api/clients/{world.id('A', 'client')}"):
            assert client.get(path, headers={**headers, "X-Purpose": "x"}).status_code == 403


def test_identity_is_masked_unless_the_role_needs_it_and_a_purpose_is_stated(tmp_path):
    from gateway.masking import mask_identity
    from gateway.testing import IDENTITY, MASKED_ID_NUMBER

    masked = mask_identity({"case_id": "c", "client": dict(IDENTITY)})["client"]
    assert masked == {"name": "王**", "id_number": MASKED_ID_NUMBER, "phone": "138****0011", "address": "****",
                      "birth_date": "1950******"}
    assert mask_identity({"identity": {"name": "[已删除]"}})["identity"] == {"name": "[已删除]"}


def test_case_reads_through_the_gateway_mask_identity_for_administrators(env):
    from gateway.testing import IDENTITY, MASKED_ID_NUMBER, PASSWORD

    client, world, _, admin, users = env
    client.post("/api/gateway/users", json={"username": "sw-a", "password": PASSWORD, "role": "social_worker",
                                            "area_code": TOWNSHIPS["A"]}, headers=admin)
    worker = login(client, "sw-a", PASSWORD)
    purpose = {"X-Purpose": quote("入户随访")}
    for path in (f"/api/cases/{world.id('A', 'case')}", f"/api/cases/{world.id('A', 'case')}/export"):
        by_admin = client.get(path, headers={**users["county-a"], **purpose}).json()
        assert by_admin["identity_masked"] is True and by_admin["client"]["name"] == "王**"
        by_worker = client.get(path, headers={**worker, **purpose}).json()
        assert by_worker["client"] == IDENTITY and "identity_masked" not in by_worker
    by_admin = client.get(f"/api/clients/{world.id('A', 'client')}", headers={**users["county-a"], **purpose}).json()
    assert by_admin["identity"]["id_number"] == MASKED_ID_NUMBER
