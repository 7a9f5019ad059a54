"""Sign-in, tokens, sessions and API keys: what is accepted, and every forged or stale credential
refused with 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from gateway.auth import Authenticator
from gateway.settings import GatewaySettings
from gateway.testing import ADMIN_PASSWORD, PASSWORD, SECRET, add_account, login, make_app
from pzh_shared.areas import scope_prefix


@pytest.fixture
def env(tmp_path):
    app, world, clock = make_app(tmp_path)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        county = add_account(client, admin, "county-a", "county_admin", "510421")
        yield client, world, clock, admin, county


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(clock, **overrides):
    now = int(clock())
    return {
        "iss": "pzh-gateway",
        "aud": "pzh-api",
        "sub": "county-a",
        "sid": "x",
        "role": "city_admin",
        "area": "510400",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        **overrides,
    }


def station(client, world, headers):
    return client.get(f"/api/stations/{world.id('A', 'station')}", headers=headers)


def test_a_signed_in_user_reaches_the_services_as_itself(env):
    client, world, _, _, county = env
    assert station(client, world, county).status_code == 200
    client.get(f"/api/projects/{world.id('A', 'project')}", headers={**county, "X-User": "someone-else"})
    assert world.requests[-1].headers["x-user"] == "county-a"  # the caller's X-User is never passed on


def test_no_credentials_is_401_with_a_challenge(env):
    client, world, *_ = env
    reply = station(client, world, {})
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"].startswith("Bearer")
    assert reply.json()["error"]["code"] == "unauthenticated"


def test_token_attacks_are_refused(env):
    client, world, clock, _, county = env
    token = county["Authorization"].split()[1]
    header, payload, signature = token.split(".")
    real = jwt.decode(token, SECRET, algorithms=["HS256"], audience="pzh-api")
    forged_payload = b64(json.dumps({**real, "role": "city_admin", "area": "510400"}).encode())
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs_header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    confused_signing_input = f"{hs_header}.{b64(json.dumps(real).encode())}".encode()
    confused_signature = hmac.new(public_pem, confused_signing_input, hashlib.sha256).digest()
    confused = f"{confused_signing_input.decode()}.{b64(confused_signature)}"
    attacks = {
        "alg none": f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{b64(json.dumps(real).encode())}.",
        "alg none, empty sig kept": f"{b64(json.dumps({'alg': 'none'}).encode())}.{payload}.{signature}",
        "tampered payload": f"{header}.{forged_payload}.{signature}",
        "wrong secret": jwt.encode(real, "another-secret-" + "x" * 40, algorithm="HS256"),
        "RS256 signed by an attacker's key": jwt.encode(real, private, algorithm="RS256"),
        "HS/RS confusion (public key as HMAC secret)": confused,
        "expired": jwt.encode({**real, "exp": int(clock()) - 1}, SECRET, algorithm="HS256"),
        "wrong audience": jwt.encode({**real, "aud": "other-api"}, SECRET, algorithm="HS256"),
        "wrong issuer": jwt.encode({**real, "iss": "https://evil.example"}, SECRET, algorithm="HS256"),
        "no session": jwt.encode({k: v for k, v in real.items() if k != "sid"}, SECRET, algorithm="HS256"),
        "unknown session": jwt.encode({**real, "sid": "0" * 32}, SECRET, algorithm="HS256"),
        "other user's session": jwt.encode({**real, "sub": "admin"}, SECRET, algorithm="HS256"),
        "garbage": "not-a-token",
    }
    for name, forged in attacks.items():
        reply = station(client, world, {"Authorization": f"Bearer {forged}"})
        assert reply.status_code == 401, name
    assert station(client, world, {"Authorization": f"Basic {token}"}).status_code == 401
    assert station(client, world, county).status_code == 200  # the genuine token still works


def test_expiry_and_idle_timeout_follow_the_clock(tmp_path):
    app, world, clock = make_app(tmp_path, access_token_ttl=900, session_idle_timeout=600)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        assert station(client, world, admin).status_code == 200
        clock.advance(901)
        assert station(client, world, admin).status_code == 401  # token expired
        admin = login(client, "admin", ADMIN_PASSWORD)
        for _ in range(3):  # activity keeps the session alive
            clock.advance(500)
            admin = {"Authorization": f"Bearer {app.state.auth.issue(_principal(app, admin))}"}
            assert station(client, world, admin).status_code == 200
        clock.advance(601)
        assert station(client, world, admin).status_code == 401  # idle too long: the session is over
        assert station(client, world, admin).status_code == 401


def _principal(app, headers):
    from gateway.auth import Principal

    claims_ = app.state.auth.decode(headers["Authorization"].split()[1])
    return Principal(claims_["sub"], claims_["role"], claims_["area"], "user", claims_["sid"])


def test_logout_ends_the_session(env):
    client, world, _, _, county = env
    assert client.post("/api/gateway/logout", headers=county).status_code == 200
    assert station(client, world, county).status_code == 401


def test_lockout_after_repeated_failures_then_unlock(env):
    client, world, clock, admin, _ = env
    for _ in range(5):
        assert (
            client.post("/api/gateway/login", json={"username": "county-a", "password": "wrong-password"}).status_code
            == 401
        )
    locked = client.post("/api/gateway/login", json={"username": "county-a", "password": PASSWORD})
    assert locked.status_code == 401  # even the right password, while locked
    assert (
        client.post("/api/gateway/login", json={"username": "nobody", "password": "x"}).json() == locked.json()
    )  # no oracle
    clock.advance(901)
    assert client.post("/api/gateway/login", json={"username": "county-a", "password": PASSWORD}).status_code == 200
    for _ in range(5):
        client.post("/api/gateway/login", json={"username": "county-a", "password": "wrong-password"})
    admin = login(client, "admin", ADMIN_PASSWORD)  # the first token has expired meanwhile
    assert client.post("/api/gateway/users/county-a/unlock", headers=admin).status_code == 200
    assert client.post("/api/gateway/login", json={"username": "county-a", "password": PASSWORD}).status_code == 200


def test_passwords_are_stored_as_argon2_hashes(env):
    client, *_ = env
    account = client.app.state.store.account("county-a")
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash


def test_disabled_accounts_lose_their_sessions(env):
    client, world, _, admin, county = env
    assert client.post("/api/gateway/users/county-a/disable", headers=admin).status_code == 200
    assert station(client, world, county).status_code == 401
    assert client.post("/api/gateway/login", json={"username": "county-a", "password": PASSWORD}).status_code == 401


def test_api_keys_are_hashed_scoped_and_revocable(env):
    client, world, _, admin, county = env
    reply = client.post(
        "/api/gateway/api-keys",
        json={"name": "county-a-sync", "role": "county_admin", "area_code": "510421"},
        headers=admin,
    )
    assert reply.status_code == 201, reply.text
    key, key_id = reply.json()["api_key"], reply.json()["key_id"]
    assert key.split(".")[1] not in json.dumps(client.app.state.store.api_keys())
    stored = client.app.state.store.api_key(key_id)
    assert stored.key_hash != key and key.split(".")[1] not in stored.key_hash
    assert station(client, world, {"X-API-Key": key}).status_code == 200
    assert station(client, world, {"Authorization": f"Bearer {key}"}).status_code == 200
    assert world.requests[-1].headers["x-user"] == "apikey%3Acounty-a-sync"
    assert client.get(f"/api/stations/{world.id('B', 'station')}", headers={"X-API-Key": key}).status_code == 404
    assert station(client, world, {"X-API-Key": key[:-2] + "xx"}).status_code == 401
    assert client.post("/api/gateway/api-keys", json={"name": "k", "role": "auditor", "area_code": "510400"},
                       headers=county).status_code == 403  # only system admins issue keys
    assert client.post(f"/api/gateway/api-keys/{key_id}/revocation", headers=admin).status_code == 200
    assert station(client, world, {"X-API-Key": key}).status_code == 401


def test_production_requires_a_jwt_secret(tmp_path):
    from gateway.adapters.sqlite_store import SqliteGatewayStore

    store = SqliteGatewayStore(tmp_path / "g.sqlite")
    with pytest.raises(RuntimeError, match="GATEWAY_JWT_SECRET"):
        Authenticator(GatewaySettings(data_dir=tmp_path), store)
    with pytest.raises(RuntimeError, match="32"):
        Authenticator(GatewaySettings(data_dir=tmp_path, jwt_secret="short"), store)
    dev = Authenticator(GatewaySettings(data_dir=tmp_path, environment="development"), store)
    assert dev.decode(dev.issue(_p())).get("sub") == "u"


def _p():
    from gateway.auth import Principal

    return Principal("u", "city_admin", "510400", "user", "sid")


def test_bootstrap_admin_only_once_and_only_with_a_password(tmp_path):
    app, *_ = make_app(tmp_path)
    assert app.state.store.account("admin").role == "system_admin"
    app2, *_ = make_app(tmp_path / "none", bootstrap_admin_password="")
    assert app2.state.store.accounts() == []


def test_account_management_is_scoped_and_ranked(env):
    client, _, _, admin, county = env
    def create(headers, username, role, area):
        return client.post(
            "/api/gateway/users",
            json={"username": username, "password": PASSWORD, "role": role, "area_code": area},
            headers=headers,
        ).status_code
    assert create(county, "town-a", "township_admin", "510421100") == 201
    assert create(county, "town-b", "township_admin", "510422100") == 403  # another county
    assert create(county, "peer", "county_admin", "510421") == 403        # not above itself
    assert create(county, "aud", "auditor", "510421") == 403              # auditors only by the system admin
    assert create(admin, "aud", "auditor", "510400") == 201
    assert create(admin, "aud", "auditor", "510400") == 409
    users = client.get("/api/gateway/users", headers=county).json()["users"]
    assert {u["username"] for u in users} == {"county-a", "town-a"}
    assert client.post("/api/gateway/users/admin/disable", headers=county).status_code == 404


def test_scope_prefix():
    assert scope_prefix("510400") == "5104"
    assert scope_prefix("510000") == "51"
    assert scope_prefix("510421") == "510421"
    assert scope_prefix("510421100") == "510421100"
    assert scope_prefix("510421100000") == "510421100"
    assert scope_prefix("510421100001") == "510421100001"


def test_tokens_carry_issuer_audience_and_a_short_life(env):
    _, _, clock, _, county = env
    decoded = jwt.decode(
        county["Authorization"].split()[1], SECRET, algorithms=["HS256"], audience="pzh-api", issuer="pzh-gateway"
    )
    assert decoded["exp"] - decoded["iat"] == 900 and decoded["sub"] == "county-a"
    assert abs(decoded["iat"] - time.time()) < 60


def test_a_county_system_admin_manages_keys_and_accounts_only_in_its_county(env):
    client, _, _, admin, _ = env
    county_sysadmin = add_account(client, admin, "sys-510421", "system_admin", "510421")
    city_key = client.post(
        "/api/gateway/api-keys", json={"name": "city-sync", "role": "funding_officer", "area_code": "510400"},
        headers=admin).json()["key_id"]
    assert client.post("/api/gateway/api-keys", json={"name": "k", "role": "funding_officer", "area_code": "510402"},
                       headers=county_sysadmin).status_code == 404
    own = client.post(
        "/api/gateway/api-keys", json={"name": "k", "role": "funding_officer", "area_code": "510421"},
        headers=county_sysadmin)
    assert own.status_code == 201, own.text
    assert [k["key_id"] for k in client.get("/api/gateway/api-keys", headers=county_sysadmin).json()["api_keys"]] == [
        own.json()["key_id"]
    ]
    assert client.post(f"/api/gateway/api-keys/{city_key}/revocation", headers=county_sysadmin).status_code == 404
    users = client.get("/api/gateway/users", headers=county_sysadmin).json()["users"]
    assert users and all(u["area_code"].startswith("510421") for u in users)
    assert client.post(
        "/api/gateway/users",
        json={"username": "elsewhere", "password": "x" * 16, "role": "auditor", "area_code": "510402"},
        headers=county_sysadmin,
    ).status_code in (403, 404)
