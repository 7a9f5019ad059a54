"""The console's casework pages without a browser, on stand-in services: the caseload as a social worker's
home, intake searching first (a purpose, masked hits), registering a minor with the guardian's consent or
finding the duplicate, a case walked through its six stages with the supervisor approving from the queue,
notes, risk, referrals, transfer and the abuse report, complaints and surveys; every case read carries a
purpose, and nothing of another county shows."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from fastapi.testclient import TestClient
from gateway.console.casework import TARGET_GROUPS
from gateway.testing import ADMIN_PASSWORD, COUNTIES, PASSWORD, TOWNSHIPS, World, add_account, login, make_app

from .console_sign_in import console_sign_in

STAGES = ["intake", "assessment", "plan", "intervention", "evaluation", "closing"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _json(request: httpx.Request) -> dict[str, Any]:
    return json.loads(request.content or b"{}")


class CaseworkWorld(World):
    """Registry's stations and a small stateful casework: clients, cases and their stages, complaints, surveys."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.clients: dict[str, dict[str, Any]] = {}
        self.cases: dict[str, dict[str, Any]] = {}
        self.complaints: dict[str, dict[str, Any]] = {}

    def page(self, items: list[dict[str, Any]], query: httpx.QueryParams, **more: Any) -> httpx.Response:
        if query.get("format") == "xlsx":
            return httpx.Response(200, content=b"PK\x03\x04 xlsx", headers={
                "content-type": XLSX, "content-disposition": "attachment; filename*=UTF-8''list.xlsx"})
        start = int(query.get("cursor") or 0)
        limit = int(query.get("limit") or 50)
        cursor = str(start + limit) if start + limit < len(items) else None
        return httpx.Response(200, json={"items": items[start:start + limit], "total": len(items),
                                         "next_cursor": cursor, **more})

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        path, method, query = request.url.path, request.method, request.url.params
        if method == "GET" and path == "/stations":
            rows = [{"station_id": self.id(c, "station"), "name": f"{c}镇社工站", "area_code": TOWNSHIPS[c],
                     "status": "opened"} for c in COUNTIES]
            return self.page([r for r in rows if r["area_code"].startswith(query.get("area", "5104"))], query)
        if path.startswith(("/clients", "/cases", "/caseload", "/approvals")):
            return self.casework(request)
        if path.startswith(("/complaints", "/surveys")):
            return self.feedback(request)
        return None

    def casework(self, request: httpx.Request) -> httpx.Response | None:
        path, method = request.url.path, request.method
        if method == "POST" and path == "/clients/search":
            hits = [{"client_id": cid, "name": c["name"][0] + "*", "id_number": "5104**********1234", "phone": None,
                     "minor": c["birth_date"] > "2008", "area_code": c["area_code"], "station_id": c["station_id"],
                     "registered_on": "2026-05-01", "open_cases": 0} for cid, c in self.clients.items()
                    if c.get(_json(request)["by"]) == _json(request)["value"]]
            return httpx.Response(200, json={"items": hits, "total": len(hits)})
        if method == "POST" and path == "/clients":
            body = _json(request)
            twin = next((cid for cid, c in self.clients.items() if body.get("id_number")
                         and c.get("id_number") == body["id_number"]), None)
            if twin:
                return httpx.Response(409, json={"error": {"code": "conflict", "details": {"client_id": twin},
                                                           "message": "该身份证号码已登记为服务对象"}})
            client_id = str(uuid.uuid4())
            self.clients[client_id] = {**body, "version": 1}
            return httpx.Response(201, json={"client_id": client_id})
        found = re.match(r"^/clients/([^/]+)/consent$", path)
        if method == "POST" and found:
            self.clients[found.group(1)]["consent"] = _json(request)
            return httpx.Response(200, json={"client_id": found.group(1), "basis": _json(request)["basis"]})
        found = re.match(r"^/clients/([^/]+)/categories$", path)
        if method == "POST" and found:  # casework's optimistic concurrency on the client's record
            client, body = self.clients[found.group(1)], _json(request)
            if body.get("expected_version") != client["version"]:
                return httpx.Response(409, json={"error": {"code": "stale_version", "message": "记录已被修改"}})
            client["categories"], client["version"] = body["categories"], client["version"] + 1
            return httpx.Response(200, json={"client_id": found.group(1), "categories": body["categories"],
                                             "version": client["version"]})
        if method == "POST" and path == "/cases":
            return self.open_case(_json(request), request.headers.get("x-user", ""))
        if method == "GET" and path == "/caseload":
            rows = [self.row(cid) | {"client_name": "李*"} for cid in self.cases]
            return self.page(rows, request.url.params, counts={"due": {"overdue": 1, "due_today": 0, "upcoming": 2},
                                                               "stages": {s: 0 for s in STAGES}})
        if method == "GET" and path == "/cases":
            return self.page([self.row(cid) for cid in self.cases], request.url.params)
        if method == "GET" and path == "/approvals":
            rows = [self.row(cid) | {"awaiting": c["stage"], "awaiting_since": "2026-05-02"}
                    for cid, c in self.cases.items() if self.awaiting(c)]
            return self.page(rows, request.url.params)
        found = re.match(r"^/cases/([^/]+)(/.*)?$", path)
        if found and found.group(1) in self.cases:
            return self.case_command(request, found.group(1), found.group(2) or "")
        return None

    def open_case(self, body: dict[str, Any], user: str) -> httpx.Response:
        client = self.clients[body["client_id"]]
        if client["birth_date"] > "2012" and not client.get("consent"):
            return httpx.Response(422, json={"error": {"code": "consent_required",
                                                       "message": "未满14周岁须有监护人同意"}})
        case_id = str(uuid.uuid4())
        self.cases[case_id] = {**body, "categories": client.get("categories", []),
                               "stage": "intake", "stages": [{"stage": "intake", "on": body["opened_on"]}],
                               "plan_approval": None, "closing_approval": None, "closed_on": None, "notes": [],
                               "referrals": [], "escalations": [], "risk_history": [], "transfers": [],
                               "worker": unquote(user), "version": 1}
        return httpx.Response(201, json={"case_id": case_id, "stage": "intake", "age_band": "6-13",
                                         "risk_level": body["risk_level"], "escalations": []})

    @staticmethod
    def awaiting(case: dict[str, Any]) -> bool:
        return (case["stage"] == "plan" and not case["plan_approval"]) or \
            (case["stage"] == "closing" and not case["closing_approval"])

    def row(self, case_id: str) -> dict[str, Any]:
        c = self.cases[case_id]
        return {"case_id": case_id, "stage": c["stage"], "stage_name": "接案", "stage_since": "2026-05-01",
                "status": "closed" if c["closed_on"] else "open", "risk_level": c["risk_level"],
                "domain": c["domain"], "worker": c["worker"], "station_id": c["station_id"],
                "area_code": c["area_code"], "opened_on": c["opened_on"], "next_step": "assessment",
                "next_step_name": "完成预估", "due_on": "2026-05-08", "due": "overdue", "due_flag": None}

    def case_command(self, request: httpx.Request, case_id: str, action: str) -> httpx.Response:
        c = self.cases[case_id]
        if request.method == "GET":
            return httpx.Response(200, json={
                "case_id": case_id, "client_id": c["client_id"], "identity_erased": False,
                "client": {"name": "李小花", "id_number": "510421201501011234"}, "age_band": "6-13",
                "status": "closed" if c["closed_on"] else "open", **{k: v for k, v in c.items() if k != "client_id"},
                "client_categories": self.clients[c["client_id"]].get("categories", []),
                "client_version": self.clients[c["client_id"]]["version"]})
        body = _json(request)
        if action == "/stage":
            if STAGES.index(body["stage"]) != STAGES.index(c["stage"]) + 1 or \
                    (body["stage"] == "intervention" and not c["plan_approval"]):
                message = "服务计划须经督导审批后才能进入介入(intervention)阶段"
                return httpx.Response(409, json={"error": {"code": "stage_conflict", "message": message}})
            c["stage"] = body["stage"]
            c["stages"].append({"stage": body["stage"], "on": body["on"]})
        elif action in ("/plan-approval", "/closing-approval"):
            c["plan_approval" if action == "/plan-approval" else "closing_approval"] = {
                "supervisor_id": unquote(request.headers["x-user"]), "on": body["on"], "sent": body}
        elif action == "/closure":
            c["closed_on"] = body["on"]
        elif action == "/notes":
            c["notes"].append({"author": unquote(request.headers["x-user"]), "on": body["on"], "text": body["text"]})
        elif action == "/referrals":
            c["referrals"].append({"referral_id": str(uuid.uuid4()), "policy": body["policy"],
                                   "referred_on": body["on"], "outcome": None, "decided_on": None})
        elif action.endswith("/outcome"):
            c["referrals"][0].update(outcome=body["outcome"], decided_on=body["on"])
        elif action == "/risk":
            c["risk_level"] = body["risk_level"]
        elif action == "/abuse-reports":
            c["escalations"].append({"escalation_id": "e1", "kind": "suspected_child_abuse", "raised_on": body["on"]})
            c["risk_level"] = "critical"
        elif action == "/transfer":
            c["station_id"], c["area_code"] = body["to_station_id"], body["to_area_code"]
        c["version"] += 1
        return httpx.Response(200, json={"case_id": case_id, "stage": c["stage"], "status": "open",
                                         "risk_level": c["risk_level"], "station_id": c["station_id"],
                                         "version": c["version"]})

    def feedback(self, request: httpx.Request) -> httpx.Response | None:
        path, method = request.url.path, request.method
        if method == "GET" and path == "/complaints":
            rows = [{"complaint_id": cid, **c} for cid, c in self.complaints.items()]
            return self.page(rows, request.url.params)
        if method == "POST" and path == "/complaints":
            complaint_id = self.id("A", "complaint")
            self.complaints[complaint_id] = {**_json(request), "status": "received", "handled_at": None,
                                             "closed_at": None, "action": None, "response": None,
                                             "response_hours": None, "resolution_hours": None}
            return httpx.Response(201, json={"complaint_id": complaint_id})
        found = re.match(r"^/complaints/([^/]+)(/handling|/closure)?$", path)
        if found and found.group(1) in self.complaints:
            c = self.complaints[found.group(1)]
            if found.group(2) == "/handling":
                c.update(status="handled", **_json(request))
            elif found.group(2) == "/closure":
                c.update(status="closed", **_json(request))
            return httpx.Response(200, json={"complaint_id": found.group(1), **c})
        if method == "GET" and path == "/surveys":
            rows = [{"survey_id": self.id("A", "survey"), "station_id": self.id("A", "station"),
                     "area_code": TOWNSHIPS["A"], "respondent": "client", "method": "phone", "score": 92.5,
                     "surveyed_on": "2026-05-03"}]
            return self.page(rows, request.url.params)
        return None


