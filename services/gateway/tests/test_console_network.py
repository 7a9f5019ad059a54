"""The console's service-item lists and guidance network, on stand-in services: a county administrator adds an
item to the county's list (county, department and tiers chosen) and sees it listed and on the station's page, a
station operator is offered no form, a guide is assigned by choosing the station and the worker from what the
services list, a social worker records a visit by one of the station's guides and finds it in the visits list,
and each refusal of a service shows on the page in Chinese."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, COUNTIES, TOWNSHIPS, World, add_account, login, make_app

from .test_console_casework import _csrf, _sent, browser


def _json(request: httpx.Request) -> dict[str, Any]:
    return json.loads(request.content or b"{}")


def _page(items: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(200, json={"items": items, "total": len(items), "next_cursor": None})


def _refused(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": "conflict" if status == 409 else "invalid_request",
                                                  "message": message}})


class NetworkWorld(World):
    """The registry's stations and service-item lists, talent's certified workers and the guidance of stations,
    each kept as the services keep them (a code twice refused, a visit only by a guide in force)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.items: dict[tuple[str, str], dict[str, Any]] = {}  # (county, code) -> the item
        self.versions: dict[str, int] = {}  # county -> its list's version
        self.guidance: dict[str, dict[str, Any]] = {}  # station id -> GuidanceOut
        self.visits: list[dict[str, Any]] = []

    def station(self, county: str) -> dict[str, Any]:
        return {"station_id": self.id(county, "station"), "name": f"{county}镇社工站", "area_code": TOWNSHIPS[county],
                "tier": "township_station", "status": "opened"}

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        path, method, query = request.url.path, request.method, request.url.params
        area = query.get("area", "")
        stations = {self.id(c, "station"): c for c in COUNTIES}
        found = re.match(r"^/stations/([^/]+)(/service-items)?$", path)
        if method == "GET" and found and found.group(1) in stations:
            station = self.station(stations[found.group(1)])
            if not found.group(2):
                return httpx.Response(200, json=station)
            county = station["area_code"][:6]
            items = [{**i, "department_name": "民政", "withdrawn_on": None} for (c, _), i in self.items.items()
                     if c == county and station["tier"] in i["tiers"]]
            return httpx.Response(200, json={"station_id": station["station_id"], "tier": station["tier"],
                                             "county_code": county, "as_of": query["as_of"], "items": items})
        if method == "GET" and path == "/stations":
            return _page([self.station(c) for c in COUNTIES if TOWNSHIPS[c].startswith(area)
                          and query.get("tier") in (None, "township_station")])
        if path.startswith("/service-items"):
            return self.service_items(request)
        if method == "GET" and path == "/workers" and query.get("certified") == "true":
            return _page([{"worker_id": self.id(c, "worker"), "name": f"{c}张社工", "area_code": TOWNSHIPS[c],
                           "status": "active", "certified": True} for c in COUNTIES if TOWNSHIPS[c].startswith(area)])
        if method == "GET" and path == "/agencies":
            return _page([])
        if re.match(r"^/(stations/[^/]+/)?guidance", path):  # the gateway's /talent/stations/... at talent
            return self.talent(request)
        return None

    def service_items(self, request: httpx.Request) -> httpx.Response | None:
        path, method = request.url.path, request.method
        if method == "GET" and path == "/service-items":
            area = request.url.params.get("area", "")
            return _page([{"county_code": c, "code": code, "name": i["name"], "department": i["department"],
                           "tier": tier, "effective_from": i["effective_from"], "withdrawn_on": None,
                           "withdrawn": False}
                          for (c, code), i in self.items.items() if c.startswith(area[:6]) for tier in i["tiers"]])
        found = re.match(r"^/service-items/(\d+)$", path)
        if method == "GET" and found:
            return httpx.Response(200, json={"county_code": found.group(1), "as_of": "2026-03-01", "items": [],
                                             "version": self.versions.get(found.group(1))})
        if method == "POST" and found:
            body = _json(request)
            if (found.group(1), body["code"]) in self.items:
                return _refused(409, f"服务事项清单中已有编号为 {body['code']} 的事项")
            self.items[(found.group(1), body["code"])] = body
            self.versions[found.group(1)] = self.versions.get(found.group(1), 0) + 1
            return httpx.Response(201, json={"status": "ok"})
        found = re.match(r"^/service-items/(\d+)/[^/]+$", path)
        if method == "PUT" and found:
            current = self.versions.get(found.group(1))
            if _json(request).get("expected_version") not in (None, current):
                return _refused(409, f"服务事项清单已被修改：当前版本为 {current}，请刷新后重试")
            self.versions[found.group(1)] = (current or 0) + 1
            return httpx.Response(200, json={"status": "ok"})
        return None

    def talent(self, request: httpx.Request) -> httpx.Response | None:
        path, method = request.url.path, request.method
        found = re.match(r"^/stations/([^/]+)/guidance(/visits)?$", path)
        if found and method == "PUT":
            body = _json(request)
            current = {"guide_kind": body["guide_kind"], "guide_kind_name": "专业社会工作者",
                       "guide_ids": body["guide_ids"], "assigned_on": body["guided_from"], "ended_on": None}
            self.guidance[found.group(1)] = {"station_id": found.group(1), "current": current,
                                             "assignments": [current], "visits": []}
            return httpx.Response(200, json=self.guidance[found.group(1)])
        if found and method == "GET":
            return httpx.Response(200, json=self.guidance.get(found.group(1)) or {
                "station_id": found.group(1), "current": None, "assignments": [], "visits": []})
        if found and method == "POST":
            body, guidance = _json(request), self.guidance.get(found.group(1))
            if guidance is None or body["guide_id"] not in guidance["current"]["guide_ids"]:
                return _refused(422, "督导人应为该日在任的指导方")
            if body["visited_on"] > "2100-01-01":
                return _refused(422, "督导日期不能晚于今天")
            visit = {"visit_id": str(uuid.uuid4()), **body, "mode_name": "现场"}
            guidance["visits"].append(visit)
            self.visits.append({"visit_id": visit["visit_id"], "station_id": found.group(1),
                                "area_code": TOWNSHIPS["A"], "visited_on": body["visited_on"],
                                "guide_id": body["guide_id"], "mode": body["mode"],
                                "minutes": round(float(body["hours"]) * 60)})
            return httpx.Response(201, json={"visit_id": visit["visit_id"]})
        if method == "GET" and path == "/guidance/visits":
            return _page(self.visits)
        if method == "GET" and path == "/guidance/stations":
            return _page([{"station_id": s, "area_code": TOWNSHIPS["A"], "guide_kind": g["current"]["guide_kind"],
                           "guide_count": len(g["current"]["guide_ids"]), "guided_from": g["current"]["assigned_on"],
                           "ended": False, "visits": len(g["visits"]), "last_visit_on": None}
                          for s, g in self.guidance.items()])
        return None


