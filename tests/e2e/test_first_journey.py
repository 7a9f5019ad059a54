"""The first event's whole journey: gateway -> registry -> event store -> relay -> Kafka -> Faust
worker -> read model -> gateway, every hop a separate process, one trace id throughout."""

from __future__ import annotations

import json
import secrets

from .conftest import wait_for


def test_open_station_through_gateway_changes_read_model_in_one_trace(platform, gateway, township):
    before = gateway.get("/api/read-models/stations/510400").json()["stations"]["township_station"]
    trace_id = secrets.token_hex(16)
    reply = gateway.post(
        "/api/stations",
        json={"name": "测试街道社会工作服务站", "tier": "township_station", "area_code": township},
        headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
    )
    assert reply.status_code == 201, reply.text

    read_model = wait_for(lambda: (r := gateway.get(f"/api/read-models/stations/{township}").json())["total"] and r,
                          timeout=15)
    assert read_model["stations"] == {
        "general_station": 0,
        "township_station": 1,
        "village_room": 0,
        "institution_station": 0,
    }

    # Other tests' stations may still be arriving, so the city is checked for the roll-up: at least
    # one more than before, and always the sum of its counties.
    def city_rolled_up():
        city = gateway.get("/api/read-models/stations/510400").json()
        total = city["stations"]["township_station"]
        return (
            total >= before + 1 and total == sum(c["stations"]["township_station"] for c in city["children"]) and city
        )

    city = wait_for(city_rolled_up, timeout=15)
    county = next(c for c in city["children"] if c["area_code"] == "510421")
    assert county["stations"]["township_station"] >= 1

    def services_in_trace():
        spans = [json.loads(line) for line in platform.spans_file.read_text().splitlines() if line]
        return {s["service"] for s in spans if s["trace_id"] == trace_id}

    wanted = {"gateway", "registry-api", "registry-relay", "reporting-worker"}
    assert wait_for(lambda: wanted <= services_in_trace() and services_in_trace(), timeout=10) >= wanted
