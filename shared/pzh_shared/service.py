"""One service skeleton: the FastAPI app of a command service, and the process roles behind
`python -m <service>` (`api`, `relay`, one per consumer), so every service starts the same way.

A service's composition root (`<service>/__main__.py`) declares only what is its own:

    main = ServiceProcess("registry", RegistrySettings, build_application, create_app, PUBLICATION,
                          consumers={"staffing": staffing_consumer}).main
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from pzh_shared.http import hide_docs, install_error_handlers
from pzh_shared.idempotency import install_idempotency
from pzh_shared.listing import ListError, ListIndex
from pzh_shared.settings import ServiceSettings

ErrorMap = dict[type[Exception], tuple[int, str]]


class Health(BaseModel):
    status: str


def _health() -> Health:
    return Health(status="ok")


def create_service_app(service: str, version: str, application: Any, routers: Sequence[APIRouter], errors: ErrorMap,
                       field_labels: dict[str, str] | None = None, lifespan: Any = None,
                       idempotency: bool = True) -> FastAPI:
    """The app every command service serves: Chinese error bodies (the domain errors mapped once, a
    concurrent write a 409, a list query it cannot answer a 422), Idempotency-Key on commands,
    GET /health, and the service's routers. Routes reach the application through `app.state.application`."""
    app = FastAPI(title=f"攀枝花市社会工作服务体系 · {service}", version=version,
                  lifespan=_keeping_lists(application, lifespan))
    app.state.application = application
    if idempotency:
        install_idempotency(app, application)  # a repeated command (same Idempotency-Key) runs once
    shared: ErrorMap = {IntegrityError: (409, "concurrent_change"), ListError: (422, "invalid_query")}
    install_error_handlers(app, {**errors, **shared}, field_labels)
    app.add_api_route("/health", _health, methods=["GET"], response_model=Health, include_in_schema=False)
    for router in routers:
        app.include_router(router)
    return app


def _keeping_lists(application: Any, lifespan: Any) -> Any:
    """The service's lifespan, with its lists kept caught up in the background while the app runs."""

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        found = getattr(application, "lists", None)
        lists = found if isinstance(found, ListIndex) else None
        if lists is not None:
            lists.keep_up()
        try:
            if lifespan is None:
                yield
            else:
                async with lifespan(app):
                    yield
        finally:
            if lists is not None:
                lists.stop_keeping()

    return run


def start_process(service: str, role: str, settings: ServiceSettings, metrics: bool = True) -> None:
    """What every process does first: JSON logs with trace ids, telemetry, the metrics port."""
    from pzh_shared.metrics import serve_metrics
    from pzh_shared.process import configure_logging
    from pzh_shared.telemetry import setup_telemetry

    configure_logging(f"{service}-{role}")
    setup_telemetry(f"{service}-{role}", settings.otlp_endpoint, settings.spans_file)
    if metrics:
        serve_metrics(settings)  # <PREFIX>METRICS_PORT; the APIs also answer GET /metrics


def prepare_api(app: FastAPI, settings: ServiceSettings) -> FastAPI:
    """The app as its process serves it: traced and timed, its API document and HTTP-port metrics as the settings
    say (both off in production: <PREFIX>API_DOCS, <PREFIX>METRICS_ON_HTTP)."""
    from pzh_shared.telemetry import instrument_fastapi

    if not settings.api_docs:
        hide_docs(app)
    instrument_fastapi(app, metrics_route=settings.metrics_on_http)
    return app


def serve_api(app: FastAPI, settings: ServiceSettings) -> None:
    import uvicorn

    uvicorn.run(prepare_api(app, settings), host=settings.http_host, port=settings.http_port, log_level="warning")


# A consumer role: (application, settings) -> something with `async run(stop)` (a TrackedConsumer).
ConsumerFactory = Callable[[Any, Any], Any]


@dataclass
class ServiceProcess:
    """The roles of a command service's processes: `api` serves its app, `relay` publishes its
    integration events, and each named consumer follows another service's topic."""

    service: str
    settings_class: Callable[[], ServiceSettings]
    build_application: Callable[[Any], Any]
    create_app: Callable[[Any], FastAPI]
    publication: Any  # pzh_shared.contracts.Publication: what the relay translates and publishes
    consumers: dict[str, ConsumerFactory] = field(default_factory=dict)

    @property
    def roles(self) -> list[str]:
        return ["api", "relay", *self.consumers]

    def main(self, argv: list[str] | None = None) -> None:
        argv = sys.argv[1:] if argv is None else argv
        role = argv[0] if argv else "api"
        if role not in self.roles:
            raise SystemExit(f"unknown role {role!r}: use {', '.join(repr(r) for r in self.roles)}")
        settings = self.settings_class()
        start_process(self.service, role, settings)
        application = self.build_application(settings)
        if role == "api":
            serve_api(self.create_app(application), settings)
            return
        from pzh_shared.process import run_until_signalled

        if role == "relay":
            from pzh_shared.relay import OutboxRelay

            relay = OutboxRelay(application, self.publication.translate, settings.kafka_bootstrap, self.service,
                                partitions=settings.kafka_partitions, lease_retry=settings.relay_lease_retry)
            run_until_signalled(relay.run)
        else:
            run_until_signalled(self.consumers[role](application, settings).run)
