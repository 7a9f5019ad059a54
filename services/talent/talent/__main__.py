"""Composition root: `python -m talent api` serves commands, `python -m talent relay` publishes,
`python -m talent stations` consumes the registry's station facts."""

from __future__ import annotations

import sys

from pzh_shared.eventstore import make_application
from pzh_shared.metrics import serve_metrics
from pzh_shared.process import configure_logging, run_until_signalled
from pzh_shared.relay import OutboxRelay
from pzh_shared.telemetry import instrument_fastapi, setup_telemetry

from talent.adapters.integration import translate
from talent.application.service import TalentApplication
from talent.settings import TalentSettings


def main(argv: list[str]) -> None:
    role = argv[0] if argv else "api"
    settings = TalentSettings()
    configure_logging(f"talent-{role}")
    setup_telemetry(f"talent-{role}", settings.otlp_endpoint, settings.spans_file)
    serve_metrics(settings)  # <PREFIX>METRICS_PORT; the APIs also answer GET /metrics
    application = make_application(TalentApplication, settings)
    if role == "api":
        import uvicorn

        from talent.api.app import create_app

        app = create_app(application, settings.max_import_bytes)
        instrument_fastapi(app)
        uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning")
    elif role == "relay":
        relay = OutboxRelay(application, translate, settings.kafka_bootstrap, "talent")
        run_until_signalled(relay.run)
    elif role == "stations":
        from talent.consumers.stations import stations_consumer

        run_until_signalled(stations_consumer(application, settings.kafka_bootstrap, settings.registry_topic).run)
    else:
        raise SystemExit(f"unknown role {role!r}: use 'api', 'relay' or 'stations'")


if __name__ == "__main__":
    main(sys.argv[1:])
