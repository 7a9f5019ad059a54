"""The first event's whole journey: gateway -> registry -> event store -> relay -> Kafka -> Faust
worker -> read model -> gateway, every hop a separate process, as Jaeger (the session's trace backend, which every
process exports OTLP to) shows it through its HTTP query API: the click's trace holds the gateway, the command and
its event store append; the relay's send span of the page and the worker's process span of the batch that carried
the event are spans of their own traces, linked to the command's span (OpenTelemetry's messaging conventions for
batches), which Jaeger's JSON gives as references of type FOLLOWS_FROM."""

from __future__ import annotations

import secrets
import time

import httpx

from .conftest import wait_for


def test_open_station_through_gateway_changes_read_model_in_one_trace(jaeger, gateway, township):
    before = gateway.get("/api/read-models/stations/510400").json()["stations"]["township_station"]
    trace_id = secrets.token_hex(16)
    clicked = time.time() - 1  # the search window for the spans linked to the click (one second of clock leeway)
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
    # order, so the test waits for the spans of each hop.
    def command_hops():
        spans = jaeger.trace(trace_id)
        hops = {(s["serviceName"], s["operationName"]) for s in spans}
        return {("gateway", "POST /api/{path:path}"), ("gateway", "POST"), ("registry-api", "POST /stations"),
                ("registry-api", "eventstore append")} <= hops and spans

    spans = wait_for(command_hops, timeout=30, what=f"trace {trace_id} in Jaeger through gateway and registry",
                     explain=lambda: f"spans in Jaeger: {_names(jaeger.trace(trace_id))}\n{jaeger.tail()}")
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
    # The command's save: how many events went to which store, nothing of what they hold.
    append = one("registry-api", "eventstore append", "client", under=command)
    assert _tag(append, "db.system") == "sqlite" and _tag(append, "eventstore.events") >= 1, append["tags"]
    # One tree: every span of the trace hangs under another of it, but the entry, under the console's span.
    by_id = {s["spanID"]: s for s in spans}
    assert all(parent[s["spanID"]] in by_id for s in spans if s is not entry), _names(spans)

    # The event store kept the command's traceparent with the events: the relay's send span of the page that
    # carried them into Kafka is linked to the command's span.
    sends = wait_for(lambda: _linked_to(jaeger, command, "registry-relay", "send registry.events", clicked),
                     timeout=30, what="the relay's send span linked to the command's span",
                     explain=jaeger.tail)
    for send in sends:
        assert _tag(send, "span.kind") == "producer", send["tags"]
        assert (_tag(send, "messaging.system"), _tag(send, "messaging.destination.name"),
                _tag(send, "messaging.operation.type")) == ("kafka", "registry.events", "send"), send["tags"]
    # Each message's traceparent header is the command's span itself, so the worker's process span of the batch
    # that projected the opening is linked to the command's span too.
    def projected():
        linked = _linked_to(jaeger, command, "reporting-worker", "process registry.events", clicked)
        return [s for s in linked if "registry.station.opened.v1" in (_tag(s, "cloudevents.event_types") or "")]

    projection = wait_for(projected, timeout=30, what="the worker's process span linked to the command's span",
                          explain=jaeger.tail)[0]
    assert _tag(projection, "span.kind") == "consumer" and _tag(projection, "messaging.system") == "kafka"
    assert _tag(projection, "messaging.destination.name") == "registry.events", projection["tags"]


def _linked_to(jaeger, target: dict, service: str, operation: str, since: float) -> list[dict]:
    """The spans of `service` named `operation`, started since `since` (epoch seconds), with a span link to the
    `target` span, searched as an operator would (GET /api/traces?service=...&operation=...)."""
    reply = httpx.get(f"{jaeger.query_url}/api/traces", timeout=10, params={
        "service": service, "operation": operation, "start": int(since * 1e6), "end": int(time.time() * 1e6) + 10**6,
        "limit": 1000})
    reply.raise_for_status()
    return [span for found in reply.json()["data"] or [] for span in found["spans"]
            if span["operationName"] == operation
            and {"refType": "FOLLOWS_FROM", "traceID": target["traceID"], "spanID": target["spanID"]}
            in span["references"]]


def _tag(span: dict, key: str):
    return next((t["value"] for t in span["tags"] if t["key"] == key), None)


def _names(spans: list[dict]) -> list[str]:
    return sorted(f"{s['serviceName']}: {s['operationName']}" for s in spans)
