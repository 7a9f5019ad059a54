"""Lists and searches through the gateway (access.py `lists=True`): a list's `area` query parameter is its scope
(the caller's own area when absent, the uniform 404 outside it), query parameters naming objects are checked like
path parameters, a body search is scoped by its body's area, a page holding anything outside the scope never
leaves the gateway, and exports pass through unchanged."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from gateway import access
from gateway.access import Route
from gateway.testing import (
    ADMIN_PASSWORD,
    COUNTIES,
    IDENTITY,
    MASKED_ID_NUMBER,
    TOWNSHIPS,
    XLSX_TYPE,
    add_account,
    login,
    make_app,
)

NOT_FOUND = {"error": {"code": "not_found", "message": "未找到，或不在您的管辖范围内"}}
# The lists these tests need, whether or not the services' engineers have put them in the table yet.
LISTS = [Route("GET", "/stations", "read", lists=True), Route("GET", "/workers", "read", lists=True),
         Route("GET", "/contracts", "read", lists=True), Route("POST", "/clients/search", "case_read", lists=True)]


@pytest.fixture
def env(tmp_path, monkeypatch):
    known = {(r.method, r.template) for r in access.ROUTE_TABLE}
    monkeypatch.setattr(access, "ROUTE_TABLE", [r for r in LISTS if (r.method, r.template) not in known]
                        + access.ROUTE_TABLE)
    app, world, _ = make_app(tmp_path)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        users = {name: add_account(client, admin, name, role, area) for name, role, area in (
            ("county-a", "county_admin", COUNTIES["A"]), ("city", "city_admin", "510400"),
            ("worker-a", "social_worker", TOWNSHIPS["A"]), ("auditor", "auditor", "510400"))}
        yield client, world, users


def forwarded(world, path: str):
    return [r for r in world.requests if r.url.path == path]


def test_without_area_a_list_is_the_callers_own_area(env):
    client, world, users = env
    reply = client.get("/api/stations", headers=users["county-a"])
    assert reply.status_code == 200, reply.text
    assert forwarded(world, "/stations")[-1].url.params["area"] == COUNTIES["A"]
    assert [row["station_id"] for row in reply.json()["items"]] == [world.id("A", "station")]
    # an empty area is no area
    assert client.get("/api/stations?area=", headers=users["county-a"]).json()["total"] == 1
    assert forwarded(world, "/stations")[-1].url.params.get_list("area") == [COUNTIES["A"]]


def test_an_area_within_the_callers_is_passed_on_and_one_outside_is_404(env):
    client, world, users = env
    a = users["county-a"]
    reply = client.get("/api/stations", params={"area": TOWNSHIPS["A"], "tier": "township_station"}, headers=a)
    assert reply.status_code == 200
    sent = forwarded(world, "/stations")[-1].url.params
    assert (sent["area"], sent["tier"]) == (TOWNSHIPS["A"], "township_station")
    before = len(forwarded(world, "/stations"))
    for area in (COUNTIES["B"], TOWNSHIPS["B"], "510400", "51", "x"):
        reply = client.get("/api/stations", params={"area": area}, headers=a)
        assert (reply.status_code, reply.json()) == (404, NOT_FOUND), area
    # a second area naming another county is refused too, whatever the service would make of two
    assert client.get(f"/api/stations?area={COUNTIES['A']}&area={COUNTIES['B']}", headers=a).status_code == 404
    assert len(forwarded(world, "/stations")) == before  # refused before anything reached the service


def test_query_parameters_naming_objects_are_checked_like_path_parameters(env):
    client, world, users = env
    a = users["county-a"]
    assert client.get("/api/workers", params={"station_id": world.id("A", "station")}, headers=a).status_code == 200
    for params in ({"station_id": world.id("B", "station")}, {"station_id": "00000000-0000-0000-0000-000000000000"},
                   {"contract_id": world.id("B", "contract")}, {"area_code": COUNTIES["B"]}):
        reply = client.get("/api/workers", params=params, headers=a)
        assert (reply.status_code, reply.json()) == (404, NOT_FOUND), params


def test_the_city_lists_every_county_page_by_page(env):
    client, world, users = env
    seen, cursor = [], None
    while True:
        page = client.get("/api/contracts", params={"limit": 1, **({"cursor": cursor} if cursor else {})},
                          headers=users["city"]).json()
        assert page["total"] == 2
        seen += [row["area_code"] for row in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert forwarded(world, "/contracts")[-1].url.params["area"] == "510400"
    assert seen == [COUNTIES["A"], COUNTIES["B"]]


def test_a_page_holding_another_countys_item_never_leaves_the_gateway(env):
    client, world, users = env
    world.lists_ignore_area = True  # a broken service that answers every county's items
    reply = client.get("/api/stations", headers=users["county-a"])
    assert (reply.status_code, reply.json()) == (404, NOT_FOUND)
    assert client.get("/api/stations", headers=users["city"]).json()["total"] == 2


def test_an_export_passes_through_unchanged(env):
    client, world, users = env
    reply = client.get("/api/stations", params={"format": "xlsx"}, headers=users["county-a"])
    assert reply.status_code == 200
    assert reply.headers["content-type"] == XLSX_TYPE
    assert reply.headers["content-disposition"] == "attachment; filename*=UTF-8''list.xlsx"
    assert reply.content == b"PK\x03\x04 stand-in workbook"
    sent = forwarded(world, "/stations")[-1].url.params
    assert (sent["format"], sent["area"]) == ("xlsx", COUNTIES["A"])
    assert client.get("/api/stations", params={"format": "xlsx", "area": COUNTIES["B"]},
                      headers=users["county-a"]).status_code == 404


def test_a_body_search_is_scoped_by_its_body_and_masked_like_a_case_read(env):
    client, world, users = env
    search = {"by": "id_number", "value": IDENTITY["id_number"]}
    purpose = {"X-Purpose": quote("入户核查")}
    mine = client.post("/api/clients/search", json={**search, "area_code": TOWNSHIPS["A"]},
                       headers={**users["county-a"], **purpose})
    assert mine.status_code == 200, mine.text
    assert [row["area_code"] for row in mine.json()["items"]] == [TOWNSHIPS["A"]]
    assert mine.json()["items"][0]["identity"]["id_number"] == MASKED_ID_NUMBER  # an administrator: masked
    theirs = client.post("/api/clients/search", json={**search, "area_code": TOWNSHIPS["B"]},
                         headers={**users["county-a"], **purpose})
    assert (theirs.status_code, theirs.json()) == (404, NOT_FOUND)
    # no area in the body: whatever the service answers, nothing of county B leaves the gateway
    assert client.post("/api/clients/search", json=search, headers={**users["county-a"], **purpose}).status_code == 404
    worker = client.post("/api/clients/search", json={**search, "area_code": TOWNSHIPS["A"]},
                         headers={**users["worker-a"], **purpose})
    assert worker.json()["items"][0]["identity"]["id_number"] == IDENTITY["id_number"]  # a field role with a purpose
    audited = [r for r in client.app.state.store.audit_records("51") if r["path"] == "/api/clients/search"]
    assert [(r["actor"], r["status"]) for r in audited] == [("county-a", 200), ("county-a", 404), ("county-a", 404),
                                                              ("worker-a", 200)]


def test_a_list_still_needs_its_function(env):
    client, _, users = env
    assert client.get("/api/stations", headers=users["auditor"]).status_code == 403
    assert client.get("/api/stations").status_code == 401
