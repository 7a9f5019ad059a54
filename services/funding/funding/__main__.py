"""Composition root: `python -m funding api` serves commands, `python -m funding relay` publishes
`funding.events`, `python -m funding casework` consumes casework's project evaluations."""

from __future__ import annotations

import sys

from pzh_shared.eventstore import make_application
from pzh_shared.metrics import serve_metrics
from pzh_shared.process import configure_logging, run_until_signalled
from pzh_shared.relay import OutboxRelay
from pzh_shared.telemetry import instrument_fastapi, setup_telemetry

from funding.adapters.integration import translate
from funding.application.service import FundingApplication
from funding.settings import FundingSettings


def main(argv: list[str]) -> None:
    role = argv[0] if argv else "api"
    if role not in ("api", "relay", "casework"):
        raise SystemExit(f"unknown role {role!r}: use 'api', 'relay' or 'casework'")
    settings = FundingSettings()
    configure_logging(f"funding-{role}")
    setup_telemetry(f"funding-{role}", settings.otlp_endpoint, settings.spans_file)
    serve_metrics(settings)  # <PREFIX>METRICS_PORT; the APIs also answer GET /metrics
    application = make_application(FundingApplication, settings)
    if role == "api":
        import uvicorn

        from funding.api.app import create_app

        app = create_app(application)
        instrument_fastapi(app)
        uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning")
    elif role == "relay":
        run_until_signalled(OutboxRelay(application, translate, settings.kafka_bootstrap, "funding").run)
    elif role == "casework":
        from funding.consumers.casework import casework_consumer

        run_until_signalled(casework_consumer(application, settings.kafka_bootstrap, settings.casework_topic).run)
    else:
        raise SystemExit(f"unknown role {role!r}: use 'api', 'relay' or 'casework'")


if __name__ == "__main__":
    main(sys.argv[1:])
