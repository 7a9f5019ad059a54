"""Composition root: `python -m casework api` serves commands and audited reads, `python -m casework
relay` publishes integration events, `python -m casework funding` consumes the funding service's
purchase-of-service contracts."""

from __future__ import annotations

import sys

from pzh_shared.metrics import serve_metrics
from pzh_shared.process import configure_logging, run_until_signalled
from pzh_shared.relay import OutboxRelay
from pzh_shared.telemetry import instrument_fastapi, setup_telemetry

from casework.adapters.integration import translate
from casework.adapters.wiring import build_application
from casework.settings import CaseworkSettings


def main(argv: list[str]) -> None:
    role = argv[0] if argv else "api"
    if role not in ("api", "relay", "funding"):
        raise SystemExit(f"unknown role {role!r}: use 'api', 'relay' or 'funding'")
    settings = CaseworkSettings()
    configure_logging(f"casework-{role}")
    setup_telemetry(f"casework-{role}", settings.otlp_endpoint, settings.spans_file)
    serve_metrics(settings)  # <PREFIX>METRICS_PORT; the APIs also answer GET /metrics
    application = build_application(settings)
    if role == "api":
        import uvicorn

        from casework.api.app import create_app

        app = create_app(application)
        instrument_fastapi(app)
        uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning")
    elif role == "relay":
        relay = OutboxRelay(application, translate, settings.kafka_bootstrap, "casework")
        run_until_signalled(relay.run)
    elif role == "funding":
        from casework.consumers.funding import funding_consumer

        run_until_signalled(funding_consumer(application, settings.kafka_bootstrap, settings.funding_topic).run)
    else:
        raise SystemExit(f"unknown role {role!r}: use 'api', 'relay' or 'funding'")


if __name__ == "__main__":
    main(sys.argv[1:])
