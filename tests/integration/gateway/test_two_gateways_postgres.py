"""Two gateway processes (`python -m gateway`, two ports) on one PostgreSQL store, in front of stand-in services
(gateway.testing.World over plain HTTP): a session made on one works on the other, a key revoked on one is refused
by both, and the rate limit holds across both."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from gateway.testing import ADMIN_PASSWORD, PASSWORD, SECRET, World
from localinfra.kafka import free_port

from ..processes import stop, wait_healthy

RATE = 30  # requests per account per minute, across both gateways
STATIONS = "/api/read-models/stations/510400"  # a forwarded read every role may make


def stand_in_services(world: World) -> ThreadingHTTPServer:
    """The five services as one HTTP server answering what World answers."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            content = self.rfile.read(int(self.headers.get("content-length") or 0))
            request = httpx.Request(self.command, f"http://stand-in{self.path}", headers=dict(self.headers.items()),
                                    content=content)
            reply = world.handler(request)
            self.send_response(reply.status_code)
            for name, value in reply.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(reply.content)))
            self.end_headers()
            self.wfile.write(reply.content)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

        def log_message(self, format: str, *args: object) -> None:  # quiet: the test reads the answers
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def gateway_env(postgres_server, schema: str, port: int, upstream: str, tmp: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update({
        "GATEWAY_STORE": "postgres", "GATEWAY_POSTGRES_HOST": postgres_server.host,
        "GATEWAY_POSTGRES_PORT": str(postgres_server.port), "GATEWAY_POSTGRES_DBNAME": postgres_server.dbname,
        "GATEWAY_POSTGRES_USER": postgres_server.user, "GATEWAY_POSTGRES_PASSWORD": postgres_server.password or "",
        "GATEWAY_POSTGRES_SCHEMA": schema, "GATEWAY_HTTP_PORT": str(port), "GATEWAY_JWT_SECRET": SECRET,
        "GATEWAY_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD, "GATEWAY_RATE_LIMIT_PER_MINUTE": str(RATE),
        "GATEWAY_DATA_DIR": str(tmp / f"data-{port}"),  # no SQLite file may stand in for the shared store
        "GATEWAY_MFA_REQUIRED": "false",  # signs in by password (the second factor: gateway/tests/test_mfa.py)
        **{f"GATEWAY_{name.upper()}_URL": upstream for name in ("registry", "talent", "casework", "funding",
                                                                 "reporting")},
    })
    return env


@pytest.fixture(scope="module")
def gateways(postgres_server, tmp_path_factory) -> Iterator[tuple[httpx.Client, httpx.Client]]:  # type: ignore[no-untyped-def]
    """Started once for the module (each test uses accounts of its own): two processes, one fresh schema."""
    tmp_path: Path = tmp_path_factory.mktemp("gateways")
    services = stand_in_services(World())
    upstream = f"http://127.0.0.1:{services.server_address[1]}"
    schema = f"gateway_{uuid.uuid4().hex[:10]}"
    procs: list[subprocess.Popen[bytes]] = []
    clients: list[httpx.Client] = []
    try:
        for n in range(2):
            port = free_port()
            log = tmp_path / f"gateway-{n}.log"
            procs.append(subprocess.Popen([sys.executable, "-m", "gateway"], stdout=log.open("wb"),
                                          stderr=subprocess.STDOUT, start_new_session=True,
                                          env=gateway_env(postgres_server, schema, port, upstream, tmp_path)))
            clients.append(httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10))
            wait_healthy(procs[-1], clients[-1], log, f"gateway {n}")
        yield clients[0], clients[1]
    finally:
        for client in clients:
            client.close()
        for proc in procs:
            stop(proc)
        services.shutdown()