@pytest.fixture
def env(tmp_path):
    app, world, _ = make_app(tmp_path, world=NetworkWorld())
    with TestClient(app) as api:
        admin = login(api, "admin", ADMIN_PASSWORD)
        for name, role, area in (("county", "county_admin", COUNTIES["A"]),
                                 ("operator", "station_operator", TOWNSHIPS["A"]),
                                 ("worker", "social_worker", TOWNSHIPS["A"])):
            add_account(api, admin, name, role, area)
        yield app, world


def _options(html: str, name: str) -> dict[str, str]:
    """A select's options on the page: label -> value."""
    select = re.search(rf'<select id="[^"]*" name="{name}".*?</select>', html, re.S)
    assert select, f"no select {name}"
    return {label.strip(): value for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>',
                                                                select.group(0)) if value}


def test_a_county_admin_adds_an_item_and_sees_it_listed_and_on_the_station_page(env):
    app, world = env
    county = browser(app, "county")
    page = county.get("/console/service-items")
    assert page.status_code == 200 and 'id="form-item-new"' in page.text
    counties, departments = _options(page.text, "county"), _options(page.text, "department")
    assert list(counties.values()) == [COUNTIES["A"]] and departments["卫生健康"] == "health"
    form = {"csrf": _csrf(page.text), "county": counties[next(iter(counties))], "code": "SI-01",
            "name": "困难群众走访探视", "department": departments["民政"], "tier-township_station": "on",
            "tier-village_room": "on", "effective_from": "2026-01-01"}
    untiered = county.post("/console/service-items/new", data={
        k: v for k, v in form.items() if not k.startswith("tier-")})
    assert untiered.status_code == 422 and "请至少选择一个站点层级" in untiered.text
    assert not _sent(world, "POST", f"/service-items/{COUNTIES['A']}")
    added = county.post("/console/service-items/new", data=form, follow_redirects=False)
    assert added.status_code == 303, added.text
    assert _json(_sent(world, "POST", f"/service-items/{COUNTIES['A']}")[-1]) == {
        "code": "SI-01", "name": "困难群众走访探视", "department": "civil_affairs",
        "tiers": ["township_station", "village_room"], "effective_from": "2026-01-01"}
    listed = county.get(added.headers["location"])
    rows = re.findall(r"<tr>(.*?)</tr>", listed.text, re.S)[1:]
    assert "已添加服务事项" in listed.text and len(rows) == 2  # a row per tier
    assert all("困难群众走访探视" in row and "民政" in row for row in rows)
    assert "乡镇(街道)社会工作服务站" in rows[0] and "村(社区)社会工作服务室" in rows[1]
    assert 'class="revise"' in listed.text and 'class="danger withdraw"' in listed.text
    again = county.post("/console/service-items/new", data=form)
    assert again.status_code == 409 and "服务事项清单中已有编号为 SI-01 的事项" in again.text
    station = county.get(f"/console/stations/{world.id('A', 'station')}")
    assert station.status_code == 200 and "本站服务事项" in station.text
    assert re.search(r'id="station-service-items".*困难群众走访探视', station.text, re.S)
    asked = _sent(world, "GET", f"/stations/{world.id('A', 'station')}/service-items")
    assert len(asked) == 1 and asked[0].url.params["as_of"]


