"""CLI: run a real Kafka broker or PostgreSQL server in the foreground until SIGINT/SIGTERM.

python -m localinfra kafka [--port 9092] [--controller-port P] [--data-dir D]
python -m localinfra kafka-jars
python -m localinfra postgres [--port 5432] [--dbname pzh]
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from localinfra.kafka import KafkaBroker, ensure_jars
from localinfra.postgres import PostgresServer


def _serve(server, timeout: float, ready_line: str) -> int:
    """Block until SIGINT/SIGTERM (then stop cleanly) or until the server dies on its own."""
    stop_requested = False

    def on_signal(signum, frame):
        nonlocal stop_requested
        stop_requested = True

    # Installed before start(): a signal during a slow start still ends in a clean stop.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        server.start(timeout=timeout)
        print(ready_line.format(server=server), flush=True)
        while not stop_requested:
            if not server.is_running():
                print(f"{type(server).__name__} exited unexpectedly", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localinfra", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)

    k = sub.add_parser("kafka", help="run a single-node KRaft broker in the foreground")
    k.add_argument("--port", type=int, default=None, help="broker port (default: a free one)")
    k.add_argument("--controller-port", type=int, default=None, help="KRaft controller port")
    k.add_argument("--data-dir", type=Path, default=None, help="keep data here (default: temp dir, removed on exit)")
    k.add_argument("--heap", default="-Xmx512m -Xms256m")
    k.add_argument("--timeout", type=float, default=60)

    sub.add_parser("kafka-jars", help="download the broker jars into deploy/local/kafka/libs if needed")

    p = sub.add_parser("postgres", help="run a throwaway PostgreSQL in the foreground")
    p.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    p.add_argument("--dbname", default="pzh")
    p.add_argument("--timeout", type=float, default=30)

    args = parser.parse_args(argv)
    if args.cmd == "kafka-jars":
        libs = ensure_jars()
        print(f"kafka jars ready in {libs} ({len(list(libs.glob('*.jar')))} jars)", flush=True)
        return 0
    if args.cmd == "kafka":
        broker = KafkaBroker(args.port, args.controller_port, args.data_dir, args.heap)
        return _serve(broker, args.timeout, "kafka ready at {server.bootstrap}")
    server = PostgresServer(args.port, args.dbname)
    return _serve(server, args.timeout, "postgres ready at {server.dsn}")


if __name__ == "__main__":
    sys.exit(main())
