"""HTTP APIs count requests by route template and status class at GET /metrics; the gateway serves its metrics
only on GATEWAY_METRICS_PORT, never on the port the outside reaches."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request

import pytest
from localinfra.platform import Platform, free_port

from .conftest import samples, scrape


@pytest.fixture
def apis(kafka_bootstrap, tmp_path):
    running = Platform(kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, metrics_ports={"gateway": free_port()},
                       extra_env={"GATEWAY_JWT_SECRET": secrets.token_urlsafe(48)})
    try:
        running.start("registry-api")
        running.start("gateway")
        yield running
    finally:
        running.stop_all()


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.platform  # `apis` starts the platform's processes itself
def test_api_counts_2xx_and_4xx_under_the_route_template(apis):
    registry = apis.url("registry-api")
    assert _get(f"{registry}/areas/510421") == 200  # 米易县, loaded at start
    assert _get(f"{registry}/areas/510499") == 404  # no such county
    assert _get(f"{registry}/areas/510499") == 404

    page = scrape(f"{registry}/metrics")
    route = {"method": "GET", "route": "/areas/{code}"}
    assert samples(page, "pzh_http_requests_total", **route, status_class="2xx") == {
        tuple(sorted({**route, "status_class": "2xx"}.items())): 1.0}
    assert list(samples(page, "pzh_http_requests_total", **route, status_class="4xx").values()) == [2.0]
    assert list(samples(page, "pzh_http_request_duration_seconds_count", **route, status_class="4xx").values()) == [2.0]
    # Raw paths carry ids: no label may hold one. Probes and scrapes are not counted.
    labels = {value for (_, key) in page for _, value in key}
    assert not {"/areas/510421", "/areas/510499", "/health", "/metrics"} & labels


@pytest.mark.platform  # `apis` starts the platform's processes itself
def test_gateway_metrics_only_on_its_metrics_port(apis):
    gateway = apis.gateway_url
    assert _get(f"{gateway}/health") == 200
    assert _get(f"{gateway}/api/gateway/me") == 401  # not signed in
    # Neither its own metrics nor a service's are reachable through the public port.
    assert _get(f"{gateway}/metrics") == 404
    assert _get(f"{gateway}/api/metrics") in (401, 404)

    page = scrape(apis.metrics_url("gateway"))
    assert list(
        samples(page, "pzh_http_requests_total", method="GET", route="/api/gateway/me", status_class="4xx").values()
    ) == [1.0]


def test_unmatched_paths_and_crashes_are_counted_without_the_raw_path():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from prometheus_client import REGISTRY
    from pzh_shared.telemetry import instrument_fastapi

    app = FastAPI()

    @app.get("/observability-test/boom/{item_id}")
    def boom(item_id: str):
        raise RuntimeError("boom")

    instrument_fastapi(app)
    client = TestClient(app, raise_server_exceptions=False)

    def count(route: str, status_class: str) -> float:
        return (
            REGISTRY.get_sample_value(
                "pzh_http_requests_total", {"method": "GET", "route": route, "status_class": status_class}
            )
            or 0
        )

    crashes, unmatched = count("/observability-test/boom/{item_id}", "5xx"), count("unmatched", "4xx")
    assert client.get("/observability-test/boom/510421").status_code == 500
    assert client.get("/observability-test/nowhere/510421").status_code == 404
    assert count("/observability-test/boom/{item_id}", "5xx") == crashes + 1
    assert count("unmatched", "4xx") == unmatched + 1
    assert "510421" not in client.get("/metrics").text
