"""The plan's separation of duties at the gateway (issue 18, item 1; api/duties.py): a contract is filed, returned
and spot-checked only by an account of the level funding names in `filed_with`, never by the level that signed it;
a case plan or closing is approved only by a supervisor of the case's station or county. Each refusal is a 403
with its reason in Chinese, and nothing reaches the service."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, CITY, COUNTIES, TOWNSHIPS, World, add_account, login, make_app


class FilingWorld(World):
    """Contracts as funding shows them: a county's filed with the city above it."""

    def view(self, county: str, kind: str) -> dict[str, str]:
        body = super().view(county, kind)
        return {**body, "filed_with": CITY} if kind == "contract" else body


@pytest.fixture
def env(tmp_path):
    app, world, _ = make_app(tmp_path, FilingWorld())
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        users = {name: add_account(client, admin, name, role, area) for name, role, area in (
            ("city-funding", "funding_officer", CITY), ("county-funding", "funding_officer", COUNTIES["A"]),
            ("county-admin", "county_admin", COUNTIES["A"]), ("b-funding", "funding_officer", COUNTIES["B"]),
            ("sup-a", "supervisor", COUNTIES["A"]), ("sup-town", "supervisor", TOWNSHIPS["A"]),
            ("sup-city", "supervisor", CITY), ("worker-a", "social_worker", TOWNSHIPS["A"]))}
        yield client, world, users


def sent(world: World, path: str) -> list:
    return [r for r in world.requests if r.method == "POST" and r.url.path == path]


@pytest.mark.parametrize("action", ["filing", "return", "spot-checks"])
def test_a_contract_is_filed_by_the_level_above_its_signer(env, action):
    client, world, users = env
    contract = world.id("A", "contract")
    path = f"/api/contracts/{contract}/{action}"
    for signer in ("county-funding", "county-admin"):  # the county signed it: it may not file its own contract
        refused = client.post(path, json={}, headers=users[signer])
        assert refused.status_code == 403, refused.text
        assert f"由上一级（{CITY}）受理备案" in refused.json()["error"]["message"]
    assert not sent(world, f"/contracts/{contract}/{action}")
    assert client.post(path, json={}, headers=users["b-funding"]).status_code == 404  # another county's: unseen
    assert client.post(path, json={}, headers=users["city-funding"]).status_code == 200
    assert len(sent(world, f"/contracts/{contract}/{action}")) == 1


def test_a_contract_without_its_filing_level_is_not_filed(tmp_path):
    app, world, _ = make_app(tmp_path)  # the plain stand-in shows no filed_with
    with TestClient(app) as client:
        city = add_account(client, login(client, "admin", ADMIN_PASSWORD), "city-funding", "funding_officer", CITY)
        refused = client.post(f"/api/contracts/{world.id('A', 'contract')}/filing", json={}, headers=city)
        assert refused.status_code == 403 and "受理备案机关" in refused.json()["error"]["message"]


@pytest.mark.parametrize("action", ["plan-approval", "closing-approval"])
def test_a_case_is_approved_by_a_supervisor_of_its_station_or_county(env, action):
    client, world, users = env
    case = world.id("A", "case")
    path = f"/api/cases/{case}/{action}"
    for who, reason in (("worker-a", "督导账户"), ("county-admin", "督导账户"), ("sup-city", "所在站点或县(区)")):
        refused = client.post(path, json={"on": "2026-03-01"}, headers=users[who])
        assert refused.status_code == 403 and reason in refused.json()["error"]["message"], (who, refused.text)
    assert not sent(world, f"/cases/{case}/{action}")
    for who in ("sup-a", "sup-town"):
        assert client.post(path, json={"on": "2026-03-01"}, headers=users[who]).status_code == 200
    # casework learns the approver from X-User, which the gateway sets (and casework refuses the case's own worker)
    assert [r.headers["x-user"] for r in sent(world, f"/cases/{case}/{action}")] == ["sup-a", "sup-town"]
    audit = client.app.state.store.audit_records("", limit=1000, unscoped=True)
    refusals = [r for r in audit if r["path"] == path and r["status"] == 403]
    assert {r["actor"] for r in refusals} == {"worker-a", "county-admin", "sup-city"}
