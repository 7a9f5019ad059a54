"""`make run`'s and `make demo`'s accounts (issue 15, "roles that can exist"): beside the city administrator, a
system administrator and an auditor, each with a password made once under var/ (mode 600); the city administrator
creates county and station accounts; the demo makes one account of every role where its year has data. Driven
against the gateway in process (its stand-in services), with the gateway's own account rules."""

from __future__ import annotations

import json
import stat

from fastapi.testclient import TestClient
from gateway.roles import ROLES
from gateway.testing import make_app
from localinfra.demo import build_scenario, create_demo_accounts, demo_accounts
from localinfra.run import admin_password, bootstrap_env, local_accounts, local_password, sign_in


def gateway_of(tmp_path, root):
    """The gateway as `make run` starts it: its bootstrap account from bootstrap_env."""
    env = bootstrap_env(root)
    app, *_ = make_app(tmp_path / "gateway", bootstrap_admin_username=env["GATEWAY_BOOTSTRAP_ADMIN_USERNAME"],
                       bootstrap_admin_password=env["GATEWAY_BOOTSTRAP_ADMIN_PASSWORD"],
                       bootstrap_admin_role=env["GATEWAY_BOOTSTRAP_ADMIN_ROLE"],
                       bootstrap_admin_area=env["GATEWAY_BOOTSTRAP_ADMIN_AREA"],
                       mfa_required=False)  # as on the local platform (localinfra.platform)
    return TestClient(app)


def signed_in(client: TestClient, username: str, password: str) -> TestClient:
    sign_in(client, username, password)
    return client


def test_passwords_are_made_once_private_and_reused(tmp_path):
    first = local_password(tmp_path, "auditor")
    assert len(first) >= 12 and local_password(tmp_path, "auditor") == first
    assert stat.S_IMODE((tmp_path / "auditor-password").stat().st_mode) == 0o600
    assert admin_password(tmp_path) == (tmp_path / "admin-password").read_text().strip()  # as before


def test_run_makes_a_system_administrator_an_auditor_and_the_city_administrator(tmp_path):
    root = tmp_path / "var"
    with gateway_of(tmp_path, root) as client:
        accounts = local_accounts(client, root)
        assert [(name, path.name) for name, _, path in accounts] == [
            ("sysadmin", "sysadmin-password"), ("admin", "admin-password"), ("security", "security-password"),
            ("auditor", "auditor-password")]
        for _, _, path in accounts:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        users = {u["username"]: (u["role"], u["area_code"]) for u in client.get("/api/gateway/users").json()["users"]}
        assert users == {"sysadmin": ("system_admin", "510400"), "admin": ("city_admin", "510400"),
                         "security": ("security_admin", "510400"), "auditor": ("auditor", "510400")}
        assert local_accounts(client, root) == accounts  # a restart: the accounts are there, nothing changes
        auditor = signed_in(client, "auditor", local_password(root, "auditor"))
        assert auditor.get("/api/gateway/audit").status_code == 200  # someone can read the audit now
        sysadmin = signed_in(client, "sysadmin", local_password(root, "sysadmin"))
        assert sysadmin.post("/api/gateway/api-keys", json={"name": "k", "role": "city_admin",
                                                            "area_code": "510400"}).status_code == 201


def test_the_city_administrator_creates_county_and_station_accounts(tmp_path):
    root = tmp_path / "var"
    with gateway_of(tmp_path, root) as client:
        local_accounts(client, root)
        admin = signed_in(client, "admin", admin_password(root))
        for username, role, area in (("county", "county_admin", "510421"), ("town", "township_admin", "510421100"),
                                     ("operator", "station_operator", "510421100"),
                                     ("worker", "social_worker", "510421100"), ("supervisor", "supervisor", "510421"),
                                     ("funds", "funding_officer", "510421")):
            reply = admin.post("/api/gateway/users", json={"username": username, "password": "Pass-word-1234",
                                                           "role": role, "area_code": area})
            assert reply.status_code == 201, (role, reply.text)
        for role in ("auditor", "security_admin", "system_admin"):  # only a system administrator makes these
            reply = admin.post("/api/gateway/users", json={"username": role, "password": "Pass-word-1234",
                                                           "role": role, "area_code": "510421"})
            assert reply.status_code == 403


def test_the_demo_makes_one_account_of_every_role_where_its_year_has_data(tmp_path):
    root, sc = tmp_path / "var", build_scenario()
    accounts = demo_accounts(sc)
    assert sorted(role for _, role, _ in accounts) == sorted(ROLES)
    areas = {s.area_code for s in sc.stations} | {s.county for s in sc.stations} | {"510400"}
    assert all(area in areas for _, _, area in accounts)
    worker_area = next(area for _, role, area in accounts if role == "social_worker")
    assert any(c.area_code.startswith(worker_area) or sc.station(c.station).area_code == worker_area for c in sc.cases)
    with gateway_of(tmp_path, root) as client:
        local_accounts(client, root)
        admin = TestClient(client.app)
        sign_in(admin, "admin", admin_password(root))
        sysadmin = TestClient(client.app)
        sign_in(sysadmin, "sysadmin", local_password(root, "sysadmin"))
        passwords = root / "demo-passwords"
        made = create_demo_accounts(admin, sysadmin, sc, passwords)
        assert sorted(made) == sorted(accounts)
        assert create_demo_accounts(admin, sysadmin, sc, passwords) == made  # a second run changes nothing
        assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
        for username, role, _ in accounts:
            me = signed_in(TestClient(client.app), username, json.loads(passwords.read_text())[username])
            assert me.get("/api/gateway/me").json()["role"] == role


def test_a_restart_after_the_system_administrator_enrolled_its_totp_still_starts(tmp_path, capsys):
    """Issue 18: the console gave sysadmin a second factor this script cannot give; a later start that finds an
    account missing (a store made before the security administrator existed) names it instead of failing."""
    import pyotp

    root = tmp_path / "var"
    with gateway_of(tmp_path, root) as client:
        local_accounts(client, root)
        enrolment = client.post("/api/gateway/mfa/enrolment").json()["secret"]
        confirmed = client.post("/api/gateway/mfa/enrolment/confirmation",
                                json={"code": pyotp.TOTP(enrolment).at(client.app.state.auth.clock())})
        assert confirmed.status_code == 200, confirmed.text
        (root / "security-password").unlink()
        restarted = TestClient(client.app)
        accounts = local_accounts(restarted, root)
        assert [name for name, _, _ in accounts] == ["sysadmin", "admin", "auditor"]
        assert "security" in capsys.readouterr().out
