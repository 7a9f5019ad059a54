"""The second factor and account life (issue 18, item 7; reliability item S22): with GATEWAY_MFA_REQUIRED a
session opened without a TOTP code reaches nothing but enrolment; an enrolled account signs in only with a fresh
code (pyotp computes them here, as an authenticator app would); the console enrols every user; a security
administrator resets a lost authenticator; disabling an account or changing its role ends its sessions and the API
keys it made at its next request."""

from __future__ import annotations

import re

import pyotp
import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, COUNTIES, PASSWORD, make_app

from .console_sign_in import code_for, enrol

STRONG = "Another-passw0rd"


@pytest.fixture
def env(tmp_path):
    app, world, clock = make_app(tmp_path, mfa_required=True)
    with TestClient(app) as client:
        yield client, world, clock


def bearer(reply) -> dict[str, str]:
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def sign_in(client: TestClient, username: str, password: str, code: str | None = None):
    return client.post("/api/gateway/login", json={"username": username, "password": password, "code": code})


def enrolled(client: TestClient, username: str, password: str) -> dict[str, str]:
    """A session of the account opened with its second factor (enrolled first when it has none)."""
    enrol(client, username, password)
    return bearer(sign_in(client, username, password, code_for(client, username)))


def make_user(client: TestClient, admin: dict[str, str], username: str, role: str, area: str) -> None:
    made = client.post("/api/gateway/users", json={"username": username, "password": PASSWORD, "role": role,
                                                   "area_code": area}, headers=admin)
    assert made.status_code == 201, made.text