def _login(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    reply = client.post("/api/gateway/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def test_a_session_made_on_one_gateway_works_on_the_other(gateways) -> None:  # type: ignore[no-untyped-def]
    one, two = gateways
    admin = _login(one, "admin", ADMIN_PASSWORD)
    assert two.get(STATIONS, headers=admin).status_code == 200
    account = {"username": "county-a", "password": PASSWORD, "role": "county_admin", "area_code": "510421"}
    assert two.post("/api/gateway/users", json=account, headers=admin).status_code == 201
    assert one.post("/api/gateway/users", json=account, headers=admin).status_code == 409  # one store of names
    county = _login(two, "county-a", PASSWORD)
    assert one.get("/api/read-models/stations/510421", headers=county).status_code == 200
    assert one.post("/api/gateway/logout", headers=county).status_code in (200, 204)
    assert two.get("/api/read-models/stations/510421", headers=county).status_code == 401  # ended for both
    auditor = {"username": "city-auditor", "password": PASSWORD, "role": "auditor", "area_code": "510400"}
    assert one.post("/api/gateway/users", json=auditor, headers=admin).status_code == 201
    reply = two.get("/api/gateway/audit", headers=_login(two, "city-auditor", PASSWORD))
    assert reply.status_code == 200, reply.text
    actions = [r["action"] for r in reply.json()["records"]]
    assert actions.count("create_account") == 3  # both gateways' records in one log (201, 409, 201)


def test_a_key_revoked_on_one_gateway_is_refused_by_both(gateways) -> None:  # type: ignore[no-untyped-def]
    one, two = gateways
    admin = _login(one, "admin", ADMIN_PASSWORD)
    issued = one.post("/api/gateway/api-keys", headers=admin,
                      json={"name": "county-a-sync", "role": "county_admin", "area_code": "510421"})
    assert issued.status_code == 201, issued.text
    key = {"X-API-Key": issued.json()["api_key"]}
    assert [c.get("/api/read-models/stations/510421", headers=key).status_code for c in (one, two)] == [200, 200]
    revoked = two.post(f"/api/gateway/api-keys/{issued.json()['key_id']}/revocation", headers=admin)
    assert revoked.status_code == 200
    assert [c.get("/api/read-models/stations/510421", headers=key).status_code for c in (one, two)] == [401, 401]


def test_the_rate_limit_holds_across_both_gateways(gateways) -> None:  # type: ignore[no-untyped-def]
    one, two = gateways
    admin = _login(one, "admin", ADMIN_PASSWORD)
    account = {"username": "city-reader", "password": PASSWORD, "role": "city_admin", "area_code": "510400"}
    assert one.post("/api/gateway/users", json=account, headers=admin).status_code == 201
    reader = _login(two, "city-reader", PASSWORD)
    started = time.monotonic()
    replies = [(one, two)[n % 2].get(STATIONS, headers=reader) for n in range(2 * RATE)]
    elapsed = time.monotonic() - started
    passed = [r.status_code for r in replies].count(200)
    refill = int(elapsed * RATE / 60) + 1  # the bucket refills while the requests go out
    # Each gateway counting alone would pass all 2 * RATE; shared, the bucket's RATE and what refilled meanwhile.
    assert RATE <= passed <= RATE + refill, (passed, elapsed)
    refused = [r for r in replies if r.status_code != 200]
    assert {r.status_code for r in refused} == {429}
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert {r.request.url.port for r in refused} == {one.base_url.port, two.base_url.port}  # both refuse
    assert "请求过于频繁" in refused[0].json()["error"]["message"]


def test_an_account_disabled_on_one_gateway_is_refused_by_both(gateways) -> None:  # type: ignore[no-untyped-def]
    """Issue 18 item 7: disabling ends the account's sessions and its keys on every replica at their next request."""
    one, two = gateways
    admin = _login(one, "admin", ADMIN_PASSWORD)
    account = {"username": "county-sys", "password": PASSWORD, "role": "system_admin", "area_code": "510421"}
    assert one.post("/api/gateway/users", json=account, headers=admin).status_code == 201
    session = _login(two, "county-sys", PASSWORD)
    issued = two.post("/api/gateway/api-keys", headers=session,
                      json={"name": "county-sync", "role": "county_admin", "area_code": "510421"})
    assert issued.status_code == 201, issued.text
    key = {"X-API-Key": issued.json()["api_key"]}
    assert two.post("/api/gateway/users/county-sys/disable", headers=admin).status_code == 200
    for credentials in (session, key):
        assert [c.get("/api/read-models/stations/510421", headers=credentials).status_code
                for c in (one, two)] == [401, 401]