def _csrf(html: str) -> str:
    """The page's CSRF token; every form of the page carries it (an empty one would be refused)."""
    tokens = set(re.findall(r'name="csrf" value="([^"]*)"', html))
    assert len(tokens) == 1 and "" not in tokens, tokens
    return tokens.pop()


def browser(app: Any, username: str) -> TestClient:
    client = TestClient(app)
    reply = console_sign_in(client, username, PASSWORD)
    assert reply.status_code == 303, reply.text
    client.home = reply.headers["location"]  # type: ignore[attr-defined]
    return client


@pytest.fixture
def env(tmp_path):
    app, world, _ = make_app(tmp_path, world=CaseworkWorld())
    with TestClient(app) as api:
        admin = login(api, "admin", ADMIN_PASSWORD)
        for name, role, area in (("worker-a", "social_worker", TOWNSHIPS["A"]), ("sup-a", "supervisor", COUNTIES["A"]),
                                 ("worker-b", "social_worker", TOWNSHIPS["B"]), ("auditor", "auditor", "510400"),
                                 ("county-a", "county_admin", COUNTIES["A"])):
            add_account(api, admin, name, role, area)
        yield app, world


def _sent(world: CaseworkWorld, method: str, path: str) -> list[httpx.Request]:
    return [r for r in world.requests if r.method == method and r.url.path == path]


