"""Composition root: `python -m gateway`."""

from __future__ import annotations

from pzh_shared.metrics import serve_metrics
from pzh_shared.process import configure_logging
from pzh_shared.telemetry import instrument_fastapi, setup_telemetry

from gateway.settings import GatewaySettings


def main() -> None:
    import uvicorn
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    from gateway.api.app import create_app

    settings = GatewaySettings()
    configure_logging("gateway")
    setup_telemetry("gateway", settings.otlp_endpoint, settings.spans_file)
    # The gateway faces the outside: its metrics only on GATEWAY_METRICS_PORT, which no Service/ingress exposes.
    serve_metrics(settings)
    HTTPXClientInstrumentor().instrument()
    app = create_app(settings)
    instrument_fastapi(app, metrics_route=False)
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning")


if __name__ == "__main__":
    main()
