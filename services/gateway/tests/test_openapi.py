"""The whole API's OpenAPI document on the gateway (GET /api/openapi.json), merged from the services'
real documents (their FastAPI apps, answered through the gateway's upstream transport): a valid
OpenAPI 3.1 document with every routed service path under its public /api path, the gateway's own
routes, the bearer scheme, uniform error answers and deterministic component names."""

from __future__ import annotations

import importlib
from unittest.mock import MagicMock

import httpx
import pytest
from fastapi.testclient import TestClient
from gateway.access import SERVICES
from gateway.openapi import merge, public_path
from gateway.settings import GatewaySettings
from gateway.testing import World, make_app
from openapi_spec_validator import validate


@pytest.fixture(scope="module")
def service_docs() -> dict[str, dict]:
    return {name: importlib.import_module(f"{name}.api.app").create_app(MagicMock()).openapi() for name in SERVICES}


class Services:
    """The upstream transport: each service's /openapi.json by its port, anything else as the stand-in world answers."""

    def __init__(self, docs: dict[str, dict], down: frozenset[str] = frozenset()):
        defaults = GatewaySettings(jwt_secret="x" * 40)
        self.by_port = {httpx.URL(getattr(defaults, f"{name}_url")).port: name for name in SERVICES}
        self.docs, self.down, self.fetches = docs, set(down), []
        self.world = World()

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/openapi.json":
            name = self.by_port[request.url.port]
            self.fetches.append(name)
            if name in self.down:
                raise httpx.ConnectError("down", request=request)
            return httpx.Response(200, json=self.docs[name])
        return self.world.handler(request)


def gateway(tmp_path, services: Services) -> TestClient:
    from gateway.api.app import create_app
    from gateway.testing import make_settings

    return TestClient(create_app(make_settings(tmp_path), transport=httpx.MockTransport(services.handler)))


def test_the_merged_document_is_valid_and_holds_every_routed_path(tmp_path, service_docs):
    services = Services(service_docs)
    with gateway(tmp_path, services) as client:
        reply = client.get("/api/openapi.json")  # no token needed: it describes the API, nothing more
        assert reply.status_code == 200
        doc = reply.json()
        validate(doc)  # openapi-spec-validator: raises on any error
        assert "x-unavailable-services" not in doc["info"]
        missing = [f"{service} {method.upper()} {path}" for service, sdoc in service_docs.items()
                   for path, item in sdoc["paths"].items() if path != "/health"
                   for method in item if method not in doc["paths"].get(public_path(service, path), {})]
        assert not missing, missing
        # talent's /stations/... sits under /api/talent/, registry's under /api/stations
        assert "/api/talent/stations/{station_id}/head" in doc["paths"] and "/api/stations/{station_id}" in doc["paths"]
        assert "/api/health" not in doc["paths"] and not any(p.startswith("/api/{") for p in doc["paths"])
        # the gateway's own routes, sign-in without a token, everything else with one
        assert doc["paths"]["/api/gateway/login"]["post"]["security"] == []
        assert "/api/gateway/users" in doc["paths"] and "/api/gateway/audit" in doc["paths"]
        assert doc["components"]["securitySchemes"]["bearerAuth"] == {
            **doc["components"]["securitySchemes"]["bearerAuth"],
            "type": "http",
            "scheme": "bearer",
        }
        assert doc["security"] == [{"bearerAuth": []}, {"apiKey": []}]
        operation_ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
        assert len(operation_ids) == len(set(operation_ids))
        for item in doc["paths"].values():
            for op in item.values():
                assert op["responses"]["4XX"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorBody"
                }
                assert not any(code != "4XX" and code.startswith("4") for code in op["responses"])
        # cached: a second request asks no service
        fetched = len(services.fetches)
        assert client.get("/api/openapi.json").json() == doc
        assert len(services.fetches) == fetched


def test_an_unavailable_service_is_named_and_the_document_not_cached(tmp_path, service_docs):
    services = Services(service_docs, down=frozenset({"funding"}))
    with gateway(tmp_path, services) as client:
        doc = client.get("/api/openapi.json").json()
        validate(doc)
        assert doc["info"]["x-unavailable-services"] == ["funding"]
        assert "/api/contracts" not in doc["paths"] and "/api/stations" in doc["paths"]
        services.down.clear()
        again = client.get("/api/openapi.json").json()
        assert "x-unavailable-services" not in again["info"] and "/api/contracts" in again["paths"]


def _doc(path: str, component: dict, extra: dict | None = None) -> dict:
    schemas = {"Thing": component, **(extra or {})}
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {path: {"post": {"operationId": "create", "requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Thing"}}}},
                "responses": {"201": {"description": "ok"}, "422": {"description": "bad"}}}}},
            "components": {"schemas": schemas}}


def test_component_name_clashes_are_resolved_deterministically():
    gateway_doc = {"openapi": "3.1.0", "info": {"title": "g", "version": "1"}, "paths": {}}
    same = {"type": "object", "properties": {"name": {"type": "string"}}}
    other = {"type": "object", "properties": {"count": {"type": "integer"}}}
    # casework's Thing refers to a Part that differs from talent's Part: its Thing differs too once renamed
    part_a, part_b = {"type": "string"}, {"type": "integer"}
    with_part = {"type": "object", "properties": {"part": {"$ref": "#/components/schemas/Part"}}}
    docs = {"registry": _doc("/stations", same), "talent": _doc("/workers", same),
            "casework": _doc("/clients", other), "funding": _doc("/contracts", with_part, {"Part": part_a}),
            "reporting": _doc("/read-models/reports/{name}/{period}", with_part, {"Part": part_b})}
    docs["reporting"]["paths"]["/read-models/reports/{name}/{period}"]["post"]["parameters"] = [
        {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "period", "in": "path", "required": True, "schema": {"type": "string"}}]
    merged = merge(gateway_doc, docs, 500, "1")
    assert merge(gateway_doc, docs, 500, "1") == merged
    validate(merged)
    schemas = merged["components"]["schemas"]
    ref = {
        p: item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        for p, item in merged["paths"].items()
    }
    assert ref["/api/stations"] == ref["/api/workers"] == "#/components/schemas/Thing"  # identical: shared
    assert ref["/api/clients"] == "#/components/schemas/casework__Thing" and schemas["casework__Thing"] == other
    assert ref["/api/contracts"] == "#/components/schemas/funding__Thing"
    assert (
        schemas["funding__Thing"]["properties"]["part"] == {"$ref": "#/components/schemas/Part"}
        and schemas["Part"] == part_a
    )
    assert ref["/api/read-models/reports/{name}/{period}"] == "#/components/schemas/reporting__Thing"
    assert schemas["reporting__Thing"]["properties"]["part"] == {"$ref": "#/components/schemas/reporting__Part"}
    assert schemas["reporting__Part"] == part_b
    assert merged["paths"]["/api/stations"]["post"]["operationId"] == "registry_create"


def test_page_size_parameters_carry_the_gateways_cap(tmp_path, service_docs):
    app, _, _ = make_app(tmp_path, max_page_size=123)
    merged = merge(app.openapi(), service_docs, 123, "1")
    capped = [p["schema"] for item in merged["paths"].values() for op in item.values() for p in op.get("parameters", [])
              if p["in"] == "query" and p["name"] in ("limit", "page_size")]
    assert capped  # the gateway's own audit read has one
    for schema in capped:
        options = [schema, *schema.get("anyOf", [])]
        assert all(o.get("maximum", 0) <= 123 for o in options if o.get("type") == "integer")