def test_a_session_without_a_second_factor_reaches_only_enrolment(env, record_property):
    client, world, clock = env
    first = sign_in(client, "admin", ADMIN_PASSWORD)
    assert first.json()["mfa"] is False
    unenrolled = bearer(first)
    station = f"/api/stations/{world.id('A', 'station')}"
    tried = [client.get(station, headers=unenrolled),
             client.post("/api/gateway/users", json={"username": "x", "password": STRONG, "role": "auditor",
                                                     "area_code": "510400"}, headers=unenrolled),
             client.get("/api/gateway/users", headers=unenrolled),
             client.get("/api/gateway/api-keys", headers=unenrolled)]
    assert all(r.status_code == 403 and "动态口令" in r.json()["error"]["message"] for r in tried), \
        [r.text for r in tried]
    assert client.get("/api/gateway/me", headers=unenrolled).json()["mfa"] is False

    secret = client.post("/api/gateway/mfa/enrolment", headers=unenrolled).json()["secret"]
    wrong = client.post("/api/gateway/mfa/enrolment/confirmation", json={"code": "000000"}, headers=unenrolled)
    assert wrong.status_code == 422 and "动态验证码不正确" in wrong.json()["error"]["message"]
    step = int(clock() // 30)
    confirmed = client.post("/api/gateway/mfa/enrolment/confirmation",
                            json={"code": pyotp.TOTP(secret).at(step * 30)}, headers=unenrolled)
    assert confirmed.status_code == 200, confirmed.text
    assert client.get(station, headers=unenrolled).status_code == 200  # the same session, now with its factor
    again = client.post("/api/gateway/mfa/enrolment", headers=unenrolled)
    assert again.status_code == 409 and "安全管理员" in again.json()["error"]["message"]

    # from now on the password alone signs in nobody, nor a wrong, stale or already used code
    refused = [sign_in(client, "admin", ADMIN_PASSWORD),
               sign_in(client, "admin", ADMIN_PASSWORD, "123456"),
               sign_in(client, "admin", ADMIN_PASSWORD, pyotp.TOTP(secret).at((step - 3) * 30)),
               sign_in(client, "admin", ADMIN_PASSWORD, pyotp.TOTP(secret).at(step * 30))]  # used to enrol
    assert [r.status_code for r in refused] == [401] * 4
    assert all(r.json()["error"]["message"] == "用户名、密码或动态验证码错误，或账户已锁定" for r in refused)
    fresh = sign_in(client, "admin", ADMIN_PASSWORD, pyotp.TOTP(secret).at((step + 1) * 30))
    assert fresh.status_code == 200 and fresh.json()["mfa"] is True
    replay = sign_in(client, "admin", ADMIN_PASSWORD, pyotp.TOTP(secret).at((step + 1) * 30))
    assert replay.status_code == 401
    actions = [r["action"] for r in client.app.state.store.audit_records("", unscoped=True, limit=1000)]
    assert {"mfa_enrolment", "mfa_enrolled"} <= set(actions)
    record_property("reliability", {"calls of an unenrolled session": len(tried), "refused 403": len(tried),
                                    "sign-ins without a valid fresh code": len(refused) + 1,
                                    "refused 401": len(refused) + 1})


def test_failed_codes_count_towards_the_lockout(env):
    client, _, _ = env
    enrol(client, "admin", ADMIN_PASSWORD)
    for _ in range(client.app.state.auth.settings.max_failed_logins):
        assert sign_in(client, "admin", ADMIN_PASSWORD, "000000").status_code == 401
    assert sign_in(client, "admin", ADMIN_PASSWORD, code_for(client, "admin")).status_code == 401  # locked


def test_the_console_enrols_every_user_at_the_first_sign_in(tmp_path):
    # the console asks for the factor even where the API does not (GATEWAY_MFA_REQUIRED=false here)
    app, _, clock = make_app(tmp_path)
    with TestClient(app) as client:
        page = client.get("/console/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        signed = client.post("/console/login", data={"csrf": csrf, "username": "admin", "password": ADMIN_PASSWORD},
                             follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/console/mfa"
        elsewhere = client.get("/console/accounts", follow_redirects=False)
        assert elsewhere.status_code == 303 and elsewhere.headers["location"] == "/console/mfa"
        form = client.get("/console/mfa")
        assert form.status_code == 200 and "绑定动态口令" in form.text
        secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', form.text).group(1)
        assert re.search(r'href="otpauth://totp/[^"]*secret=' + secret, form.text)
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        wrong = client.post("/console/mfa", data={"csrf": token, "code": "000000"})
        assert wrong.status_code == 422 and "已生成新的密钥" in wrong.text
        secret = re.search(r'id="mfa-secret">([A-Z2-7]+)<', wrong.text).group(1)
        done = client.post("/console/mfa", data={"csrf": token, "code": pyotp.TOTP(secret).at(clock())},
                           follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/console/accounts"
        assert client.get("/console/accounts").status_code == 200
        assert client.app.state.store.account("admin").mfa_secret == secret


def test_a_security_admin_resets_a_lost_authenticator_and_no_one_else(env):
    client, _, _ = env
    admin = enrolled(client, "admin", ADMIN_PASSWORD)
    make_user(client, admin, "security", "security_admin", "510400")
    make_user(client, admin, "security-2", "security_admin", "510400")
    make_user(client, admin, "county-a", "county_admin", COUNTIES["A"])
    security, county = enrolled(client, "security", PASSWORD), enrolled(client, "county-a", PASSWORD)
    assert client.post("/api/gateway/users/county-a/mfa-reset", headers=admin).status_code == 403
    own = client.post("/api/gateway/users/security/mfa-reset", headers=security)
    assert own.status_code == 403 and "另一名安全管理员" in own.json()["error"]["message"]
    assert client.post("/api/gateway/users/county-a/mfa-reset", headers=security).status_code == 200
    assert client.get("/api/gateway/me", headers=county).status_code == 401  # its sessions ended
    again = sign_in(client, "county-a", PASSWORD)
    assert again.status_code == 200 and again.json()["mfa"] is False  # enrols a new authenticator
    # the security administrator neither makes accounts nor reads any service's data or the audit log
    assert client.post("/api/gateway/users", json={"username": "x", "password": STRONG, "role": "auditor",
                                                   "area_code": "510400"}, headers=security).status_code == 403
    assert client.get("/api/gateway/audit", headers=security).status_code == 403
    assert client.get("/api/areas", headers=security).status_code == 403
    # a second security administrator recovers the first
    other = enrolled(client, "security-2", PASSWORD)
    assert client.post("/api/gateway/users/security/mfa-reset", headers=other).status_code == 200


def test_disabling_an_account_or_changing_its_role_ends_its_sessions_and_keys(env, record_property):
    client, world, clock = env
    admin = enrolled(client, "admin", ADMIN_PASSWORD)
    make_user(client, admin, "county-sys", "system_admin", COUNTIES["A"])
    make_user(client, admin, "county-a", "county_admin", COUNTIES["A"])
    county_sys, county = enrolled(client, "county-sys", PASSWORD), enrolled(client, "county-a", PASSWORD)
    key = client.post("/api/gateway/api-keys", json={"name": "sync", "role": "county_admin",
                                                     "area_code": COUNTIES["A"]}, headers=county_sys).json()["api_key"]
    station = f"/api/stations/{world.id('A', 'station')}"
    assert client.get(station, headers=county_sys).status_code == 200
    assert client.get(station, headers={"X-API-Key": key}).status_code == 200
    assert client.get(station, headers=county).status_code == 200

    disabled_at = clock()
    assert client.post("/api/gateway/users/county-sys/disable", headers=admin).status_code == 200
    dead = [client.get(station, headers=county_sys), client.get(station, headers={"X-API-Key": key}),
            client.get("/api/gateway/me", headers=county_sys)]
    refused_after = clock() - disabled_at
    assert [r.status_code for r in dead] == [401, 401, 401]
    assert sign_in(client, "county-sys", PASSWORD, code_for(client, "county-sys")).status_code == 401

    assert client.post("/api/gateway/users/county-a/role", json={"role": "township_admin",
                                                                 "area_code": f"{COUNTIES['A']}100"},
                       headers=admin).status_code == 200
    assert client.get(station, headers=county).status_code == 401  # signs in again, with the new role
    record_property("reliability", {"s from disabling to refusal (the next request)": refused_after,
                                    "requests of the disabled account and its key refused": len(dead),
                                    "role change: old session refused": True})
    assert refused_after <= 60


def test_passwords_follow_the_platforms_rule(env):
    client, _, _ = env
    admin = enrolled(client, "admin", ADMIN_PASSWORD)
    # too short; fewer than three kinds of character (twice); the user's own name in it
    for username, weak in (("x", "Short1-"), ("x", "alllowercase-only"), ("x", "NoDigitsOrSymbols"),
                           ("li.wei", "Li.Wei-2026-spring")):
        reply = client.post("/api/gateway/users", json={"username": username, "password": weak, "role": "auditor",
                                                        "area_code": "510400"}, headers=admin)
        assert reply.status_code == 422 and "password" in reply.text and "12 个字符" in reply.text, (weak, reply.text)
    ok = client.post("/api/gateway/users", json={"username": "x", "password": STRONG, "role": "auditor",
                                                 "area_code": "510400"}, headers=admin)
    assert ok.status_code == 201, ok.text


def test_a_store_made_before_the_second_factor_gains_its_columns(tmp_path):
    import sqlite3

    from gateway.adapters.sqlite_store import SqliteGatewayStore

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""CREATE TABLE accounts (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
        role TEXT NOT NULL, area_code TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
        failed_count INTEGER NOT NULL DEFAULT 0, locked_until REAL NOT NULL DEFAULT 0, created_at REAL NOT NULL,
        created_by TEXT NOT NULL);
        CREATE TABLE sessions (sid TEXT PRIMARY KEY, username TEXT NOT NULL, created_at REAL NOT NULL,
        last_seen REAL NOT NULL, ended_at REAL);
        INSERT INTO accounts VALUES ('old', 'h', 'auditor', '510400', 0, 0, 0, 0, 'bootstrap');""")
    old.commit()
    old.close()
    store = SqliteGatewayStore(path)
    account = store.account("old")
    assert account is not None and account.mfa_secret is None and account.mfa_last_step == 0
    store.close()


def test_the_security_admin_resets_an_authenticator_from_the_console(tmp_path):
    from .console_sign_in import console_sign_in

    app, _, _ = make_app(tmp_path)
    with TestClient(app) as client:
        admin = bearer(sign_in(client, "admin", ADMIN_PASSWORD))
        make_user(client, admin, "security", "security_admin", "510400")
        make_user(client, admin, "county-a", "county_admin", COUNTIES["A"])
        enrol(client, "county-a", PASSWORD)
        assert console_sign_in(client, "security", PASSWORD).status_code == 303
        page = client.get("/console/accounts")
        assert page.status_code == 200 and 'id="create-account"' not in page.text  # it makes no accounts
        assert 'id="mfa-reset-county-a"' in page.text and 'id="disable-county-a"' not in page.text
        assert 'id="mfa-reset-security"' not in page.text  # not its own
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        reset = client.post("/console/accounts/county-a/mfa-reset", data={"csrf": csrf}, follow_redirects=False)
        assert reset.status_code == 303 and client.app.state.store.account("county-a").mfa_secret is None
        keys = client.get("/console/api-keys")
        assert keys.status_code == 200 and 'id="create-key"' not in keys.text
