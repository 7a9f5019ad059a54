"""The guidance network (issue 17 item 13): a county's certified workers or one agency guide its township stations and
village rooms, and each guidance visit is recorded (督导记录); over the HTTP API and a real SQLite event store."""

from __future__ import annotations

import itertools
import uuid
from datetime import date

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient
from talent.adapters.integration import PUBLICATION
from talent.adapters.wiring import build_application
from talent.api.app import create_app
from talent.consumers.stations import subscription
from talent.domain.errors import Conflict, TalentError
from talent.domain.guidance import GuideKind, StationGuidance, VisitMode
from talent.domain.identifiers import credit_check_char
from talent.settings import TalentSettings

from .conftest import planned_data
from .test_api import certified_worker, ok

_offsets = itertools.count(10_000)


def _plan(app, tier: str, area_code: str) -> str:
    station = str(uuid.uuid4())
    subscription(app).apply("registry.station.planned.v1", planned_data(station, tier, area_code=area_code),
                             Tracking("registry.events:0", next(_offsets)))
    return station


@pytest.fixture
def world(tmp_path, learn_communities):
    app = build_application(TalentSettings(data_dir=tmp_path))
    learn_communities(app)
    stations = {"general": _plan(app, "general_station", "990102"),
                "township": _plan(app, "township_station", "990102001"),
                "room": _plan(app, "village_room", "990102001001"),
                "other_county": _plan(app, "township_station", "990103001")}
    with TestClient(create_app(app)) as client:
        yield app, client, stations


def _agency(client, station, number="52990100MJ0000456"):
    number += credit_check_char(number)
    return ok(client.post("/agencies", json={"name": "某社会工作服务中心", "registration_number": number,
                                             "station_id": station, "registered_on": "2021-01-01"}), 201)["agency_id"]


def _assign(client, station, kind, ids, on="2021-10-01"):
    return client.put(f"/stations/{station}/guidance", json={"guide_kind": kind, "guide_ids": ids, "guided_from": on})


def _visit(client, station, guide, on="2021-10-15", hours=2.5, mode="on_site"):
    return client.post(f"/stations/{station}/guidance/visits", json={
        "visited_on": on, "guide_id": guide, "mode": mode, "hours": hours, "topics": "个案记录规范与督导"})


def test_n_certified_workers_of_the_county_guide_a_station_and_their_visits_are_logged(world, new_id_number):
    """§二(一) "由縣(區)民政局統籌轄區內社工人才資源,依托縣(區)社會工作服務總站,采取N個專業社會工作者或1個社會工作服務
    機構指導多個社會工作服務站(室)的方式,定期指導社會工作服務站開展工作"."""
    app, client, s = world
    guides = [certified_worker(client, new_id_number(), s["general"], name=n) for n in ("甲", "乙")]
    for station in (s["township"], s["room"]):  # one set of guides, several stations
        assert ok(_assign(client, station, "workers", guides))["current"]["guide_ids"] == guides
    assert ok(_visit(client, s["township"], guides[0]), 201)["visit_id"]
    assert ok(_visit(client, s["township"], guides[1], on="2021-11-20", mode="remote"), 201)
    assert ok(_visit(client, s["room"], guides[1], on="2021-11-21"), 201)

    log = ok(client.get(f"/stations/{s['township']}/guidance"))
    assert [(v["visited_on"], v["mode_name"], v["hours"]) for v in log["visits"]] == [
        ("2021-10-15", "现场", 2.5), ("2021-11-20", "远程", 2.5)]
    guided = ok(client.get("/guidance/stations", params={"area": "990102", "sort": "-visits"}))
    assert [(r["station_id"], r["visits"], r["last_visit_on"]) for r in guided["items"]] == [
        (s["township"], 2, "2021-11-20"), (s["room"], 1, "2021-11-21")]
    visits = ok(client.get("/guidance/visits", params={"station_id": s["township"]}))
    assert [v["visited_on"] for v in visits["items"]] == ["2021-11-20", "2021-10-15"]  # newest first
    assert visits["items"][0]["minutes"] == 150 and "topics" not in visits["items"][0]


