"""Composition root: `python -m reporting worker` projects events, `python -m reporting api` serves read
models, `python -m reporting rebuild [--verify]` rebuilds them from the topics. Not a command service: the
shared process start (logs, telemetry, metrics) and API serving, with roles of its own."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from pzh_shared.service import serve_api, start_process

from reporting.adapters import open_store
from reporting.adapters.store import ReadModelStore, SqlReadModel
from reporting.settings import ReportingSettings

ROLES = ("worker", "api", "rebuild")


def main(argv: list[str]) -> None:
    role = argv[0] if argv else "worker"
    if role not in ROLES:
        raise SystemExit(f"unknown role {role!r}: use 'worker', 'api' or 'rebuild'")
    settings = ReportingSettings()
    # REPORTING_METRICS_PORT, not for rebuild: it runs beside the worker (the API also answers GET /metrics)
    start_process("reporting", role, settings, metrics=role != "rebuild")
    if role == "rebuild":
        verify = "--verify" in argv
        if settings.read_model == "postgres":
            raise SystemExit(_rebuild_postgres(settings, verify))
        raise SystemExit(_rebuild(settings, settings.data_dir / "reporting.sqlite", verify))
    store = open_store(settings)
    if role == "worker":
        _work(settings, store)
    elif role == "api":
        _serve(settings, store)


def _work(settings: ReportingSettings, store: SqlReadModel) -> None:
    import faust
    from pzh_shared.envelope import dlq_topic
    from pzh_shared.kafka import ensure_topics

    from reporting.consumers.worker import SOURCE_TOPICS, create_worker_app

    partitions = settings.kafka_partitions  # PZH_KAFKA_PARTITIONS, as the relays and consumers create them
    topics = {name: partitions for name in SOURCE_TOPICS} | {dlq_topic(name): partitions for name in SOURCE_TOPICS}
    asyncio.run(ensure_topics(settings.kafka_bootstrap, topics))
    app = create_worker_app(settings, store)
    # The process's own JSON logs (start_process) with their repeat limiter, not Faust's: a broker outage would
    # otherwise print every failed reconnect. Faust's and mode's chatter stays at WARNING as before.
    for name in ("faust", "mode"):
        logging.getLogger(name).setLevel(logging.WARNING)
    faust.Worker(app, loglevel="WARNING", override_logging=False).execute_from_commandline()


def _serve(settings: ReportingSettings, store: SqlReadModel) -> None:
    from prometheus_client import REGISTRY
    from pzh_shared.metrics import GroupLagCollector

    from reporting.api.app import create_app
    from reporting.consumers.schedule import MissingPeriodsCollector
    from reporting.consumers.worker import SOURCE_TOPICS
    from reporting.reports.archive import archive_for

    archive = archive_for(settings)
    app = create_app(store, archive, settings=settings)  # type: ignore[arg-type]
    # Projection lag per topic as Kafka sees the worker's group: still rising when the worker is down.
    REGISTRY.register(GroupLagCollector(settings.kafka_bootstrap, settings.app_id, SOURCE_TOPICS))
    # Likewise the periods the worker's schedule has not generated, read from the archive this API serves.
    REGISTRY.register(MissingPeriodsCollector(archive))
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


def _rebuild_postgres(settings: ReportingSettings, verify: bool) -> int:
    """Rebuilds into a fresh schema beside the live one. --verify compares the two and drops the fresh one;
    otherwise one transaction repoints every reader and worker to it (the worker stopped meanwhile, as for
    SQLite: events it applied to the old schema after the rebuild read the topics would not be in the new)."""
    import psycopg
    from psycopg import sql

    from reporting.adapters.postgres import PostgresReadModelStore, conninfo_of, fresh_schema
    from reporting.consumers.rebuild import rebuild
    from reporting.consumers.worker import SOURCE_TOPICS

    conninfo = conninfo_of(settings)
    fresh = fresh_schema(conninfo)
    schema = fresh.schema
    counts = asyncio.run(rebuild(settings.kafka_bootstrap, SOURCE_TOPICS, fresh))
    print(f"rebuilt from {counts['messages']} messages into {schema}: {counts['applied']} applied, "
          f"{counts['rejected']} rejected")
    live = PostgresReadModelStore(conninfo)
    try:
        if not verify:
            print(f"live read models now in {schema} (was {live.switch_to(schema)})")
            return 0
        same = PostgresReadModelStore(conninfo, schema=schema).dump() == live.dump()
        print("重建结果与在线读模型一致 (rebuild equals live)" if same
              else "重建结果与在线读模型不一致 (rebuild differs from live)")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        return 0 if same else 1
    finally:
        live.close()


if __name__ == "__main__":
    main(sys.argv[1:])
