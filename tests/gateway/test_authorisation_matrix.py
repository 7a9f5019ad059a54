"""The authorisation matrix, generated from the gateway's route table: every route called with a
token of every role from two different counties (and at city level), always against county A's
objects. Functions a role lacks answer 403, out-of-scope objects 404, everything else reaches the
service. A second check reads the services' own OpenAPI documents: every route they offer is in
the gateway's table (so nothing is forwarded without a scope rule)."""

from __future__ import annotations

import importlib
import re
from unittest.mock import MagicMock
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from gateway.access import FUNCTIONS, PARAM_KINDS, ROUTE_TABLE, ROUTES, SERVICES, Route, match
from gateway.roles import PRIVILEGED
from gateway.testing import ADMIN_PASSWORD, COUNTIES, TOWNSHIPS, World, add_account, login, make_app

ROLES = sorted({role for roles in FUNCTIONS.values() for role in roles})
CITY = "510400"
# (label, role, area) for every principal of the matrix
PRINCIPALS = [(f"{role}@{county}", role, area) for role in ROLES
              for county, area in (("A", COUNTIES["A"]), ("B", COUNTIES["B"]), ("city", CITY))]
PRINCIPALS += [
    (f"{role}@town-{c}", role, TOWNSHIPS[c])
    for role in ("township_admin", "station_operator", "social_worker")
    for c in "AB"
]
# area-code path parameters used for county A
AREA_PARAMS = {"code": TOWNSHIPS["A"], "county_code": COUNTIES["A"], "area_code": COUNTIES["A"]}
# where each kind of county-A object lies (independent of how the gateway finds out)
OBJECT_AREA = {"contract": COUNTIES["A"], "plan": COUNTIES["A"]}
OTHER_PARAMS = {"year": "2026", "source": "welfare_lottery", "item": "sign", "name": "quarterly", "period": "2026-Q1",
                "file": "latest.json", "figure": "stations", "referral_id": "11111111-1111-1111-1111-111111111111",
                "item_code": "MZ-01", "application_no": "1"}
BODY = {"code": "510421101", "area_code": TOWNSHIPS["A"], "name": "x"}
NOT_FOUND = {"error": {"code": "not_found", "message": "未找到，或不在您的管辖范围内"}}


def fill(route: Route, world: World) -> tuple[str, set[str]]:
    """The route's path for county A's objects, and the areas the request touches."""
    path, areas = route.template, set()
    for name in route.params:
        kind = PARAM_KINDS.get(name)
        if kind == "area":
            value = AREA_PARAMS[name]
            areas.add(value)
        elif kind:
            value = world.id("A", kind)
            areas.add(OBJECT_AREA.get(kind, TOWNSHIPS["A"]))
        else:
            value = OTHER_PARAMS[name]
        path = path.replace(f"{{{name}}}", quote(value, safe=""))
    return f"/api{path}", areas


def body_for(route: Route, world: World) -> tuple[dict | None, set[str]]:
    if route.method == "GET" or route.root_only:
        return None, set()
    body = {**BODY, "station_id": world.id("A", "station")}
    areas = {TOWNSHIPS["A"]}
    if route.creates == "area":
        areas.add(BODY["code"])
    return body, areas


def prefix(area: str) -> str:
    from pzh_shared.areas import scope_prefix

    return scope_prefix(area)


class FilingWorld(World):
    """County A's contracts as funding shows them: filed with the level above the county, the city."""

    def view(self, county: str, kind: str) -> dict[str, str]:
        body = super().view(county, kind)
        return {**body, "filed_with": CITY} if kind == "contract" else body


def expected(route: Route, role: str, area: str, touched: set[str]) -> int:
    if role not in FUNCTIONS[route.function]:
        return 403
    if route.root_only:
        return 403 if not "5104".startswith(prefix(area)) else 200
    if not all(t.startswith(prefix(area)) for t in touched):
        return 404
    if route.duty == "filing":  # the level above the signer files (api/duties.py): county A's contract, the city
        return 200 if area == CITY else 403
    if route.duty == "approval":  # a supervisor of the case's station or county
        return 200 if role == "supervisor" and prefix(area).startswith(COUNTIES["A"]) else 403
    return 200


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    app, world, _ = make_app(tmp_path_factory.mktemp("gateway"), FilingWorld(), access_token_ttl=3600)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        tokens = {
            label: add_account(client, admin, label.replace("@", "-"), role, area) for label, role, area in PRINCIPALS
        }
        yield client, world, tokens


def _cases():
    return [pytest.param(route, id=f"{route.method} {route.template}") for route in ROUTE_TABLE]


@pytest.mark.parametrize("route", _cases())
def test_every_route_with_every_role_from_two_counties(matrix, route):
    client, world, tokens = matrix
    path, touched = fill(route, world)
    body, body_areas = body_for(route, world)
    failures = []
    for label, role, area in PRINCIPALS:
        want = expected(route, role, area, touched | body_areas)
        reply = client.request(route.method, path, json=body, headers={**tokens[label], "X-Purpose": quote("督导复核")})
        got = 200 if 200 <= reply.status_code < 300 else reply.status_code
        if got != want:
            failures.append(f"{label}: {got} (expected {want}) {reply.text[:120]}")
        if got == 404:
            assert reply.json() == NOT_FOUND
    assert not failures, "\n".join(failures)


