"""The first event's whole journey: gateway -> registry -> event store -> relay -> Kafka -> Faust
worker -> read model -> gateway, every hop a separate process, one trace id throughout, as Jaeger (the session's
trace backend, which every process exports OTLP to) shows it through its HTTP query API."""

from __future__ import annotations

import secrets

from .conftest import wait_for


def test_open_station_through_gateway_changes_read_model_in_one_trace(jaeger, gateway, township):
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

    # The whole click as Jaeger holds it. Every process exports in its own batches, seconds apart and in no
    # order, so the test waits for the spans of each of the four processes, the projection of the opening included.
    def every_hop():
        spans = jaeger.trace(trace_id)
        hops = {(s["serviceName"], s["operationName"]) for s in spans}
        return {("gateway", "POST /api/{path:path}"), ("registry-api", "POST /stations"),
                ("registry-relay", "registry.events publish"),
                ("reporting-worker", "project registry.station.opened.v1")} <= hops and spans

    spans = wait_for(every_hop, timeout=30, what=f"trace {trace_id} in Jaeger through every process",
                     explain=lambda: f"spans in Jaeger: {_names(jaeger.trace(trace_id))}\n{jaeger.tail()}")
    by_id = {s["spanID"]: s for s in spans}
    parent = {s["spanID"]: next((r["spanID"] for r in s["references"] if r["refType"] == "CHILD_OF"), None)
              for s in spans}

    def one(service: str, operation: str, kind: str, under: dict | None = None) -> dict:
        found = [s for s in spans if s["serviceName"] == service and s["operationName"] == operation
                 and _tag(s, "span.kind") == kind and (under is None or parent[s["spanID"]] == under["spanID"])]
        assert found, f"no {kind} span {operation!r} of {service} under {under and under['operationName']}: " \
                      f"{_names(spans)}"
        return found[0]

    # The gateway's server span continues the console's traceparent; its client span calls registry-api.
    entry = one("gateway", "POST /api/{path:path}", "server")
    call = one("gateway", "POST", "client", under=entry)
    command = one("registry-api", "POST /stations", "server", under=call)
    # The event store kept the command's traceparent with the stored events: the relay's producer span, which
    # publishes the opening to Kafka, is the command's child although the relay is another process.
    published = [s for s in spans if parent[s["spanID"]] == command["spanID"]
                 and s["operationName"] == "registry.events publish"]
    assert published and {(_tag(s, "span.kind"), s["serviceName"]) for s in published} == {
        ("producer", "registry-relay")}, _names(spans)
    # Kafka carried the producer span's traceparent in the message's headers to the reporting worker.
    projection = one("reporting-worker", "project registry.station.opened.v1", "consumer")
    producer = by_id[parent[projection["spanID"]]]
    assert producer in published and _tag(producer, "messaging.message.id") == _tag(projection,
                                                                                  "messaging.message.id")
    assert _tag(projection, "messaging.system") == "kafka"
    # One tree: every span hangs under another of the trace, but the entry, under the console's span.
    assert all(parent[s["spanID"]] in by_id for s in spans if s is not entry), _names(spans)


def _tag(span: dict, key: str):
    return next((t["value"] for t in span["tags"] if t["key"] == key), None)


def _names(spans: list[dict]) -> list[str]:
    return sorted(f"{s['serviceName']}: {s['operationName']}" for s in spans)
