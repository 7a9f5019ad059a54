"""A reporting worker process for bench/run.py, in one of two modes, logging when each event was done:

  worker  the real projection worker (reporting.consumers.worker.create_worker_app, unchanged) on a
          ReadModelStore whose apply() notes the time after each batch's transaction has committed;
  plain   a plain Faust agent per source topic, same app settings, that only decodes each message
          (pzh_shared.envelope.decode) and notes the time per event.

Settings come from the REPORTING_* environment as for `python -m reporting worker`; the log
(BENCH_DONE_LOG) gets lines "<unix time> <event id> <event id> ...". The bench stops the process
with SIGTERM once it has seen every event it published."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import faust
from pzh_shared.envelope import decode
from pzh_shared.telemetry import setup_telemetry
from reporting.adapters.store import ReadModelStore
from reporting.consumers.worker import SOURCE_TOPICS, create_worker_app
from reporting.settings import ReportingSettings

LOG = Path(os.environ.get("BENCH_DONE_LOG", "done.log"))


class TimedStore(ReadModelStore):
    """The read-model store, noting when each batch is committed (the moment it is visible to readers)."""

    def apply(self, batch: Any) -> int:
        batch = list(batch)
        applied = super().apply(batch)
        stamp = time.time()
        with LOG.open("a") as fh:
            fh.write(f"{stamp:.6f} {' '.join(event_id for event_id, _, _ in batch)}\n")
        return applied


def plain_app(settings: ReportingSettings) -> faust.App:
    app = faust.App(
        settings.app_id, broker=f"kafka://{settings.kafka_bootstrap}", store="memory://",
        datadir=str(settings.data_dir / "faust"), web_enabled=False, topic_partitions=3,
        consumer_auto_offset_reset="earliest", producer_acks=-1,
        broker_session_timeout=settings.broker_session_timeout,
        broker_heartbeat_interval=settings.broker_heartbeat_interval,
        broker_rebalance_timeout=settings.broker_session_timeout,
    )
    done: list[tuple[float, str]] = []

    for name in SOURCE_TOPICS:
        topic = app.topic(name, key_serializer="raw", value_serializer="raw", internal=False)

        async def decode_only(stream: Any) -> None:
            async for value in stream:
                done.append((time.time(), decode(value).id))

        decode_only.__name__ = f"decode_{name.replace('.', '_')}"
        app.agent(topic, name=f"bench.plain.{name}")(decode_only)

    @app.timer(interval=0.2)
    async def flush() -> None:  # the stamps are taken per event above; this only writes them out
        if done:
            taken = done[:]
            del done[:len(taken)]
            with LOG.open("a") as fh:
                fh.write("".join(f"{t:.6f} {event_id}\n" for t, event_id in taken))

    return app


def main(mode: str) -> None:
    settings = ReportingSettings()
    setup_telemetry(
        f"reporting-{mode}"
    )  # SDK tracer provider, no exporter: as `python -m reporting worker` without OTLP
    if mode == "worker":
        app = create_worker_app(settings, TimedStore(settings.data_dir / "reporting.sqlite"))
    elif mode == "plain":
        app = plain_app(settings)
    else:
        raise SystemExit(f"unknown mode {mode!r}: worker or plain")
    faust.Worker(app, loglevel="WARNING").execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1])
