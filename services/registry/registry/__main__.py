"""Composition root: `python -m registry api` serves commands, `relay` publishes its events,
`staffing` consumes the talent service's staffing events."""

from __future__ import annotations

import sys

from pzh_shared.eventstore import make_application
from pzh_shared.metrics import serve_metrics
from pzh_shared.process import configure_logging, run_until_signalled
from pzh_shared.relay import OutboxRelay
from pzh_shared.telemetry import instrument_fastapi, setup_telemetry

from registry.adapters.integration import translate
from registry.application.service import RegistryApplication
from registry.settings import RegistrySettings


def main(argv: list[str]) -> None:
    role = argv[0] if argv else "api"
    settings = RegistrySettings()
    configure_logging(f"registry-{role}")
    setup_telemetry(f"registry-{role}", settings.otlp_endpoint, settings.spans_file)
    serve_metrics(settings)  # <PREFIX>METRICS_PORT; the APIs also answer GET /metrics
    application = make_application(RegistryApplication, settings)
    if role == "api":
        import uvicorn

        from registry.api.app import create_app

        app = create_app(application)
        instrument_fastapi(app)
        uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning")
    elif role == "relay":
        relay = OutboxRelay(application, translate, settings.kafka_bootstrap, "registry")
        run_until_signalled(relay.run)
    elif role == "staffing":
        from registry.consumers.staffing import staffing_consumer

        run_until_signalled(staffing_consumer(application, settings.kafka_bootstrap).run)
    else:
        raise SystemExit(f"unknown role {role!r}: use 'api', 'relay' or 'staffing'")


if __name__ == "__main__":
    main(sys.argv[1:])