def every_item(client: TestClient, route: Route, path: str, body: dict | None, headers: dict[str, str],
               **params: str) -> list[dict]:
    """Every item of a list, page by page (one item a page, so that the cursor is followed)."""
    items: list[dict] = []
    cursor = None
    for _ in range(1000):
        query = {"limit": "1", **params, **({"cursor": cursor} if cursor else {})}
        reply = client.request(route.method, path, params=query, json=body, headers=headers)
        assert reply.status_code == 200, reply.text
        page = reply.json()
        items += page.get("items", [])
        if not (cursor := page.get("next_cursor")):
            return items
    raise AssertionError(f"{path}: the cursor never ends")


LIST_ROUTES = [r for r in ROUTE_TABLE if r.lists]


@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_a_list_shows_a_principal_only_its_own_area(matrix, route):
    """Every list and search of the table: each principal that may call it gets only items of its area (every
    page), and the uniform 404 for another county's area, whether the area is a query parameter or the body's."""
    client, world, tokens = matrix
    path, touched = fill(route, world)
    failures = []
    for label, role, area in PRINCIPALS:
        if role not in FUNCTIONS[route.function] or route.root_only or \
                not all(t.startswith(prefix(area)) for t in touched):
            continue
        headers = {**tokens[label], "X-Purpose": quote("督导复核")}
        own = area if route.method == "GET" else TOWNSHIPS["A"] if area.startswith(COUNTIES["A"]) else area
        body = None if route.method == "GET" else {**BODY, "area_code": own}
        items = every_item(client, route, path, body, headers)
        outside = [item for item in items if not str(item.get("area_code", area)).startswith(prefix(area))]
        if outside:
            failures.append(f"{label}: items outside its area {outside}")
        if area == CITY:
            continue
        other = COUNTIES["B"] if area.startswith(COUNTIES["A"]) else COUNTIES["A"]
        query, body = ({"area": other}, None) if route.method == "GET" else ({}, {**BODY, "area_code": other})
        reply = client.request(route.method, path, params=query, json=body, headers=headers)
        if reply.status_code != 404 or reply.json() != NOT_FOUND:
            failures.append(f"{label} for {other}: {reply.status_code} {reply.text[:120]} (expected 404)")
    assert not failures, "\n".join(failures)


# Routes addressing an object by id that a county admin may use.
BY_ID_FOR_COUNTY = [r for r in ROUTE_TABLE if any(PARAM_KINDS.get(p, "area") != "area" for p in r.params)
                    and "county_admin" in FUNCTIONS[r.function] and not r.root_only]


@pytest.mark.parametrize("route", BY_ID_FOR_COUNTY, ids=lambda r: f"{r.method} {r.template}")
def test_a_missing_object_looks_like_an_out_of_scope_one(matrix, route):
    """No existence oracle: a county admin gets the same 404 for B's object and for no object at all."""
    client, world, tokens = matrix
    path, _ = fill(route, world)
    body, _ = body_for(route, world)
    missing = path
    for kind in set(PARAM_KINDS.values()) - {"area"}:
        missing = missing.replace(world.id("A", kind), "00000000-0000-0000-0000-000000000000")
    b_token = tokens["county_admin@B"]
    out_of_scope = client.request(route.method, path, json=body, headers={**b_token, "X-Purpose": "x"})
    absent = client.request(route.method, missing, json=body, headers={**tokens["county_admin@A"], "X-Purpose": "x"})
    assert out_of_scope.status_code == absent.status_code == 404
    assert out_of_scope.json() == absent.json()


def test_policy_invariants():
    case_roles = FUNCTIONS["case_read"] | FUNCTIONS["case_write"]
    assert "system_admin" not in case_roles and "auditor" not in case_roles
    assert {f for f, roles in FUNCTIONS.items() if "auditor" in roles} == {"service_audit_read", "gateway_audit_read"}
    assert FUNCTIONS["funding_write"] == {"city_admin", "county_admin", "township_admin", "funding_officer"}
    # the funding officer keeps the money, never case content; the supervisor approves plans and closures (case_write)
    assert {f for f, roles in FUNCTIONS.items() if "funding_officer" in roles} == {"read", "funding_write"}
    assert {"case_read", "case_write"} <= {f for f, roles in FUNCTIONS.items() if "supervisor" in roles}
    # 三权分立: each administrator's own duty is held by no other of the three (accounts and keys are made by the
    # system administrator, authenticators reset and sessions ended by the security administrator, the logs read
    # by the auditor); the security administrator reads no data of any service
    duties = {"system_admin": {"account_admin", "api_key_admin"}, "security_admin": {"account_security"},
              "auditor": {"service_audit_read", "gateway_audit_read"}}
    assert set(duties) == PRIVILEGED
    for role, own in duties.items():
        assert all(FUNCTIONS[f] & PRIVILEGED == {role} for f in own), role
    assert {f for f, roles in FUNCTIONS.items() if "security_admin" in roles} == {
        "account_list", "account_unlock", "account_security", "api_key_revoke"}


