"""Composition root: `python -m reporting worker` projects events, `python -m reporting api` serves read
models, `python -m reporting rebuild [--verify]` rebuilds them from the topics. Not a command service: the
shared process start (logs, telemetry, metrics) and API serving, with roles of its own."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from pzh_shared.service import serve_api, start_process

from reporting.adapters.store import ReadModelStore
from reporting.settings import ReportingSettings

ROLES = ("worker", "api", "rebuild")


def main(argv: list[str]) -> None:
    role = argv[0] if argv else "worker"
    if role not in ROLES:
        raise SystemExit(f"unknown role {role!r}: use 'worker', 'api' or 'rebuild'")
    settings = ReportingSettings()
    # REPORTING_METRICS_PORT, not for rebuild: it runs beside the worker (the API also answers GET /metrics)
    start_process("reporting", role, settings, metrics=role != "rebuild")
    live = settings.data_dir / "reporting.sqlite"
    if role == "rebuild":
        raise SystemExit(_rebuild(settings, live, verify="--verify" in argv))
    store = ReadModelStore(live)
    if role == "worker":
        _work(settings, store)
    elif role == "api":
        _serve(settings, store)


def _work(settings: ReportingSettings, store: ReadModelStore) -> None:
    import faust
    from pzh_shared.envelope import dlq_topic
    from pzh_shared.kafka import ensure_topics

    from reporting.consumers.worker import SOURCE_TOPICS, create_worker_app

    partitions = settings.kafka_partitions  # PZH_KAFKA_PARTITIONS, as the relays and consumers create them
    topics = {name: partitions for name in SOURCE_TOPICS} | {dlq_topic(name): partitions for name in SOURCE_TOPICS}
    asyncio.run(ensure_topics(settings.kafka_bootstrap, topics))
    app = create_worker_app(settings, store)
    faust.Worker(app, loglevel="WARNING").execute_from_commandline()


def _serve(settings: ReportingSettings, store: ReadModelStore) -> None:
    from prometheus_client import REGISTRY
    from pzh_shared.metrics import GroupLagCollector

    from reporting.api.app import create_app
    from reporting.consumers.worker import SOURCE_TOPICS
    from reporting.reports.archive import archive_for

    app = create_app(store, archive_for(settings), settings=settings)
    # Projection lag per topic as Kafka sees the worker's group: still rising when the worker is down.
    REGISTRY.register(GroupLagCollector(settings.kafka_bootstrap, settings.app_id, SOURCE_TOPICS))
    serve_api(app, settings)


def _rebuild(settings: ReportingSettings, live: Path, verify: bool) -> int:
    """Rebuilds into a new file. --verify compares it with the live read models (exit 1 if they
    differ); otherwise it replaces them, which needs the worker stopped."""
    from reporting.consumers.rebuild import rebuild
    from reporting.consumers.worker import SOURCE_TOPICS

    fresh = live.with_name("reporting.rebuild.sqlite")
    counts = asyncio.run(rebuild(settings.kafka_bootstrap, SOURCE_TOPICS, fresh))
    print(f"rebuilt from {counts['messages']} messages: {counts['applied']} applied, {counts['rejected']} rejected")
    if verify:
        same = ReadModelStore(fresh).dump() == ReadModelStore(live).dump()
        print(
            "重建结果与在线读模型一致 (rebuild equals live)"
            if same
            else "重建结果与在线读模型不一致 (rebuild differs from live)"
        )
        return 0 if same else 1
    for suffix in ("", "-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    fresh.rename(live)
    return 0


if __name__ == "__main__":
    main(sys.argv[1:])
