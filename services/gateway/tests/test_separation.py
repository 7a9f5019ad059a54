"""三权分立 (issue 18, item 1; reliability item S17): no administrator but the auditor reads the audit log, none
can stop its writing or change or delete a record through any route (the gateway's log, casework's and
talent's read audits), and each of the three administrators' own
actions is in it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from gateway.roles import PRIVILEGED, ROLES
from gateway.testing import ADMIN_PASSWORD, CITY, COUNTIES, PASSWORD, add_account, login, make_app

NON_AUDIT = [role for role in ROLES if role != "auditor"]
# every way a caller could try to change, delete or switch off the log through the gateway
READS = ["/api/gateway/audit", "/api/audit/reads", "/api/audit/verification", "/api/talent/audit/reads"]
TAMPERING = [(method, path) for path in (*READS, "/api/gateway/audit/1", "/api/gateway/audit/settings",
                                         "/api/audit/reads/1")
             for method in ("POST", "PUT", "PATCH", "DELETE")]


@pytest.fixture
def env(tmp_path):
    app, world, _ = make_app(tmp_path)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        users = {role: add_account(client, admin, role.replace("_", "-"), role, CITY) for role in ROLES}
        yield client, admin, users


def test_no_non_audit_administrator_can_read_stop_or_alter_the_audit_log(env, record_property):
    client, admin, users = env
    store = client.app.state.store
    before = store.audit_records("", limit=100_000, unscoped=True)
    assert before
    answers = []
    for role in NON_AUDIT:
        for method, path in TAMPERING:
            answers.append((role, method, path, client.request(method, path, json={}, headers=users[role])))
        for path in READS:
            answers.append((role, "GET", path, client.get(path, headers=users[role])))
    wrong = [(role, method, path, r.status_code) for role, method, path, r in answers
             if r.status_code not in (403, 404, 405)]
    assert not wrong, wrong
    after = store.audit_records("", limit=100_000, unscoped=True)
    assert after[:len(before)] == before  # every earlier record as it was, in its place
    assert len(after) > len(before)  # and writing went on (the refused changes are themselves recorded)
    # the gateway's own API has no route that writes the log: reading it is all
    paths = client.app.openapi()["paths"]
    assert {m for path, item in paths.items() if path.startswith("/api/gateway/audit") for m in item} == {"get"}
    with pytest.raises(Exception, match="append-only"):
        store._run("DELETE FROM audit")
    record_property("reliability", {"non-audit roles": len(NON_AUDIT), "attempts to read, change or delete": len(
        answers), "refused": len(answers) - len(wrong), "earlier records changed": 0,
        "records before": len(before), "records after": len(after)})


def test_each_administrators_own_actions_are_audited(env):
    client, admin, users = env
    add_account(client, admin, "county-a", "county_admin", COUNTIES["A"])
    client.post("/api/gateway/users/county-a/unlock", headers=users["security_admin"])
    client.post("/api/gateway/users/county-a/sessions-end", headers=users["security_admin"])
    client.get("/api/gateway/audit", headers=users["auditor"])
    client.get("/api/audit/reads", headers=users["auditor"])
    records = client.app.state.store.audit_records("", limit=100_000, unscoped=True)
    done = {(r["role"], r["action"]) for r in records if r["status"] < 400}
    assert {("system_admin", "create_account"), ("security_admin", "account_unlock"),
            ("security_admin", "account_sessions-end"), ("auditor", "audit_read"),
            ("auditor", "service_audit_read")} <= done


def test_no_account_or_key_holds_two_of_the_three_roles(env):
    client, admin, users = env
    # an API key of one of them would let the system administrator who made it act as a second
    for role in PRIVILEGED:
        made = client.post("/api/gateway/api-keys", json={"name": f"k-{role}", "role": role, "area_code": CITY},
                           headers=admin)
        assert made.status_code == 422 and "系统管理员、安全管理员或审计员" in made.json()["error"]["message"]
    # nor does an account move into or out of them
    add_account(client, admin, "county-a", "county_admin", COUNTIES["A"])
    for username, role in (("county-a", "auditor"), ("auditor", "county_admin"), ("security-admin", "auditor")):
        moved = client.post(f"/api/gateway/users/{username}/role", json={"role": role, "area_code": CITY},
                            headers=admin)
        assert moved.status_code == 403 and "三权分立" in moved.json()["error"]["message"], moved.text
    own = client.post("/api/gateway/users/admin/role", json={"role": "city_admin", "area_code": CITY}, headers=admin)
    assert own.status_code == 403
    accounts = {a.username: a.role for a in client.app.state.store.accounts()}
    assert accounts["county-a"] == "county_admin" and accounts["auditor"] == "auditor"
    assert login(client, "auditor", PASSWORD)  # one role each, as before