def test_a_rules_book_is_edited_by_its_owning_bureau_alone(matrix):
    """附件2 §5.1.3: "由縣(區)民政部門牽頭制定評價細則": a county's administrator records its own county's rubric and
    no other county's, and the root's rules (weights, quotas, pilots, calendar) are the city bureau's alone; every
    other role reads them (the reports say which version they used) and records none."""
    client, _, tokens = matrix
    assert FUNCTIONS["rules_write"] == {"city_admin", "county_admin"}
    body = {"effective_from": "2026-12-01", "version": {}}
    for label, path, want in (("county_admin@A", COUNTIES["A"], 200), ("county_admin@A", COUNTIES["B"], 404),
                              ("county_admin@A", CITY, 404), ("city_admin@city", CITY, 200),
                              ("city_admin@city", COUNTIES["B"], 200), ("township_admin@town-A", COUNTIES["A"], 403),
                              ("station_operator@A", COUNTIES["A"], 403), ("auditor@city", CITY, 403)):
        reply = client.post(f"/api/read-models/rules/{path}", json=body, headers=tokens[label])
        got = 200 if reply.is_success else reply.status_code
        assert got == want, (label, path, reply.text[:120])
    assert client.get(f"/api/read-models/rules/{CITY}", headers=tokens["social_worker@city"]).is_success
    assert client.get(f"/api/read-models/rules/{CITY}", headers=tokens["county_admin@A"]).status_code == 404


def test_body_references_are_scoped(matrix):
    client, world, tokens = matrix
    a = tokens["county_admin@A"]
    ok = {"name": "x", "tier": "township_station", "area_code": TOWNSHIPS["A"]}
    assert client.post("/api/stations", json=ok, headers=a).status_code == 201
    assert client.post("/api/stations", json={**ok, "area_code": TOWNSHIPS["B"]}, headers=a).status_code == 404
    assert (
        client.post(
            "/api/contracts",
            json={"area_code": COUNTIES["A"], "station_ids": [world.id("A", "station"), world.id("B", "station")]},
            headers=a,
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/projects",
            json={"contract_id": world.id("B", "contract"), "station_id": world.id("A", "station")},
            headers=a,
        ).status_code
        == 404
    )
    moved = {"to_station_id": world.id("B", "station"), "to_area_code": TOWNSHIPS["B"]}
    assert client.post(f"/api/cases/{world.id('A', 'case')}/transfer", json=moved, headers=a).status_code == 404
    assert (
        client.post(
            f"/api/cases/{world.id('A', 'case')}/transfer", json=moved, headers=tokens["city_admin@city"]
        ).status_code
        == 200
    )
    # the case now lies in county B: A's admin no longer sees it, B's does
    assert client.get(f"/api/cases/{world.id('A', 'case')}", headers={**a, "X-Purpose": "x"}).status_code == 404


def test_objects_created_through_the_gateway_are_owned_by_their_area(matrix):
    client, world, tokens = matrix
    town_a = tokens["station_operator@town-A"]
    client_id = client.post("/api/clients", json={"station_id": world.id("A", "station")}, headers=town_a).json()[
        "client_id"
    ]
    assert (
        client.get(
            f"/api/clients/{client_id}", headers={**tokens["social_worker@town-A"], "X-Purpose": "x"}
        ).status_code
        == 200
    )
    assert (
        client.get(
            f"/api/clients/{client_id}", headers={**tokens["social_worker@town-B"], "X-Purpose": "x"}
        ).status_code
        == 404
    )
    worker_id = client.post("/api/workers", json={"name": "x"}, headers=tokens["county_admin@B"]).json()["worker_id"]
    # a worker with no station belongs to its creator's area
    assert client.app.state.store.owner("worker", worker_id) == COUNTIES["B"]


def gateway_path(service: str, path: str) -> str:
    head = path.lstrip("/").split("/")[0]
    return path if ROUTES.get(head) == service else f"/{service}{path}"


def service_openapi(service: str) -> dict:
    module = importlib.import_module(f"{service}.api.app")
    return module.create_app(MagicMock()).openapi()


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_route_has_a_scope_rule(service):
    missing = []
    for path, operations in service_openapi(service)["paths"].items():
        if path == "/health":
            continue
        for method in operations:
            concrete = gateway_path(service, path)
            for name in re.findall(r"\{(\w+)\}", concrete):
                value = {"action": "open"}.get(name, "x")
                concrete = concrete.replace(f"{{{name}}}", value)
            route, _ = match(method.upper(), concrete)
            if route is None:
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"{service} routes without a gateway rule: {missing}"
