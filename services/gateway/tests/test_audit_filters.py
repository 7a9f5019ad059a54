"""The gateway audit API's filters run in the store's query: area (the caller's own or one under it, a
404 outside it), action and a time window (since inclusive, until exclusive, ISO 8601, China time when no
offset is given), combined with actor and the `after` position; the console's audit page passes them on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, COUNTIES, TOWNSHIPS, add_account, login, make_app

from .console_sign_in import console_sign_in

CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def env(tmp_path):
    app, world, clock = make_app(tmp_path)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        users = {name: add_account(client, admin, name, role, area) for name, role, area in (
            ("county-a", "county_admin", COUNTIES["A"]), ("county-b", "county_admin", COUNTIES["B"]),
            ("auditor", "auditor", "510400"), ("auditor-a", "auditor", COUNTIES["A"]))}
        yield client, world, clock, users


def records(client, headers, **params):
    reply = client.get("/api/gateway/audit", params=params, headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()["records"]


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, CHINA).isoformat()


def act(client, world, users, clock):
    """Two minutes apart: county A suspends its station and reads a case; then county B suspends its own."""
    client.post(f"/api/stations/{world.id('A', 'station')}/suspend", json={}, headers=users["county-a"])
    client.get(f"/api/cases/{world.id('A', 'case')}", headers={**users["county-a"], "X-Purpose": quote("复核")})
    clock.advance(120)
    client.post(f"/api/stations/{world.id('B', 'station')}/suspend", json={}, headers=users["county-b"])


def test_area_action_and_time_filter_on_the_server(env):
    client, world, clock, users = env
    start = clock()
    act(client, world, users, clock)
    auditor = users["auditor"]
    a = records(client, auditor, area=COUNTIES["A"])
    assert a and all(r["actor_area"].startswith(COUNTIES["A"]) or (r["target_area"] or "").startswith(COUNTIES["A"])
                     for r in a)
    assert "county-b" not in {r["actor"] for r in a}
    township = records(client, auditor, area=TOWNSHIPS["A"])  # by target: the station and the case lie there
    assert {r["action"] for r in township} == {"station_write", "case_read"}
    reads = records(client, auditor, action="case_read")
    assert [(r["actor"], r["path"]) for r in reads] == [("county-a", f"/api/cases/{world.id('A', 'case')}")]
    early = records(client, auditor, since=iso(start - 1), until=iso(start + 60), action="station_write")
    assert [r["actor"] for r in early] == ["county-a"]
    late = records(client, auditor, since=iso(start + 60))
    # besides county-b's change, the auditor's own reads of the log are in it (an auditor's actions are audited too)
    assert {r["actor"] for r in late if r["action"] != "audit_read"} == {"county-b"}
    assert {r["actor"] for r in late if r["action"] == "audit_read"} == {"auditor"}
    # a time without an offset is China time, as the console's date filters are
    naive = datetime.fromtimestamp(start + 60, CHINA).replace(tzinfo=None).isoformat()
    assert {r["actor"] for r in records(client, auditor, since=naive) if r["action"] != "audit_read"} == {"county-b"}
    both = records(client, auditor, actor="county-b", action="station_write", area=COUNTIES["B"])
    assert len(both) == 1 and both[0]["target_area"] == TOWNSHIPS["B"]


def test_the_area_filter_stays_within_the_callers_scope(env):
    client, world, clock, users = env
    act(client, world, users, clock)
    mine = records(client, users["auditor-a"], area=TOWNSHIPS["A"])
    assert mine and all(COUNTIES["B"] not in (r["actor_area"] + (r["target_area"] or "")) for r in mine)
    other = client.get("/api/gateway/audit", params={"area": COUNTIES["B"]}, headers=users["auditor-a"])
    assert other.status_code == 404 and "不在您的管辖范围内" in other.json()["error"]["message"]
    # the records without an area (anonymous calls) belong to no area: an area filter leaves them out
    client.post("/api/stations", json={})
    assert "anonymous" in {r["actor"] for r in records(client, users["auditor"])}
    assert "anonymous" not in {r["actor"] for r in records(client, users["auditor"], area="510400")}


def test_bad_filters_are_a_chinese_422_naming_the_field(env):
    client, _, _, users = env
    for params, field in (({"area": "51x"}, "area"), ({"since": "yesterday"}, "since"),
                          ({"until": "2026-13-01T00:00"}, "until")):
        reply = client.get("/api/gateway/audit", params=params, headers=users["auditor"])
        assert reply.status_code == 422, reply.text
        error = reply.json()["error"]
        assert error["details"][0]["field"] == field and "请求内容无效" in error["message"]


def test_filters_and_the_after_position_page_through_the_records(env):
    client, world, clock, users = env
    for _ in range(3):
        act(client, world, users, clock)
    first = records(client, users["auditor"], action="station_write", limit=2)
    rest = records(client, users["auditor"], action="station_write", after=first[-1]["seq"], limit=10)
    assert len(first) == 2 and len(rest) == 4 and first[-1]["seq"] < rest[0]["seq"]


def console_as(app, username: str) -> TestClient:

    from gateway.testing import PASSWORD

    browser = TestClient(app)
    signed = console_sign_in(browser, username, PASSWORD)
    assert signed.status_code == 303, signed.text
    return browser


def test_the_console_audit_page_filters_on_the_server(env):
    client, world, clock, users = env
    start = clock()
    act(client, world, users, clock)
    browser = console_as(client.app, "auditor")
    day = datetime.fromtimestamp(start, CHINA).date().isoformat()
    page = browser.get("/console/audit/gateway", params={"area": COUNTIES["A"], "action": "case_read", "from": day,
                                                         "to": day})
    assert page.status_code == 200 and '<option value="case_read" selected>' in page.text
    assert f"/api/cases/{world.id('A', 'case')}" in page.text and "查阅个案或服务对象" in page.text
    assert "suspend" not in page.text and "county-b" not in page.text
    # an earlier day has none of them: the window is the API's, not a filter of the page's rows
    before = (datetime.fromtimestamp(start, CHINA).date() - timedelta(days=1)).isoformat()
    empty = browser.get("/console/audit/gateway", params={"to": before})
    assert empty.status_code == 200 and 'id="list-empty"' in empty.text
    refused = browser.get("/console/audit/gateway", params={"area": "51x"})
    assert refused.status_code == 422 and 'id="area-error"' in refused.text and 'aria-invalid="true"' in refused.text
