"""A bulk export of personal data needs a second approver (issue 18, item 7; reliability item S21): the XLSX of a
list of people is refused without an approved request of the caller's, approved by another administrator of its
area, for that list, used once; the request, the approval and every export (refused ones too) are audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, COUNTIES, PASSWORD, add_account, login, make_app

XLSX = {"format": "xlsx"}


@pytest.fixture
def env(tmp_path):
    app, world, clock = make_app(tmp_path)
    with TestClient(app) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        users = {name: add_account(client, admin, name, role, area) for name, role, area in (
            ("county-a", "county_admin", COUNTIES["A"]), ("county-a2", "county_admin", COUNTIES["A"]),
            ("county-b", "county_admin", COUNTIES["B"]), ("operator-a", "station_operator", f"{COUNTIES['A']}100"))}
        yield client, world, clock, users


def request_export(client, headers, path="/api/workers", reason="年度人才统计报送") -> str:
    made = client.post("/api/gateway/exports", json={"path": path, "reason": reason}, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()["export_id"]


def test_a_personal_data_export_needs_a_second_approver_and_serves_once(env, record_property):
    client, world, clock, users = env
    me = users["county-a"]
    refused = []

    def export(path="/api/workers", approval=None, who=me):
        headers = {**who, **({"X-Export-Approval": approval} if approval else {})}
        reply = client.get(path, params=XLSX, headers=headers)
        if reply.status_code == 403:
            assert "须经第二人审批" in reply.json()["error"]["message"], reply.text
            refused.append(reply)
        return reply

    assert export().status_code == 403  # no request at all
    assert client.get("/api/workers", headers=me).status_code == 200  # a page on screen needs none
    pending = request_export(client, me)
    assert export(approval=pending).status_code == 403  # not approved yet
    own = client.post(f"/api/gateway/exports/{pending}/approval", headers=me)
    assert own.status_code == 403 and "不能审批自己的导出申请" in own.json()["error"]["message"]
    assert client.post(f"/api/gateway/exports/{pending}/approval", headers=users["county-b"]).status_code == 404
    assert client.post(f"/api/gateway/exports/{pending}/approval", headers=users["operator-a"]).status_code == 403
    approved = client.post(f"/api/gateway/exports/{pending}/approval", headers=users["county-a2"])
    assert approved.status_code == 200 and approved.json()["approver"] == "county-a2"
    assert export(path="/api/volunteers", approval=pending).status_code == 403  # another list
    assert export(approval=pending, who=users["county-a2"]).status_code == 403  # the approver's, not its own
    sent_before = len(world.requests)
    done = export(approval=pending)
    assert done.status_code == 200 and "spreadsheet" in done.headers["content-type"]
    assert len(world.requests) > sent_before
    assert export(approval=pending).status_code == 403  # used once

    late = request_export(client, me)
    client.post(f"/api/gateway/exports/{late}/approval", headers=users["county-a2"])
    clock.advance(24 * 3600 + 1)
    me = login(client, "county-a", PASSWORD)  # (the session ended while idle)
    assert export(approval=late, who=me).status_code == 403  # an approval lasts a day

    records = client.app.state.store.audit_records("", limit=1000, unscoped=True)
    exports = [r for r in records if r["action"] == "personal_export"]
    assert [r["status"] for r in exports] == [403, 403, 403, 403, 200, 403, 403]
    assert [r["resource_id"] for r in exports if r["status"] == 200] == [pending]
    assert {r["action"] for r in records} >= {"export_request", "export_approval"}
    record_property("reliability", {"exports tried": len(exports), "without a valid second approval": len(refused),
                                    "refused 403": len(refused), "allowed with one": 1, "audited": len(exports)})


def test_only_lists_of_people_need_it(env):
    client, _, _, users = env
    assert client.get("/api/stations", params=XLSX, headers=users["county-a"]).status_code == 200
    wrong = client.post("/api/gateway/exports", json={"path": "/api/stations", "reason": "统计"},
                        headers=users["county-a"])
    assert wrong.status_code == 422 and "path" in wrong.json()["error"]["message"]


def test_the_console_requests_approves_and_downloads_once(env):
    import re

    from .console_sign_in import console_sign_in

    client, world, _, _ = env

    def page_csrf(html: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', html).group(1)

    requester, approver = TestClient(client.app), TestClient(client.app)
    assert console_sign_in(requester, "county-a", PASSWORD).status_code == 303
    assert console_sign_in(approver, "county-a2", PASSWORD).status_code == 303
    page = requester.get("/console/exports")
    assert page.status_code == 200 and "导出人员台账" in page.text
    made = requester.post("/console/exports", data={"csrf": page_csrf(page.text), "path": "/api/volunteers",
                                                     "reason": "志愿服务时长年报"}, follow_redirects=False)
    assert made.status_code == 303
    export_id = client.app.state.store.export_requests(COUNTIES["A"])[0]["export_id"]
    mine = requester.get("/console/exports").text
    assert f'id="approve-{export_id}"' not in mine and f'id="download-{export_id}"' not in mine  # not yet, not own
    theirs = approver.get("/console/exports")
    assert f'id="approve-{export_id}"' in theirs.text
    approved = approver.post(f"/console/exports/{export_id}/approval", data={"csrf": page_csrf(theirs.text)},
                             follow_redirects=False)
    assert approved.status_code == 303
    assert f'id="download-{export_id}"' in requester.get("/console/exports").text
    file = requester.get(f"/console/exports/{export_id}/download")
    assert file.status_code == 200 and "spreadsheet" in file.headers["content-type"]
    again = requester.get(f"/console/exports/{export_id}/download")
    assert again.status_code == 403 and "须经第二人审批" in again.text
    assert f'id="download-{export_id}"' not in requester.get("/console/exports").text
