from __future__ import annotations

import base64
import random
import secrets
from contextlib import closing

import httpx
import pytest
from localinfra.run import new_password
from localinfra.waiting import wait_for  # noqa: F401  (the e2e tests import it from here)


@pytest.fixture(scope="session")
def platform(kafka_bootstrap, jaeger, tmp_path_factory):
    """Every process of the platform, started as in production, sharing one broker and exporting its spans to
    the session's Jaeger (and to a JSON-lines file, which the privacy sweep searches): every service's
    events encrypted at rest (required for talent and casework in production, see docs/operations.md)
    and every process serving its Prometheus metrics, so the privacy sweep can search both."""
    from localinfra.platform import PROCESSES, Platform, free_port

    data_dir = tmp_path_factory.mktemp("platform")
    running = Platform(kafka_bootstrap=kafka_bootstrap, data_dir=data_dir, spans_file=data_dir / "spans.jsonl",
                       otlp_endpoint=jaeger.otlp_endpoint,
                       extra_env={**GATEWAY_ENV, **CIPHER_ENV}, metrics_ports={name: free_port() for name in PROCESSES})
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


# A random AES-256 key per service and session: nothing stored by one session can be read by another.
CIPHER_ENV = {f"{service}_CIPHER_KEY": base64.b64encode(secrets.token_bytes(32)).decode()
              for service in ("REGISTRY", "TALENT", "CASEWORK", "FUNDING")}

# The gateway authenticates every call: a system admin is bootstrapped from these settings, and the
# tests act as accounts it creates (by default a city admin, who may do everything in Panzhihua).
GATEWAY_ENV = {
    "GATEWAY_JWT_SECRET": secrets.token_urlsafe(48),
    "GATEWAY_BOOTSTRAP_ADMIN_USERNAME": "e2e-system-admin",
    "GATEWAY_BOOTSTRAP_ADMIN_PASSWORD": secrets.token_urlsafe(24),
    "GATEWAY_BOOTSTRAP_ADMIN_ROLE": "system_admin",
    "GATEWAY_BOOTSTRAP_ADMIN_AREA": "510400",
}
_PASSWORD = new_password()  # the gateway's password rule (three kinds of character)


def sign_in(gateway_url: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=gateway_url, timeout=30)
    reply = client.post("/api/gateway/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
    return client


def account(gateway_url: str, username: str, role: str = "city_admin", area_code: str = "510400") -> httpx.Client:
    """A client signed in as this account, created by the bootstrapped system admin if it is new."""
    with closing(sign_in(gateway_url, GATEWAY_ENV["GATEWAY_BOOTSTRAP_ADMIN_USERNAME"],
                         GATEWAY_ENV["GATEWAY_BOOTSTRAP_ADMIN_PASSWORD"])) as admin:
        reply = admin.post("/api/gateway/users", json={"username": username, "password": _PASSWORD, "role": role,
                                                       "area_code": area_code})
        assert reply.status_code in (201, 409), reply.text
    return sign_in(gateway_url, username, _PASSWORD)


@pytest.fixture
def gateway(platform):
    with closing(account(platform.gateway_url, "e2e-city-admin")) as client:
        yield client


_used_townships: set[str] = set()


@pytest.fixture
def township(gateway):
    """A township of its own per test (registered through the gateway), so tests sharing one
    platform never see each other's counts."""
    code = random.choice([f"510421{n:03d}" for n in range(100, 1000) if f"510421{n:03d}" not in _used_townships])
    _used_townships.add(code)
    reply = gateway.post("/api/areas", json={"code": code, "name": f"测试镇{code[-3:]}", "valid_from": "2020-01-01"})
    assert reply.status_code == 201, reply.text
    return code