def register(client: TestClient, world: CaseworkWorld, **values: str) -> httpx.Response:
    form = client.get("/console/clients/new")
    station = f"{world.id('A', 'station')}|{TOWNSHIPS['A']}"
    assert form.status_code == 200 and station in form.text
    assert "A镇社工站" in form.text and "B镇社工站" not in form.text
    data = {"csrf": _csrf(form.text), "station": station, "name": "李小花", "id_number": "510421201501011234",
            "phone": "", "address": "", "birth_date": "2015-01-01", "registered_on": "2026-05-01", "basis": "",
            "guardian_name": "", "guardian_relationship": "", "guardian_phone": "", "statutory_reference": "",
            **values}
    return client.post("/console/clients/new", data=data, follow_redirects=False)


def test_a_social_workers_home_is_the_caseload(env):
    app, world = env
    client = browser(app, "worker-a")
    assert client.home == "/console/caseload"
    page = client.get("/console/caseload")
    assert page.status_code == 200 and "我的个案" in page.text and "检索服务对象" in page.text
    assert 'href="/console/approvals"' not in page.text  # the queue is the supervisor's
    assert 'id="due-overdue"' in page.text and "暂无在办个案" in page.text
    sent = _sent(world, "GET", "/caseload")[-1]
    assert unquote(sent.headers["x-purpose"]) == "查看本人个案工作清单" and sent.headers["x-user"] == "worker-a"
    assert sent.url.params["area"] == TOWNSHIPS["A"]  # the gateway scopes it to the worker's area
    assert browser(app, "sup-a").home == "/console/approvals"
    assert browser(app, "auditor").get("/console/caseload").status_code == 403


