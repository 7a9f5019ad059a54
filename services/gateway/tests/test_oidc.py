"""Tokens of an external OpenID Connect provider, checked against its JWKS served over real HTTP on a
free port (keys generated here): accepted when genuine, every forged or stale one refused with 401,
the gateway's own tokens and API keys unaffected."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, COUNTIES, login, make_app

AUDIENCE = "pzh-api-oidc"


class Provider:
    """An identity provider: a discovery document and a JWKS over HTTP, and the private keys to sign with."""

    def __init__(self):
        self.keys: dict[str, object] = {}  # kid -> private key
        self.published: list[str] = []  # kids in the JWKS
        self.jwks_requests = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": provider.issuer, "jwks_uri": provider.issuer + "/jwks"}
                elif self.path == "/jwks":
                    provider.jwks_requests += 1
                    body = provider.jwks()
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # port 0: a free port
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add_key(self, kind: str = "rsa", publish: bool = True) -> str:
        kid = uuid.uuid4().hex
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa" \
            else ec.generate_private_key(ec.SECP256R1())
        if publish:
            self.published.append(kid)
        return kid

    def jwks(self) -> dict:
        keys = []
        for kid in self.published:
            public = self.keys[kid].public_key()
            if isinstance(public, rsa.RSAPublicKey):
                jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
                jwk["alg"] = "RS256"
            else:
                jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public))
                jwk["alg"] = "ES256"
            keys.append({**jwk, "kid": kid, "use": "sig"})
        return {"keys": keys}

    def public_pem(self, kid: str) -> bytes:
        return (
            self.keys[kid]
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )

    def claims(self, **overrides) -> dict:
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "u-1",
            "preferred_username": "li.county",
            "pzh_role": "county_admin",
            "pzh_area_code": COUNTIES["A"],
            "iat": now,
            "exp": now + 600,
            **overrides,
        }

    def token(self, kid: str, **overrides) -> str:
        key = self.keys[kid]
        alg = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
        return jwt.encode(self.claims(**overrides), key, algorithm=alg, headers={"kid": kid})

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    running = Provider()
    yield running
    running.close()


def gateway(tmp_path, provider: Provider, **overrides):
    app, world, _ = make_app(tmp_path, oidc_issuer=provider.issuer, oidc_audience=AUDIENCE, **overrides)
    return TestClient(app), world


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_genuine_provider_tokens_are_accepted_with_role_and_area_from_their_claims(tmp_path, provider):
    rsa_kid, ec_kid = provider.add_key("rsa"), provider.add_key("ec")
    client, world = gateway(tmp_path, provider)
    with client:
        me = client.get("/api/gateway/me", headers=bearer(provider.token(rsa_kid)))
        assert me.status_code == 200, me.text
        assert me.json() == {
            "username": "oidc:li.county",
            "role": "county_admin",
            "area_code": COUNTIES["A"],
            "kind": "oidc",
            "mfa": True,  # the provider's token: the provider asked for its factors
        }
        # a list-valued role claim holding one platform role (next to the provider's own roles) is accepted
        es = client.get(
            "/api/gateway/me", headers=bearer(provider.token(ec_kid, pzh_role=["offline_access", "auditor"]))
        )
        assert es.status_code == 200 and es.json()["role"] == "auditor"
        # and the area scope applies as to any account: county A's station yes, county B's no
        station = f"/api/stations/{world.id('A', 'station')}"
        assert client.get(station, headers=bearer(provider.token(rsa_kid))).status_code == 200
        assert (
            client.get(f"/api/stations/{world.id('B', 'station')}", headers=bearer(provider.token(rsa_kid))).status_code
            == 404
        )
        # the gateway's own tokens keep working beside the provider's
        admin = login(client, "admin", ADMIN_PASSWORD)
        assert client.get("/api/gateway/me", headers=admin).json()["kind"] == "user"
        # an auditor from the provider reads the audit log, where the provider's users appear by name
        client.post("/api/gateway/logout", headers=bearer(provider.token(rsa_kid)))
        audit = client.get("/api/gateway/audit", headers=bearer(provider.token(ec_kid, pzh_role="auditor")))
        assert audit.status_code == 200 and any(r["actor"] == "oidc:li.county" for r in audit.json()["records"])
    assert provider.jwks_requests == 1  # keys cached across requests


def test_token_attacks_are_refused_with_401(tmp_path, provider):
    kid = provider.add_key("rsa")
    ec_kid = provider.add_key("ec")
    stranger = Provider()  # another provider's key with a kid the gateway's provider also uses
    stranger.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unpublished = provider.add_key("rsa", publish=False)
    now = int(time.time())
    attacks = {
        "alg none": jwt.encode(provider.claims(), None, algorithm="none", headers={"kid": kid}),
        "alg none, hand made": f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT', 'kid': kid}).encode())}."
        f"{b64(json.dumps(provider.claims()).encode())}.",
        "wrong signature": stranger.token(kid, iss=provider.issuer),
        "expired": provider.token(kid, exp=now - 120, iat=now - 900),
        "wrong audience": provider.token(kid, aud="someone-else"),
        "wrong issuer": provider.token(kid, iss="https://evil.example"),
        "unknown kid": provider.token(unpublished),
        "algorithm not the key's (ES256 on an RSA kid)": jwt.encode(
            provider.claims(), provider.keys[ec_kid], algorithm="ES256", headers={"kid": kid}
        ),
        "no role": provider.token(kid, pzh_role="superuser"),
        "two roles": provider.token(kid, pzh_role=["city_admin", "auditor"]),
        "no area": provider.token(kid, pzh_area_code=None),
        "no exp": jwt.encode(
            {k: v for k, v in provider.claims().items() if k != "exp"},
            provider.keys[kid],
            algorithm="RS256",
            headers={"kid": kid},
        ),
        "garbage": "not-a-jwt",
    }
    # HS/RS confusion: HS256 signed with the provider's PEM public key as the secret (made by hand:
    # PyJWT itself refuses to use a PEM key as an HMAC secret).
    hs_header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    signing_input = f"{hs_header}.{b64(json.dumps(provider.claims()).encode())}"
    signature = hmac.new(provider.public_pem(kid), signing_input.encode(), hashlib.sha256).digest()
    attacks["HS/RS confusion (public key as HMAC secret)"] = f"{signing_input}.{b64(signature)}"
    client, _ = gateway(tmp_path, provider)
    with client:
        assert client.get("/api/gateway/me", headers=bearer(provider.token(kid))).status_code == 200  # the control
        failures = []
        for name, token in attacks.items():
            for path in ("/api/gateway/me", f"/api/progress/{COUNTIES['A']}"):
                reply = client.get(path, headers=bearer(token))
                if reply.status_code != 401 or reply.json()["error"]["code"] != "unauthenticated":
                    failures.append(f"{name} {path}: {reply.status_code} {reply.text[:100]}")
        # a revoked API key too
        admin = login(client, "admin", ADMIN_PASSWORD)
        created = client.post(
            "/api/gateway/api-keys",
            json={"name": "etl", "role": "county_admin", "area_code": COUNTIES["A"]},
            headers=admin,
        ).json()
        assert client.get("/api/gateway/me", headers={"X-API-Key": created["api_key"]}).status_code == 200
        assert client.post(f"/api/gateway/api-keys/{created['key_id']}/revocation", headers=admin).status_code == 200
        for headers in ({"X-API-Key": created["api_key"]}, bearer(created["api_key"])):
            if client.get("/api/gateway/me", headers=headers).status_code != 401:
                failures.append("revoked API key accepted")
    stranger.close()
    assert not failures, "\n".join(failures)


def test_an_unknown_kid_refetches_the_key_set_at_most_once_per_interval(tmp_path, provider):
    first = provider.add_key("rsa")
    client, _ = gateway(tmp_path, provider, oidc_jwks_min_refetch_seconds=3600)
    with client:
        assert client.get("/api/gateway/me", headers=bearer(provider.token(first))).status_code == 200
        assert provider.jwks_requests == 1
        # made-up kids: refused without asking the provider again within the interval
        for _ in range(5):
            forged = jwt.encode(
                provider.claims(), provider.keys[first], algorithm="RS256", headers={"kid": uuid.uuid4().hex}
            )
            assert client.get("/api/gateway/me", headers=bearer(forged)).status_code == 401
        assert provider.jwks_requests == 1
    # with the interval elapsed (0 s), a rotated-in key is found by one refetch
    client, _ = gateway(tmp_path / "second", provider, oidc_jwks_min_refetch_seconds=0)
    with client:
        assert client.get("/api/gateway/me", headers=bearer(provider.token(first))).status_code == 200
        before = provider.jwks_requests
        rotated = provider.add_key("ec")
        assert client.get("/api/gateway/me", headers=bearer(provider.token(rotated))).status_code == 200
        assert provider.jwks_requests == before + 1


def test_a_jwks_file_and_a_direct_jwks_url_work_without_discovery(tmp_path, provider):
    kid = provider.add_key("ec")
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(provider.jwks()))
    for name, source in (("file", str(jwks_file)), ("url", provider.issuer + "/jwks")):
        client, _ = gateway(tmp_path / name, provider, oidc_jwks_url=source)
        with client:
            assert client.get("/api/gateway/me", headers=bearer(provider.token(kid))).status_code == 200, name
            assert client.get("/api/gateway/me", headers=bearer(provider.token(kid, aud="x"))).status_code == 401, name


def test_oidc_needs_an_audience(tmp_path, provider):
    with pytest.raises(RuntimeError, match="GATEWAY_OIDC_AUDIENCE"):
        make_app(tmp_path, oidc_issuer=provider.issuer)


def test_an_unreachable_provider_refuses_its_tokens_but_not_local_ones(tmp_path, provider):
    kid = provider.add_key("rsa")
    token = provider.token(kid)
    provider.close()
    client, _ = gateway(tmp_path, provider)
    with client:
        assert client.get("/api/gateway/me", headers=bearer(token)).status_code == 401
        assert client.get("/api/gateway/me", headers=login(client, "admin", ADMIN_PASSWORD)).status_code == 200
