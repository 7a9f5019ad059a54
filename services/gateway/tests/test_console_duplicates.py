"""The console's review of possible duplicate clients, on stand-in services: an intake with the name and birth date
of a registered client says it was flagged; the queue lists the pair, and a supervisor dismisses it or merges one
record into the other, each with a purpose (a merge also with a reason), within their own area only."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, COUNTIES, TOWNSHIPS, add_account, login, make_app

from .test_console_casework import CaseworkWorld, _csrf, _json, _sent, browser, register


class DuplicatesWorld(CaseworkWorld):
    """Casework's stand-in that also flags an intake with a registered client's name and birth date."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.pairs: list[dict[str, Any]] = []

    def casework(self, request: httpx.Request) -> httpx.Response | None:
        path, method = request.url.path, request.method
        if method == "POST" and path == "/clients":
            body = _json(request)
            twins = [cid for cid, c in self.clients.items()
                     if (c["name"], c["birth_date"]) == (body["name"], body["birth_date"])]
            reply = super().casework(request)
            if reply is not None and reply.status_code == 201:
                client_id = reply.json()["client_id"]
                self.pairs += [{"pair_id": f"{client_id}:{twin}", "client_id": client_id, "other_client_id": twin,
                                "area_code": body["area_code"], "other_area_code": self.clients[twin]["area_code"],
                                "station_id": body["station_id"], "other_station_id": self.clients[twin]["station_id"],
                                "flagged_on": "2026-05-01"} for twin in twins]
                return httpx.Response(201, json={"client_id": client_id, "possible_duplicates": twins})
            return reply
        if method == "GET" and path == "/clients/duplicates":
            return self.page(self.pairs, request.url.params)
        found = re.match(r"^/clients/([^/]+)/(duplicate-dismissal|merge)$", path)
        if method == "POST" and found:
            client_id, body = found.group(1), _json(request)
            other = body.get("other_client_id") or body.get("into")
            self.pairs = [p for p in self.pairs if {p["client_id"], p["other_client_id"]} != {client_id, other}]
            if found.group(2) == "merge":
                return httpx.Response(200, json={"client_id": client_id, "merged_into": other,
                                                 "merged_on": body["on"], "audit_seq": 1})
            return httpx.Response(200, json={"client_id": client_id, "other_client_id": other, "audit_seq": 1})
        return super().casework(request)


@pytest.fixture
def env(tmp_path):
    app, world, _ = make_app(tmp_path, world=DuplicatesWorld())
    with TestClient(app) as api:
        admin = login(api, "admin", ADMIN_PASSWORD)
        for name, role, area in (("worker-a", "social_worker", TOWNSHIPS["A"]), ("sup-a", "supervisor", COUNTIES["A"]),
                                 ("sup-b", "supervisor", COUNTIES["B"]), ("worker-b", "social_worker", TOWNSHIPS["B"])):
            add_account(api, admin, name, role, area)
        yield app, world


def _flagged_pair(app: Any, world: DuplicatesWorld) -> tuple[str, str]:
    worker = browser(app, "worker-a")
    kept = register(worker, world, basis="guardian_consent", guardian_name="李大山")
    assert kept.status_code == 303 and "notice=registered" in kept.headers["location"]
    again = register(worker, world, id_number="51042120150101123X", basis="guardian_consent", guardian_name="李大山")
    assert again.status_code == 303 and "notice=possible_duplicate" in again.headers["location"]
    assert "已列入“疑似重复”待复核" in worker.get(again.headers["location"]).text
    pair = world.pairs[0]
    return pair["client_id"], pair["other_client_id"]


def test_the_queue_lists_the_pair_and_a_dismissal_needs_a_purpose(env):
    app, world = env
    new, old = _flagged_pair(app, world)
    supervisor = browser(app, "sup-a")
    page = supervisor.get("/console/clients/duplicates")
    assert page.status_code == 200 and new in page.text and old in page.text and 'class="dismiss"' in page.text
    assert _sent(world, "GET", "/clients/duplicates")[-1].url.params["area"] == COUNTIES["A"]
    path = f"/console/clients/duplicates/{new}/dismissal"
    refused = supervisor.post(path, data={"csrf": _csrf(page.text), "other_client_id": old, "purpose": ""})
    assert refused.status_code == 422 and "请填写查阅目的" in refused.text
    assert not _sent(world, "POST", f"/clients/{new}/duplicate-dismissal")
    done = supervisor.post(path, data={"csrf": _csrf(page.text), "other_client_id": old, "purpose": "复核疑似重复"},
                           follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("notice=dismissal")
    sent = _sent(world, "POST", f"/clients/{new}/duplicate-dismissal")[-1]
    assert _json(sent)["other_client_id"] == old and unquote(sent.headers["x-purpose"]) == "复核疑似重复"
    after = supervisor.get(done.headers["location"])
    assert "不是同一人" in after.text and 'id="list-empty"' in after.text


def test_a_merge_keeps_the_chosen_record_and_needs_a_reason_within_the_area(env):
    app, world = env
    new, old = _flagged_pair(app, world)
    supervisor = browser(app, "sup-a")
    token = _csrf(supervisor.get("/console/clients/duplicates").text)
    path = f"/console/clients/duplicates/{new}/merge"
    form = {"csrf": token, "other_client_id": old, "keep": "client", "purpose": "复核疑似重复", "reason": ""}
    refused = supervisor.post(path, data=form)
    assert refused.status_code == 422 and "请填写合并原因" in refused.text
    foreign = browser(app, "sup-b")
    out = foreign.post(path, data={**form, "csrf": _csrf(foreign.get("/console/clients/duplicates").text),
                                   "reason": "同一人"})
    assert out.status_code == 404 and not [r for r in world.requests if r.url.path.endswith("/merge")]
    done = supervisor.post(path, data={**form, "reason": "同一人两次登记"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("notice=merge")
    sent = _sent(world, "POST", f"/clients/{old}/merge")[-1]  # keep the new record: the old one is merged into it
    assert _json(sent)["into"] == new and _json(sent)["reason"] == "同一人两次登记"
    assert unquote(sent.headers["x-purpose"]) == "复核疑似重复"


def test_a_merge_into_a_record_of_another_county_is_refused_by_the_gateway(env):
    app, world = env
    new, _ = _flagged_pair(app, world)
    worker_b = browser(app, "worker-b")
    form = worker_b.get("/console/clients/new")
    theirs = worker_b.post("/console/clients/new", follow_redirects=False, data={
        "csrf": _csrf(form.text), "station": f"{world.id('B', 'station')}|{TOWNSHIPS['B']}", "name": "王某",
        "birth_date": "1960-01-01", "registered_on": "2026-05-01"})
    assert theirs.status_code == 303
    foreign = re.search(r"client_id=([0-9a-f-]+)", theirs.headers["location"]).group(1)
    supervisor = browser(app, "sup-a")
    refused = supervisor.post(f"/console/clients/duplicates/{new}/merge", data={
        "csrf": _csrf(supervisor.get("/console/clients/duplicates").text), "other_client_id": foreign,
        "keep": "other", "reason": "同一人", "purpose": "复核疑似重复"})
    assert refused.status_code == 404 and "不在您的管辖范围内" in refused.text
    assert not [r for r in world.requests if r.url.path.endswith("/merge")]  # the body's `into` is scoped too