def test_intake_searches_first_with_a_purpose_and_shows_masked_hits(env):
    app, world = env
    client = browser(app, "worker-a")
    page = client.get("/console/clients")
    assert page.status_code == 200 and "身份证号码" in page.text and "查阅目的" in page.text
    token = _csrf(page.text)
    # no purpose: the field says so and casework is never asked
    refused = client.post("/console/clients/search", data={"csrf": token, "by": "name", "value": "李小花",
                                                           "area_code": TOWNSHIPS["A"], "purpose": ""})
    assert refused.status_code == 422 and 'id="purpose-error"' in refused.text
    assert not _sent(world, "POST", "/clients/search")
    none = client.post("/console/clients/search", data={"csrf": token, "by": "name", "value": "李小花",
                                                        "area_code": TOWNSHIPS["A"], "purpose": "接案登记"})
    assert none.status_code == 200 and 'id="no-hits"' in none.text and 'id="register-new"' in none.text
    sent = _sent(world, "POST", "/clients/search")[-1]
    assert unquote(sent.headers["x-purpose"]) == "接案登记" and _json(sent)["area_code"] == TOWNSHIPS["A"]
    assert "李小花" not in str(sent.url)  # the value searched for is in the body, never in a URL
    assert register(client, world, basis="guardian_consent", guardian_name="李大山").status_code == 303
    found = client.post("/console/clients/search", data={"csrf": token, "by": "name", "value": "李小花",
                                                         "area_code": TOWNSHIPS["A"], "purpose": "接案登记"})
    assert 'class="hit"' in found.text and "李*" in found.text and "为其开案" in found.text
    assert "李小花</td>" not in found.text
    # another county's area: the gateway's 404, nothing asked
    world.requests.clear()
    foreign = client.post("/console/clients/search", data={"csrf": token, "by": "name", "value": "李小花",
                                                           "area_code": TOWNSHIPS["B"], "purpose": "接案登记"})
    assert foreign.status_code == 404 and not _sent(world, "POST", "/clients/search")


