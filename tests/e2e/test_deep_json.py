"""Deep JSON (issue 10, resource limits): a request body nested 10,000 levels deep answers 422 with a
Chinese message, never a 5xx or a hang, on a route the gateway forwards to a service and on one of the
gateway's own; the platform keeps answering afterwards. A body of ordinary depth still works."""

from __future__ import annotations

import pytest

DEPTH = 10_000
BODIES = {"array": "[" * DEPTH + "]" * DEPTH, "object": '{"a":' * DEPTH + "1" + "}" * DEPTH}
ROUTES = ["/api/stations", "/api/contracts", "/api/cases", "/api/gateway/users"]


@pytest.mark.parametrize("shape", BODIES)
def test_deeply_nested_json_is_refused_with_422(platform, gateway, township, shape, record_property):
    statuses = []
    for path in ROUTES:
        reply = gateway.post(path, content=BODIES[shape], headers={"Content-Type": "application/json"})
        statuses.append(reply.status_code)
        assert reply.status_code == 422, f"{path}: {reply.status_code} {reply.text[:200]}"
        message = reply.json()["error"]["message"]
        assert "嵌套" in message, message
    # the gateway and the services still answer, and a body of ordinary depth is accepted
    ok = gateway.post(
        "/api/stations", json={"name": "深层JSON对照站", "tier": "township_station", "area_code": township}
    )
    assert ok.status_code == 201, ok.text
    record_property(
        "reliability", {"shape": shape, "depth": DEPTH, "routes": len(ROUTES), "statuses": sorted(set(statuses))}
    )


def test_deep_json_inside_strings_is_only_text(platform, gateway, township):
    """Brackets inside a JSON string are text, not nesting: such a body passes the depth check (the service
    then judges the name as it judges any name)."""
    reply = gateway.post("/api/stations", json={"name": "[{" * 100, "tier": "township_station", "area_code": township})
    assert reply.status_code < 500 and "嵌套" not in reply.text, reply.text


@pytest.mark.parametrize(("body", "depth"), [
    (b'{"a": "[[[", "b": [1, {"c": "\\"]"}]}', 3),  # brackets and escaped quotes inside strings are text
    (b'["' + b"[" * 100, 1),                          # an unterminated string runs to the end
    (b'["abc\\', 1),                                  # a lone backslash at the end
    (b"[" * DEPTH, DEPTH),                             # unbalanced: still measured, no recursion
    (b"", 0),
])
def test_the_gateways_depth_measure(body, depth):
    from gateway.api.limits import json_depth

    assert json_depth(body) == depth