def test_one_agency_guides_and_a_later_assignment_hands_over_from_its_day(world, new_id_number):
    app, client, s = world
    agency = _agency(client, s["general"])
    worker = certified_worker(client, new_id_number(), s["general"])
    two_agencies = _assign(client, s["township"], "agency", [agency, worker])
    assert two_agencies.status_code == 422 and "1 个机构" in two_agencies.json()["error"]["message"]
    ok(_assign(client, s["township"], "agency", [agency], on="2021-09-01"))
    ok(_assign(client, s["township"], "workers", [worker], on="2021-10-01"))
    ok(_visit(client, s["township"], agency, on="2021-09-20"), 201)  # the agency guided it then
    late = _visit(client, s["township"], agency, on="2021-10-20")
    assert late.status_code == 422 and "不是该站点 2021-10-20 的指导方" in late.json()["error"]["message"]
    ok(client.post(f"/stations/{s['township']}/guidance/end", json={"on": "2021-12-01"}))
    after = _visit(client, s["township"], worker, on="2021-12-05")
    assert after.status_code == 422 and "没有指导安排" in after.json()["error"]["message"]
    history = ok(client.get(f"/stations/{s['township']}/guidance"))
    assert history["current"] is None
    assert [(a["guide_kind"], a["assigned_on"], a["ended_on"]) for a in history["assignments"]] == [
        ("agency", "2021-09-01", "2021-10-01"), ("workers", "2021-10-01", "2021-12-01")]


def test_who_may_guide_and_be_guided_is_refused_in_chinese(world, new_id_number):
    app, client, s = world
    uncertified = ok(client.post("/workers", json={"name": "丙", "id_number": new_id_number(), "phone": "13800001111",
                                                   "registered_on": "2021-01-04"}), 201)["worker_id"]
    reply = _assign(client, s["township"], "workers", [uncertified])
    assert reply.status_code == 422 and "尚未持证" in reply.json()["error"]["message"]
    certified_elsewhere = certified_worker(client, new_id_number(), s["other_county"])
    reply = _assign(client, s["township"], "workers", [certified_elsewhere])
    assert reply.status_code == 422 and "本县(区) 990102" in reply.json()["error"]["message"]
    guide = certified_worker(client, new_id_number(), s["general"])
    reply = _assign(client, s["general"], "workers", [guide])
    assert reply.status_code == 422 and "受指导的是乡镇(街道)" in reply.json()["error"]["message"]
    before_certificate = _assign(client, s["township"], "workers", [guide], on="2021-08-01")  # certified 09-01
    assert before_certificate.status_code == 422
    ok(_assign(client, s["township"], "workers", [guide]))
    bad = client.post(f"/stations/{s['township']}/guidance/visits", json={
        "visited_on": "2021-10-15", "guide_id": guide, "mode": "by_post", "hours": 0, "topics": ""})
    assert bad.status_code == 422
    message = bad.json()["error"]["message"]
    assert all(label in message for label in ("督导方式(mode)", "时长(hours)", "督导内容(topics)")), message
    future = _visit(client, s["township"], guide, on=date.today().replace(year=date.today().year + 1).isoformat())
    assert future.status_code == 422 and "不能晚于今天" in future.json()["error"]["message"]
    # Nothing refused was stored.
    assert ok(client.get(f"/stations/{s['township']}/guidance"))["visits"] == []


def test_published_events_carry_no_topics_and_stand_on_their_own(world, new_id_number):
    app, client, s = world
    guide = certified_worker(client, new_id_number(), s["general"])
    ok(_assign(client, s["township"], "workers", [guide]))
    ok(_visit(client, s["township"], guide, hours=1.25), 201)
    published = {t: d for _, _, t, d in PUBLICATION.published_after(app, 0) if t.startswith("talent.guidance.")}
    assert published["talent.guidance.assigned.v1"] == {
        "station_id": s["township"], "guide_kind": "workers", "guide_ids": [guide], "assigned_on": "2021-10-01"}
    visit = published["talent.guidance.visit_recorded.v1"]
    assert (visit["station_id"], visit["guide_id"], visit["minutes"], visit["mode"]) == (
        s["township"], guide, 75, "on_site")
    assert "topics" not in visit and "个案记录" not in str(visit)


def test_the_visit_log_as_a_domain_rule():
    guidance = StationGuidance(station_id=str(uuid.uuid4()))
    with pytest.raises(TalentError, match="没有指导安排"):
        guidance.record_visit("v1", date(2021, 1, 5), "w", VisitMode.ON_SITE, 1, "x")
    guidance.assign(GuideKind.WORKERS, ["w", "w", "x"], date(2021, 1, 1))
    assert guidance.current is not None and guidance.current.guide_ids == ("w", "x")  # each guide once
    with pytest.raises(TalentError, match="应晚于上一次"):
        guidance.assign(GuideKind.WORKERS, ["y"], date(2021, 1, 1))
    guidance.record_visit("v1", date(2021, 1, 5), "w", VisitMode.ON_SITE, 1, "  两个   空格 ")
    assert guidance.visits[0].topics == "两个 空格"
    with pytest.raises(Conflict):
        guidance.record_visit("v1", date(2021, 1, 6), "x", VisitMode.REMOTE, 1, "x")
    assert [v.visit_id for v in guidance.visits_between(date(2021, 1, 1), date(2021, 1, 5))] == ["v1"]