def test_a_child_needs_the_guardians_consent_and_a_duplicate_shows_the_existing_record(env):
    app, world = env
    client = browser(app, "worker-a")
    missing = register(client, world)
    assert missing.status_code == 422 and 'id="basis-error"' in missing.text and "未满14周岁" in missing.text
    no_name = register(client, world, basis="guardian_consent")
    assert no_name.status_code == 422 and 'id="guardian_name-error"' in no_name.text
    assert not _sent(world, "POST", "/clients")
    done = register(client, world, basis="guardian_consent", guardian_name="李大山", guardian_relationship="父亲")
    assert done.status_code == 303 and done.headers["location"].startswith("/console/cases/new?client_id=")
    client_id = re.search(r"client_id=([0-9a-f-]+)", done.headers["location"]).group(1)
    consent = _json(_sent(world, "POST", f"/clients/{client_id}/consent")[-1])
    assert consent == {"basis": "guardian_consent", "guardian_name": "李大山", "guardian_relationship": "父亲",
                       "on": "2026-05-01"}
    twice = register(client, world, basis="guardian_consent", guardian_name="李大山")
    assert twice.status_code == 409 and 'id="existing-client"' in twice.text
    assert f"/console/cases/new?client_id={client_id}" in twice.text and 'id="id_number-error"' in twice.text


def _open(client: TestClient, world: CaseworkWorld) -> tuple[str, str]:
    done = register(client, world, basis="guardian_consent", guardian_name="李大山")
    location = done.headers["location"]
    form = client.get(location)
    assert form.status_code == 200 and "服务对象已登记" in form.text and "开案" in form.text
    client_id = re.search(r"client_id=([0-9a-f-]+)", location).group(1)
    data = {"csrf": _csrf(form.text), "client_id": client_id, "station": f"{world.id('A', 'station')}|{TOWNSHIPS['A']}",
            "domain": "child_welfare", "subtype": "", "risk_level": "medium", "opened_on": "2026-05-01",
            "purpose": ""}
    no_purpose = client.post("/console/cases/new", data=data)
    assert no_purpose.status_code == 422 and 'id="purpose-error"' in no_purpose.text
    opened = client.post("/console/cases/new", data={**data, "purpose": "个案跟进服务"}, follow_redirects=False)
    assert opened.status_code == 303, opened.text
    case_id = re.search(r"/console/cases/([0-9a-f-]+)\?", opened.headers["location"]).group(1)
    assert world.cases[case_id]["worker"] == "worker-a" and world.cases[case_id]["area_code"] == TOWNSHIPS["A"]
    return case_id, opened.headers["location"]


def _act(client: TestClient, case_url: str, action: str, **data: str) -> httpx.Response:
    page = client.get(case_url)
    version = re.search(r'name="expected_version" value="(\d+)"', page.text).group(1)
    case_path = case_url.split("?")[0]
    return client.post(f"{case_path}/{action}", data={"csrf": _csrf(page.text), "purpose": "个案跟进服务",
                                                      "expected_version": version, "on": "2026-05-02", **data},
                       follow_redirects=False)