def test_a_station_operator_reads_the_list_without_any_form(env):
    app, world = env
    world.items[(COUNTIES["A"], "SI-01")] = {"code": "SI-01", "name": "困难群众走访探视", "department": "civil_affairs",
                                             "tiers": ["township_station"], "effective_from": "2026-01-01"}
    operator = browser(app, "operator")
    page = operator.get("/console/service-items")
    assert page.status_code == 200 and "困难群众走访探视" in page.text
    assert 'id="form-item-new"' not in page.text and 'class="revise"' not in page.text
    assert "服务事项清单" in page.text and 'href="/console/service-items"' in page.text  # in the menu
    refused = operator.post("/console/service-items/new", data={
        "csrf": _csrf(page.text), "county": COUNTIES["A"], "code": "SI-02", "name": "x", "department": "education",
        "tier-township_station": "on"})
    assert refused.status_code == 403 and "您的角色无权执行此操作" in refused.text
    assert not _sent(world, "POST", f"/service-items/{COUNTIES['A']}")


def _assign(app: Any, world: NetworkWorld) -> str:
    county = browser(app, "county")
    page = county.get("/console/guidance")
    assert page.status_code == 200 and 'id="form-assign"' in page.text
    stations = _options(page.text, "station_id")
    station = next(v for k, v in stations.items() if k.startswith("A镇社工站"))
    assert "B镇社工站" not in page.text  # only the user's area is offered
    worker = re.search(r'name="worker-([^"]+)"> A张社工', page.text)
    assert worker, "the certified worker is offered as a checkbox"
    assert {r.url.params["tier"] for r in _sent(world, "GET", "/stations")} == {"township_station", "village_room"}
    assert _sent(world, "GET", "/workers")[-1].url.params["certified"] == "true"
    done = county.post("/console/guidance/assignment", follow_redirects=False, data={
        "csrf": _csrf(page.text), "station_id": station, "guide_kind": "workers",
        f"worker-{worker.group(1)}": "on", "guided_from": "2026-03-01"})
    assert done.status_code == 303, done.text
    sent = _json(_sent(world, "PUT", f"/stations/{station}/guidance")[-1])
    assert sent == {"guide_kind": "workers", "guide_ids": [world.id("A", "worker")], "guided_from": "2026-03-01"}
    shown = county.get(done.headers["location"])
    assert "已指定指导方" in shown.text and re.search(r'id="current-guides">[^<]*A张社工', shown.text)
    return station


def test_guides_are_assigned_by_choosing_the_station_and_the_workers(env):
    app, world = env
    _assign(app, world)
    county = browser(app, "county")
    nobody = county.post("/console/guidance/assignment", data={
        "csrf": _csrf(county.get("/console/guidance").text), "station_id": world.id("A", "station"),
        "guide_kind": "workers"})
    assert nobody.status_code == 422 and "请选择社工（可多选）" in nobody.text
    assert len(_sent(world, "PUT", f"/stations/{world.id('A', 'station')}/guidance")) == 1
    listed = county.get("/console/guidance", params={"sort": "visits"})
    assert f'href="/console/guidance/stations/{world.id("A", "station")}"' in listed.text
    assert _sent(world, "GET", "/guidance/stations")[-1].url.params["sort"] == "visits"
    page = county.get(f"/console/guidance/stations/{world.id('A', 'station')}")
    ended = county.post(f"/console/guidance/stations/{world.id('A', 'station')}/end", follow_redirects=False,
                        data={"csrf": _csrf(page.text), "on": "2026-06-30"})
    assert ended.status_code == 303 and ended.headers["location"].endswith("notice=ended")
    assert _json(_sent(world, "POST", f"/stations/{world.id('A', 'station')}/guidance/end")[-1]) == {"on": "2026-06-30"}
    worker = browser(app, "worker").get("/console/guidance")
    assert worker.status_code == 200 and 'id="form-assign"' not in worker.text and "指导与督导" in worker.text


