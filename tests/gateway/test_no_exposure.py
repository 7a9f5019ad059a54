"""Production exposure (issue 18, item 9; reliability item S23): with the production settings (<PREFIX>API_DOCS and
<PREFIX>METRICS_ON_HTTP false, as compose and the Kubernetes ConfigMaps set them) no API document, docs page or
metrics page of the gateway or of any service is reachable through the gateway, whoever asks: every such path
answers 401 or 404 and none reaches a service. The services' own apps, prepared as their processes serve them,
answer 404 there too; with the development defaults they answer 200, so each check can fail."""

from __future__ import annotations

import importlib
from unittest.mock import MagicMock

import pytest
from fastapi.testclient import TestClient
from gateway.access import SERVICES
from gateway.testing import ADMIN_PASSWORD, CITY, add_account, login, make_app
from pzh_shared.http import DOC_PATHS
from pzh_shared.service import prepare_api
from pzh_shared.settings import ServiceSettings

from .test_authorisation_matrix import ROLES

EXPOSED = sorted(DOC_PATHS | {"/metrics"})
# the gateway's own pages and documents, and every service's as a path through the gateway would name them
THROUGH_GATEWAY = [*EXPOSED, "/api/openapi.json", "/api/metrics", "/api/docs",
                   *[f"/api/{service}{path}" for service in SERVICES for path in EXPOSED]]
PRODUCTION = {"api_docs": False, "metrics_on_http": False}


def _service_app(service: str):
    module = importlib.import_module(f"{service}.api.app")
    if service == "reporting":
        return module.create_app(MagicMock(), MagicMock())
    return module.create_app(MagicMock())


@pytest.fixture
def production(tmp_path):
    app, world, _ = make_app(tmp_path, **PRODUCTION)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        callers = {"anonymous": {}, "bootstrap admin": admin}
        callers |= {role: add_account(client, admin, f"exposure-{role}".replace("_", "-"), role, CITY)
                    for role in ROLES}
        yield client, world, callers


def test_no_docs_schema_or_metrics_route_is_reachable_through_the_gateway(production, record_property):
    client, world, callers = production
    before = len(world.requests)
    answers = [(who, method, path, client.request(method, path, headers=headers).status_code)
               for who, headers in callers.items() for path in THROUGH_GATEWAY for method in ("GET", "HEAD")]
    reached = [r.url.path for r in world.requests[before:]]
    wrong = [answer for answer in answers if answer[3] not in (401, 404, 405)]
    assert not wrong, wrong
    assert reached == [], reached  # none was forwarded: nothing of a service's document or metrics came back
    record_property("reliability", {"paths": len(THROUGH_GATEWAY), "callers (roles, admin, anonymous)": len(callers),
                                    "requests": len(answers), "answered 401/404/405": len(answers) - len(wrong),
                                    "forwarded to a service": len(reached)})


def test_with_the_development_defaults_the_gateway_serves_its_documents(tmp_path):
    app, _, _ = make_app(tmp_path)
    with TestClient(app) as client:
        assert client.get("/openapi.json").status_code == 200
        assert client.get("/docs").status_code == 200
        assert client.get("/api/openapi.json").status_code == 200  # the whole API, merged from the services'


@pytest.mark.parametrize("service", [s for s in SERVICES])
def test_each_service_serves_no_docs_schema_or_metrics_in_production(service):
    production = TestClient(prepare_api(_service_app(service), ServiceSettings(**PRODUCTION)))
    assert {path: production.get(path).status_code for path in EXPOSED} == dict.fromkeys(EXPOSED, 404)
    development = TestClient(prepare_api(_service_app(service), ServiceSettings()))
    assert {path: development.get(path).status_code for path in ("/docs", "/openapi.json", "/metrics")} == \
        dict.fromkeys(("/docs", "/openapi.json", "/metrics"), 200)
