"""The platform's command services in one process, behind the real gateway, for the demo's tests: registry,
talent, casework and funding as their own apps on SQLite files under tmp_path (no broker, so no reporting; of the
events between services only the registry's reach talent, in-process, as its stations consumer carries them: an
organisation is filed in a community whose reform flag talent learns from the registry), the gateway reaching
each through an ASGI transport chosen by the service's URL, bootstrapped as `make run` starts it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

COMMAND_SERVICES = ("registry", "talent", "casework", "funding")


class ServiceDispatch(httpx.AsyncBaseTransport):
    """The gateway's network to the services: each request goes to the app serving its URL's port."""

    def __init__(self, apps: dict[int, FastAPI], after: Any = None):
        self.transports = {port: httpx.ASGITransport(app=app) for port, app in apps.items()}
        self.after = after

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.transports.get(request.url.port or 0)
        if transport is None:  # reporting is not started here
            return httpx.Response(503, json={"error": {"code": "upstream_unavailable", "message": "未启动"}})
        response = await transport.handle_async_request(request)
        if self.after is not None:
            self.after()
        return response


class Forward:
    """One service's published events -> another's consumer, in one process: the events published since the
    last call, applied by the consumer's own subscription with a tracking record each, as the consumer would
    (registry.events -> talent's stations consumer; funding.events -> casework's contracts consumer)."""

    def __init__(self, publisher: Any, publication: Any, subscription: Any, topic: str):
        self.publisher, self.publication, self.subscription, self.topic = publisher, publication, subscription, topic
        self.position = 0

    def __call__(self) -> None:
        from eventsourcing.persistence import Tracking

        for position, _, event_type, data in self.publication.published_after(self.publisher, self.position):
            self.subscription.apply(event_type, data, Tracking(f"{self.topic}:0", position))
            self.position = position


def forwards(apps: dict[str, Any]) -> Any:
    """After each request, what the consumers of talent and casework would have read by then."""
    from casework.consumers.funding import subscription as contracts
    from funding.adapters.integration import PUBLICATION as FUNDING
    from registry.adapters.integration import PUBLICATION as REGISTRY
    from talent.consumers.stations import subscription as stations

    state = {name: app.state.application for name, app in apps.items()}
    bridges = [Forward(state["registry"], REGISTRY, stations(state["talent"]), "registry.events"),
               Forward(state["funding"], FUNDING, contracts(state["casework"]), "funding.events")]

    def after() -> None:
        for bridge in bridges:
            bridge()
    return after


def service_app(service: str, data_dir: Path) -> tuple[FastAPI, Any]:
    """(app, settings) of a command service as `python -m <service> api` builds it, its data under data_dir."""
    import importlib

    process = importlib.import_module(f"{service}.__main__").PROCESS
    settings = process.settings_class(data_dir=data_dir)
    return process.create_app(process.build_application(settings)), settings


@pytest.fixture
def services_gateway(tmp_path: Path) -> Iterator[TestClient]:
    """A TestClient of the gateway in front of the four command services, none signed in yet."""
    from gateway.api.app import create_app
    from gateway.testing import make_settings
    from localinfra.run import bootstrap_env

    root = tmp_path / "var"
    env = bootstrap_env(root)
    with ExitStack() as stack:
        apps = {}
        for service in COMMAND_SERVICES:
            app, settings = service_app(service, tmp_path / "data")
            stack.enter_context(TestClient(app))  # its lifespan: the registry seeds the city and its counties
            apps[settings.http_port] = app
        settings = make_settings(tmp_path / "gateway", bootstrap_admin_username=env["GATEWAY_BOOTSTRAP_ADMIN_USERNAME"],
                                 bootstrap_admin_password=env["GATEWAY_BOOTSTRAP_ADMIN_PASSWORD"],
                                 bootstrap_admin_role=env["GATEWAY_BOOTSTRAP_ADMIN_ROLE"],
                                 bootstrap_admin_area=env["GATEWAY_BOOTSTRAP_ADMIN_AREA"],
                                 mfa_required=False)  # as on the local platform (localinfra.platform)
        by_service = {service: apps[port] for service, port in zip(COMMAND_SERVICES, apps, strict=True)}
        transport = ServiceDispatch(apps, forwards(by_service))
        gateway = stack.enter_context(TestClient(create_app(settings, transport=transport)))
        gateway.root = root  # type: ignore[attr-defined]  # where the local passwords are
        yield gateway