def test_a_social_worker_records_a_visit_by_a_current_guide_and_finds_it_listed(env):
    app, world = env
    station = _assign(app, world)
    worker = browser(app, "worker")
    page = worker.get(f"/console/guidance/stations/{station}")
    assert page.status_code == 200 and 'id="form-visit"' in page.text and "不写服务对象的姓名" in page.text
    guides = _options(page.text, "guide_id")
    assert guides == {"A张社工（" + TOWNSHIPS["A"] + "）": world.id("A", "worker")}
    form = {"csrf": _csrf(page.text), "visited_on": "2026-03-05", "guide_id": guides[next(iter(guides))],
            "mode": _options(page.text, "mode")["现场"], "hours": "2", "topics": "个案记录的规范"}
    empty = worker.post(f"/console/guidance/stations/{station}/visits", data={**form, "topics": ""})
    assert empty.status_code == 422 and 'id="topics-error"' in empty.text
    future = worker.post(f"/console/guidance/stations/{station}/visits", data={**form, "visited_on": "2999-01-01"})
    assert future.status_code == 422 and "督导日期不能晚于今天" in future.text
    assert 'value="个案记录的规范"' not in future.text and "个案记录的规范" in future.text  # what was typed stays
    done = worker.post(f"/console/guidance/stations/{station}/visits", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    sent = _json(_sent(world, "POST", f"/stations/{station}/guidance/visits")[-1])
    assert sent == {"visited_on": "2026-03-05", "guide_id": world.id("A", "worker"), "mode": "on_site",
                    "hours": 2.0, "topics": "个案记录的规范"}
    shown = worker.get(done.headers["location"])
    assert re.search(r'id="visit-list".*2026-03-05.*A张社工.*个案记录的规范', shown.text, re.S)
    visits = worker.get("/console/guidance/visits")
    rows = re.findall(r"<tr>(.*?)</tr>", visits.text, re.S)[1:]
    assert len(rows) == 1 and "2026-03-05" in rows[0] and "现场" in rows[0] and ">120<" in rows[0].replace(
        " ", "").replace("\n", "")


def test_a_revision_starts_from_every_tier_of_the_item_and_a_withdrawal_is_dated(env):
    app, world = env
    world.items[(COUNTIES["A"], "SI-01")] = {"code": "SI-01", "name": "困难群众走访探视", "department": "civil_affairs",
                                             "tiers": ["township_station", "village_room"],
                                             "effective_from": "2026-01-01"}
    world.versions[COUNTIES["A"]] = 1
    county = browser(app, "county")
    page = county.get("/console/service-items")
    revise = re.findall(r'<form method="post" action="/console/service-items/\d+/SI-01/revision".*?</form>',
                        page.text, re.S)
    assert len(revise) == 2  # a row per tier, each form ticking both tiers
    assert all(re.findall(r'name="tier-(\w+)" checked', f) == ["township_station", "village_room"] for f in revise)
    assert all('name="expected_version" value="1"' in f for f in revise)
    form = {"csrf": _csrf(page.text), "name": "困难群众走访探视", "department": "civil_affairs",
            "tier-township_station": "on", "on": "2026-07-01", "expected_version": "1"}
    path = f"/console/service-items/{COUNTIES['A']}/SI-01/revision"
    revised = county.post(path, follow_redirects=False, data=form)
    assert revised.status_code == 303 and revised.headers["location"].endswith("notice=revised")
    assert _json(_sent(world, "PUT", f"/service-items/{COUNTIES['A']}/SI-01")[-1]) == {
        "name": "困难群众走访探视", "department": "civil_affairs", "tiers": ["township_station"],
        "effective_from": "2026-07-01", "expected_version": 1}
    stale = county.post(path, data=form)  # sent again from the page shown before the revision
    assert stale.status_code == 409 and "服务事项清单已被修改：当前版本为 2，请刷新后重试" in stale.text
    withdrawn = county.post(f"/console/service-items/{COUNTIES['A']}/SI-01/withdrawal", follow_redirects=False,
                            data={"csrf": _csrf(page.text), "on": "2026-09-01"})
    assert withdrawn.status_code == 303
    assert _json(_sent(world, "POST", f"/service-items/{COUNTIES['A']}/SI-01/withdrawal")[-1]) == {"on": "2026-09-01"}
