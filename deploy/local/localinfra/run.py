"""`make run`: a local Kafka broker and every process of the platform, with SQLite event stores
under var/, in the foreground until Ctrl-C. Data survives restarts (var/kafka, var/data)."""

from __future__ import annotations

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
    platform = Platform(kafka_bootstrap=broker.bootstrap, data_dir=root / "data", ports=ports)
    try:
        platform.start_all()
        print(f"Kafka: {broker.bootstrap}")
        for name in platform.procs:
            print(f"{name:17} {platform.url(name) if name in platform.ports else '(no HTTP)'}")
        print(f"logs: {platform.log_dir}/")
        print(f"\n网关 gateway listening at {platform.gateway_url}  (try: curl {platform.gateway_url}/api/read-models/stations/510400)")
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
