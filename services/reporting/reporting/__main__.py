"""Composition root: `python -m reporting worker` projects events, `python -m reporting api` serves read models."""

from __future__ import annotations

import asyncio
import sys

from pzh_shared.envelope import dlq_topic
from pzh_shared.kafka import ensure_topics
from pzh_shared.process import configure_logging
from pzh_shared.telemetry import instrument_fastapi, setup_telemetry

from reporting.adapters.store import ReadModelStore
from reporting.settings import ReportingSettings


def main(argv: list[str]) -> None:
    role = argv[0] if argv else "worker"
    settings = ReportingSettings()
    configure_logging(f"reporting-{role}")
    setup_telemetry(f"reporting-{role}", settings.otlp_endpoint, settings.spans_file)
    store = ReadModelStore(settings.data_dir / "reporting.sqlite")
    if role == "worker":
        import faust

        from reporting.consumers.worker import SOURCE_TOPICS, create_worker_app

        topics = {name: 3 for name in SOURCE_TOPICS} | {dlq_topic(name): 3 for name in SOURCE_TOPICS}
        asyncio.run(ensure_topics(settings.kafka_bootstrap, topics))
        app = create_worker_app(settings, store)
        faust.Worker(app, loglevel="WARNING").execute_from_commandline()
    elif role == "api":
        import uvicorn

        from reporting.api.app import create_app

        app = create_app(store)
        instrument_fastapi(app)
        uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning")
    else:
        raise SystemExit(f"unknown role {role!r}: use 'worker' or 'api'")


if __name__ == "__main__":
    main(sys.argv[1:])
