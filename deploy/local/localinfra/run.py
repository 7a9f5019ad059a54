"""`make run`: a local Kafka broker and every process of the platform, with SQLite event stores
under var/, in the foreground until Ctrl-C. Data survives restarts (var/kafka, var/data)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import sys
import time
from pathlib import Path

from localinfra.kafka import KafkaBroker
from localinfra.platform import Platform

FIXED_PORTS = {"gateway": 8100, "registry-api": 8101, "talent-api": 8102, "casework-api": 8103, "funding-api": 8104,
               "reporting-api": 8105}


def _port_or_free(port: int) -> int | None:
    """The usual port when it is free, else None (a free one is then chosen)."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return None
    return port


def admin_password(root: Path) -> str:
    """The local city admin's password: made once, kept in var/admin-password (mode 600)."""
    path = root / "admin-password"
    if not path.exists():
        root.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


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
            print("注意：本地人才、个案数据未加密存储（创建于加密之前）；运行 make clean 后重新启动即启用加密。", flush=True)
            return {}
        root.mkdir(parents=True, exist_ok=True)
        keys = {f"{service.upper()}_CIPHER_KEY": base64.b64encode(secrets.token_bytes(32)).decode() for service in ENCRYPTED_SERVICES}
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
    broker = KafkaBroker(port=_port_or_free(9092), data_dir=root / "kafka")
    print("starting Kafka ...", flush=True)
    broker.start()
    ports = {name: port for name, wanted in FIXED_PORTS.items() if (port := _port_or_free(wanted))}
    password = admin_password(root)
    admin = {"GATEWAY_BOOTSTRAP_ADMIN_USERNAME": "admin", "GATEWAY_BOOTSTRAP_ADMIN_PASSWORD": password,
             "GATEWAY_BOOTSTRAP_ADMIN_ROLE": "city_admin", "GATEWAY_BOOTSTRAP_ADMIN_AREA": "510400"}
    platform = Platform(kafka_bootstrap=broker.bootstrap, data_dir=root / "data", ports=ports, extra_env=admin | cipher_keys(root))
    try:
        platform.start_all()
        print(f"Kafka: {broker.bootstrap}")
        for name in platform.procs:
            print(f"{name:17} {platform.url(name) if name in platform.ports else '(no HTTP)'}")
        print(f"logs: {platform.log_dir}/")
        print(f"\n网关 gateway listening at {platform.gateway_url}")
        print(f"管理员 sign in as admin (市级管理员 city_admin), password in {root / 'admin-password'}: {password}")
        print("Ctrl-C stops everything.", flush=True)
        while not stop:
            for name, proc in platform.procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}:\n{platform.tail(name)}", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        platform.stop_all()
        broker.stop()


if __name__ == "__main__":
    raise SystemExit(main())
