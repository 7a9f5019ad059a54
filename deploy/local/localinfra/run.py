"""`make run`: a local Kafka broker, Jaeger and every process of the platform, with SQLite event stores
under var/, in the foreground until Ctrl-C. Data survives restarts (var/kafka, var/data); traces do not (Jaeger
keeps them in memory)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import httpx

from localinfra.jaeger import Jaeger
from localinfra.kafka import KafkaBroker
from localinfra.platform import Platform
from localinfra.supervisor import PortTaken, Supervisor, claim_port

FIXED_PORTS = {"gateway": 8100, "registry-api": 8101, "talent-api": 8102, "casework-api": 8103, "funding-api": 8104,
               "reporting-api": 8105}
KAFKA_PORT = 9092
# Jaeger's own defaults: OTLP gRPC and HTTP in, the UI and query API (HTTP) and the query API (gRPC) out.
JAEGER_PORTS = {"jaeger-otlp-grpc": 4317, "jaeger-otlp-http": 4318, "jaeger-ui": 16686, "jaeger-query-grpc": 16685}


def fixed_ports() -> dict[str, int]:
    """Every port `make run` listens on, the same on every start (the README and the console's links name them);
    LOCALINFRA_PORT_OFFSET moves them all (a second platform beside the first, e.g. the supervisor's test)."""
    offset = int(os.environ.get("LOCALINFRA_PORT_OFFSET", "0"))
    return {name: port + offset for name, port in {**FIXED_PORTS, "kafka": KAFKA_PORT, **JAEGER_PORTS}.items()}


def password_file(root: Path, username: str) -> Path:
    return root / f"{username}-password"


def new_password() -> str:
    """A random password the gateway's rule accepts (three of upper case, lower case, digits, symbols)."""
    while True:
        password = secrets.token_urlsafe(15)
        kinds = (str.isupper, str.islower, str.isdigit, lambda c: not c.isalnum())
        if sum(any(kind(c) for c in password) for kind in kinds) >= 3:
            return password


def local_password(root: Path, username: str) -> str:
    """A local account's password: made once, kept in var/<username>-password (mode 600)."""
    path = password_file(root, username)
    if not path.exists():
        root.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(new_password())
        path.chmod(0o600)
    return path.read_text().strip()


def admin_password(root: Path) -> str:
    """The local city admin's password: made once, kept in var/admin-password (mode 600)."""
    return local_password(root, "admin")


CITY = "510400"
# The local platform's accounts (username, role, the console's name of the role), all for the whole city: the
# system administrator is bootstrapped by the gateway and creates the others (a city administrator may create
# neither an auditor nor a system or security administrator), so that the three administrators of 三权分立 are
# three accounts: someone issues accounts and API keys, someone resets a lost authenticator, someone reads the logs.
BOOTSTRAP = ("sysadmin", "system_admin", "系统管理员")
LOCAL_ACCOUNTS = (("admin", "city_admin", "市级管理员"), ("security", "security_admin", "安全管理员"),
                  ("auditor", "auditor", "审计员"))


def bootstrap_env(root: Path) -> dict[str, str]:
    username, role, _ = BOOTSTRAP
    return {"GATEWAY_BOOTSTRAP_ADMIN_USERNAME": username,
            "GATEWAY_BOOTSTRAP_ADMIN_PASSWORD": local_password(root, username),
            "GATEWAY_BOOTSTRAP_ADMIN_ROLE": role, "GATEWAY_BOOTSTRAP_ADMIN_AREA": CITY}


def sign_in(client: httpx.Client, username: str, password: str) -> None:
    """Signs `client` in: its later requests carry the account's token."""
    reply = client.post("/api/gateway/login", json={"username": username, "password": password})
    if reply.status_code != 200:
        raise RuntimeError(f"登录网关未成功（{username}，HTTP {reply.status_code}）：{reply.text[:300]}")
    client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"


def create_accounts(manager: httpx.Client, accounts: Iterable[tuple[str, str, str, str]]) -> list[str]:
    """Creates each (username, role, area code, password) account with a signed-in manager; an account of that
    name stays as it is. The usernames created now."""
    created = []
    for username, role, area_code, password in accounts:
        reply = manager.post("/api/gateway/users", json={"username": username, "password": password, "role": role,
                                                         "area_code": area_code})
        if reply.status_code not in (201, 409):
            raise RuntimeError(f"创建账户 {username}（{role}）未成功（HTTP {reply.status_code}）：{reply.text[:300]}")
        created += [username] if reply.status_code == 201 else []
    return created


def local_accounts(client: httpx.Client, root: Path) -> list[tuple[str, str, Path]]:
    """Signs `client` (the gateway's) in as the bootstrapped system administrator and creates the other local
    accounts, unless an earlier start made them all; every local account as (username, role name, password
    file). Once the system administrator signed in to the console it has a TOTP factor this script cannot give:
    an account missing then is named for the console instead of stopping the start."""
    missing = [(name, role) for name, role, _ in LOCAL_ACCOUNTS if not password_file(root, name).exists()]
    if missing:
        try:
            sign_in(client, BOOTSTRAP[0], local_password(root, BOOTSTRAP[0]))
        except RuntimeError as exc:
            print(f"{exc}\n请以 {BOOTSTRAP[0]} 登录控制台「账户」创建：{'、'.join(name for name, _ in missing)}")
            return [(name, label, password_file(root, name)) for name, _, label in (BOOTSTRAP, *LOCAL_ACCOUNTS)
                    if password_file(root, name).exists()]
        create_accounts(client, [(name, role, CITY, local_password(root, name)) for name, role in missing])
    return [(name, label, password_file(root, name)) for name, _, label in (BOOTSTRAP, *LOCAL_ACCOUNTS)]


# Talent and casework store people's names, ID numbers and phones: encrypted at rest locally too.
ENCRYPTED_SERVICES = ("talent", "casework")


def cipher_keys(root: Path) -> dict[str, str]:
    """Each personal-data service's CIPHER_KEY for the local platform: made once with its data and kept
    in var/cipher-keys (mode 600); `make clean` drops both. A key set in the shell wins. A store
    written before this file existed holds unencrypted events no key can read: it keeps running
    unencrypted (and says so) until `make clean`."""
    path = root / "cipher-keys"
    if not path.exists():
        if any((root / "data" / f"{service}.sqlite").exists() for service in ENCRYPTED_SERVICES):
            print(
                "注意：本地人才、个案数据未加密存储（创建于加密之前）；运行 make clean 后重新启动即启用加密。",
                flush=True,
            )
            return {}
        root.mkdir(parents=True, exist_ok=True)
        keys = {
            f"{service.upper()}_CIPHER_KEY": base64.b64encode(secrets.token_bytes(32)).decode()
            for service in ENCRYPTED_SERVICES
        }
        path.write_text(json.dumps(keys))
        path.chmod(0o600)
    return {name: key for name, key in json.loads(path.read_text()).items() if name not in os.environ}


def main() -> int:
    root = Path("var")
    stop = False

    def on_signal(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        ports = {name: claim_port(port, name) for name, port in fixed_ports().items()}
    except PortTaken as exc:
        print(exc, file=sys.stderr)
        return 1
    broker = KafkaBroker(port=ports.pop("kafka"), data_dir=root / "kafka")
    jaeger = Jaeger(otlp_grpc_port=ports.pop("jaeger-otlp-grpc"), otlp_http_port=ports.pop("jaeger-otlp-http"),
                    query_port=ports.pop("jaeger-ui"), query_grpc_port=ports.pop("jaeger-query-grpc"),
                    work_dir=root / "jaeger")
    admin = bootstrap_env(root)
    platform = Platform(kafka_bootstrap="", data_dir=root / "data", ports=ports, extra_env=admin | cipher_keys(root))
    try:
        print("starting Jaeger ...", flush=True)
        jaeger.start()
        platform.otlp_endpoint = jaeger.otlp_endpoint
        print("starting Kafka ...", flush=True)
        broker.start()
        platform.kafka_bootstrap = broker.bootstrap
        platform.start_all()
        with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
            accounts = local_accounts(client, root)
        print(f"Kafka: {broker.bootstrap}")
        print(f"Jaeger UI and trace API: {jaeger.query_url} (every process exports OTLP to {jaeger.otlp_endpoint})")
        for name in platform.procs:
            print(f"{name:17} {platform.url(name) if name in platform.ports else '(no HTTP)'}")
        print(f"logs: {platform.log_dir}/")
        print(f"\n网关 gateway listening at {platform.gateway_url}")
        for username, label, path in accounts:
            print(f"{label} sign in as {username}, password in {path}: {path.read_text().strip()}")
        print("市级管理员创建县(区)、乡镇(街道)与站点的账户：控制台「账户」，或 POST /api/gateway/users。")
        print("A process that dies is started again (what died and why is printed here). Ctrl-C stops everything.",
              flush=True)
        supervisor = Supervisor(platform, broker, jaeger, sys.stdout)
        while not stop:
            supervisor.check()
            time.sleep(0.5)
        return 0
    finally:
        platform.stop_all()
        broker.stop()
        jaeger.stop()


if __name__ == "__main__":
    raise SystemExit(main())