def test_a_case_walks_its_six_stages_with_the_supervisor_approving(env):
    app, world = env
    client = browser(app, "worker-a")
    case_id, case_url = _open(client, world)
    asked = client.get(f"/console/cases/{case_id}")
    assert asked.status_code == 200 and 'id="purpose-form"' in asked.text  # no purpose, no read
    assert not [r for r in world.requests if r.method == "GET" and r.url.path == f"/cases/{case_id}"]
    page = client.get(case_url)
    assert page.status_code == 200 and "李小花" in page.text and "个案已开案" in page.text
    read = [r for r in world.requests if r.method == "GET" and r.url.path == f"/cases/{case_id}"][-1]
    assert unquote(read.headers["x-purpose"]) == "个案跟进服务"
    for stage in ("assessment", "plan"):
        moved = _act(client, case_url, "stage", stage=stage)
        assert moved.status_code == 303 and "notice=stage" in moved.headers["location"]
    assert 'id="awaiting-approval"' in client.get(case_url).text
    early = _act(client, case_url, "stage", stage="intervention")
    assert early.status_code == 409 and "须经督导审批" in early.text
    # the supervisor finds it in the queue and approves the plan
    supervisor = browser(app, "sup-a")
    queue = supervisor.get("/console/approvals")
    assert queue.status_code == 200 and "服务计划" in queue.text and f"/console/approvals/{case_id}" in queue.text
    approved = supervisor.post(f"/console/approvals/{case_id}", data={"csrf": _csrf(queue.text), "kind": "plan"},
                               follow_redirects=False)
    assert approved.status_code == 303 and approved.headers["location"] == "/console/approvals?notice=plan"
    approval = world.cases[case_id]["plan_approval"]
    # the approver is the signed-in account as the gateway names it, not an id the console makes up
    assert approval["supervisor_id"] == "sup-a" and "supervisor_id" not in approval["sent"]
    assert "暂无数据" in supervisor.get("/console/approvals").text
    for stage in ("intervention", "evaluation", "closing"):
        assert _act(client, case_url, "stage", stage=stage).status_code == 303
    queue = supervisor.get("/console/approvals")
    assert "结案" in queue.text
    supervisor.post(f"/console/approvals/{case_id}", data={"csrf": _csrf(queue.text), "kind": "closing"})
    assert 'id="close-case"' in client.get(case_url).text
    assert _act(client, case_url, "closure").status_code == 303
    closed = client.get(case_url)
    assert 'id="closed"' in closed.text and 'id="notes-form"' not in closed.text


def test_notes_risk_referrals_transfer_and_the_abuse_report(env):
    app, world = env
    client = browser(app, "worker-a")
    case_id, case_url = _open(client, world)
    empty = _act(client, case_url, "notes", text="")
    assert empty.status_code == 422 and 'id="note-text-error"' in empty.text
    assert _act(client, case_url, "notes", text="家访：孩子情绪稳定").status_code == 303
    assert "家访：孩子情绪稳定" in client.get(case_url).text
    assert _act(client, case_url, "risk", risk_level="high").status_code == 303
    assert _act(client, case_url, "referrals", policy="education").status_code == 303
    page = client.get(case_url)
    assert "教育救助" in page.text and "记录结果" in page.text
    referral = world.cases[case_id]["referrals"][0]["referral_id"]
    assert _act(client, case_url, "outcome", referral_id=referral, outcome="granted").status_code == 303
    assert "已获批" in client.get(case_url).text
    assert _act(client, case_url, "abuse-reports").status_code == 303
    assert world.cases[case_id]["risk_level"] == "critical" and 'id="escalations"' in client.get(case_url).text
    # a transfer offers only the worker's own area's other stations: B's is never offered, and refused if sent
    assert "B镇社工站" not in client.get(case_url).text
    foreign = _act(client, case_url, "transfer", to_station=f"{world.id('B', 'station')}|{TOWNSHIPS['B']}")
    assert foreign.status_code == 404 and world.cases[case_id]["area_code"] == TOWNSHIPS["A"]
    assert _act(client, case_url, "bogus").status_code == 404
    # another county's worker cannot open the case
    other = browser(app, "worker-b").get(case_url)
    assert other.status_code == 404 and "李小花" not in other.text


def test_complaints_and_surveys(env):
    app, world = env
    client = browser(app, "worker-a")
    page = client.get("/console/complaints")
    assert page.status_code == 200 and 'id="complaint-form"' in page.text and "暂无数据" in page.text
    token = _csrf(page.text)
    station = f"{world.id('A', 'station')}|{TOWNSHIPS['A']}"
    missing = client.post("/console/complaints", data={"csrf": token, "station": station, "channel": "", "summary": ""})
    assert missing.status_code == 422 and 'id="channel-error"' in missing.text and 'id="summary-error"' in missing.text
    made = client.post("/console/complaints", data={"csrf": token, "station": station, "channel": "phone",
                                                    "summary": "服务时间不方便", "received_at": "2026-05-02T09:30"},
                       follow_redirects=False)
    assert made.status_code == 303
    assert _json(_sent(world, "POST", "/complaints")[-1])["received_at"] == "2026-05-02T09:30:00+08:00"
    detail = client.get(made.headers["location"])
    assert "投诉已受理" in detail.text and 'id="handling-form"' in detail.text
    complaint = made.headers["location"].split("?")[0]
    client.post(f"{complaint}/handling", data={"csrf": token, "action": "调整开放时间"})
    assert 'id="closure-form"' in client.get(complaint).text
    client.post(f"{complaint}/closure", data={"csrf": token, "response": "已电话答复"})
    assert "已办结" in client.get(complaint).text
    assert "电话" in client.get("/console/complaints").text
    surveys = client.get("/console/surveys")
    assert surveys.status_code == 200 and "92.5" in surveys.text and 'id="survey-form"' in surveys.text
    recorded = client.post("/console/surveys", data={"csrf": token, "station": station, "respondent": "client",
                                                     "method": "phone", "score": "88", "surveyed_on": "2026-05-03"},
                           follow_redirects=False)
    assert recorded.status_code == 303 and recorded.headers["location"] == "/console/surveys?notice=survey"
    export = client.get("/console/surveys?format=xlsx")
    assert export.status_code == 200 and export.headers["content-type"] == XLSX


def test_the_case_ledger_for_supervisors_and_admins(env):
    app, world = env
    worker = browser(app, "worker-a")
    case_id, _ = _open(worker, world)
    ledger = browser(app, "county-a").get("/console/cases")
    assert ledger.status_code == 200 and f"/console/cases/{case_id}" in ledger.text and "李小花" not in ledger.text
    # an administrator opens the file with a purpose, and sees the identity masked (no case_identity)
    file = browser(app, "county-a").get(f"/console/cases/{case_id}?purpose=督导检查")
    assert file.status_code == 200 and "李小花" not in file.text


def test_the_clients_categories_are_checkboxes_at_intake_and_on_the_case_page(env):
    """Issue 17 item 11: a client's categories (服务对象类别) at intake, and changed later from the case page at the
    client's version the page showed (a change made meanwhile is casework's 409, shown on the page)."""
    app, world = env
    client = browser(app, "worker-a")
    form = client.get("/console/clients/new")
    assert all(f'name="category_{code}"' in form.text for code in TARGET_GROUPS)
    assert all(label in form.text for label in TARGET_GROUPS.values())
    done = register(client, world, basis="guardian_consent", guardian_name="李大山", category_child_in_difficulty="on",
                    category_migrant="on")
    assert done.status_code == 303
    assert _json(_sent(world, "POST", "/clients")[-1])["categories"] == ["child_in_difficulty", "migrant"]
    client_id = re.search(r"client_id=([0-9a-f-]+)", done.headers["location"]).group(1)
    form = client.get(done.headers["location"])
    data = {"csrf": _csrf(form.text), "client_id": client_id, "station": f"{world.id('A', 'station')}|{TOWNSHIPS['A']}",
            "domain": "child_welfare", "subtype": "", "risk_level": "medium", "opened_on": "2026-05-01",
            "purpose": "个案跟进服务"}
    case_url = client.post("/console/cases/new", data=data, follow_redirects=False).headers["location"]
    page = client.get(case_url)
    assert re.search(r'id="case-categories">困境儿童、流动人口<', page.text)
    assert 'id="client-category_migrant" checked' in page.text
    assert 'id="client-category_disabled" checked' not in page.text
    token, case_id = _csrf(page.text), case_url.split("?")[0].rsplit("/", 1)[1]
    change = {"csrf": token, "purpose": "个案跟进服务", "case_id": case_id, "expected_version": "1", "on": "2026-06-01",
              "category_disabled": "on"}
    saved = client.post(f"/console/clients/{client_id}/categories", data=change, follow_redirects=False)
    assert saved.status_code == 303 and "notice=categories" in saved.headers["location"]
    assert _json(_sent(world, "POST", f"/clients/{client_id}/categories")[-1]) == {
        "categories": ["disabled"], "on": "2026-06-01", "expected_version": 1}
    stale = client.post(f"/console/clients/{client_id}/categories", data=change)
    assert stale.status_code == 409 and "记录已被修改" in stale.text and 'id="categories-form"' in stale.text
