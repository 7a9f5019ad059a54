"""The talent lists through the API: workers, volunteers, interns, organisations, agencies and the stations' quota
items; filters (area subtree from the station's profile, even when the profile comes after the people), blind name
and ID-number search, sorting, cursor pagination, the XLSX 台账, and no person's name or ID number in clear in the
list file."""

from __future__ import annotations

import io
import itertools
import uuid
from pathlib import Path

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from talent.adapters.wiring import build_application
from talent.api.app import create_app
from talent.consumers.stations import subscription
from talent.domain.identifiers import credit_check_char
from talent.settings import TalentSettings

_offsets = itertools.count(10_000)
_codes = itertools.count(100)
MIYI, RENHE = "510421", "510411"  # two counties of the city


@pytest.fixture
def app(tmp_path, learn_communities):
    application = build_application(TalentSettings(data_dir=tmp_path))
    learn_communities(application)
    yield application
    application.close()


@pytest.fixture
def client(app):
    with TestClient(create_app(app)) as client:
        yield client


def ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


def plan(app, station: str, area_code: str, provincial_pilot: bool = False, tier: str = "township_station") -> None:
    """The registry's planned event for the station, as talent's stations consumer applies it."""
    data = {"station_id": station, "tier": tier, "area_code": area_code, "provincial_pilot": provincial_pilot,
            "planned_on": "2020-06-01"}
    subscription(app).apply("registry.station.planned.v1", data, Tracking("registry.events:0", next(_offsets)))


def credit_code() -> str:
    code = f"52510400MJ0000{next(_codes):03d}"
    return code + credit_check_char(code)


def register_worker(client, name, id_number, registered_on="2021-01-04"):
    body = {"name": name, "id_number": id_number, "phone": "13800001111", "registered_on": registered_on}
    return ok(client.post("/workers", json=body), 201)["worker_id"]


def assign(client, worker_id, station, employment="full_time", on="2021-02-01"):
    ok(client.post(f"/workers/{worker_id}/assignment",
                   json={"station_id": station, "employment": employment, "assigned_on": on}))


def certify(client, worker_id, on="2021-09-01"):
    level = "assistant_social_worker"
    ok(client.post(f"/workers/{worker_id}/exams", json={"level": level, "exam_year": 2021}))
    sitting = {"level": level, "exam_year": 2021, "sat_on": "2021-06-20"}
    ok(client.post(f"/workers/{worker_id}/exams/sitting", json=sitting))
    ok(client.post(f"/workers/{worker_id}/exams/result", json={"level": level, "exam_year": 2021, "passed": True}))
    ok(client.post(f"/workers/{worker_id}/certification", json={"level": level, "certified_on": on}))


def walk(client, path, params):
    """Every row of a list, page by page through next_cursor; the total is the same on every page."""
    rows, cursor, totals = [], None, set()
    while True:
        page = ok(client.get(path, params={**params, **({"cursor": cursor} if cursor else {})}))
        rows += page["items"]
        totals.add(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            assert totals == {len(rows)}
            return rows


def sheet(reply) -> list[list]:
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(reply.content)).active.iter_rows()]


def list_file_bytes(tmp_path: Path) -> bytes:
    files = list(tmp_path.glob("talent-lists.sqlite*"))
    assert files, "the lists live beside the event store"
    return b"".join(f.read_bytes() for f in files)


def test_workers_filtered_searched_sorted_paged_and_exported(app, client, tmp_path, new_id_number):
    miyi, renhe = str(uuid.uuid4()), str(uuid.uuid4())
    plan(app, renhe, f"{RENHE}001")
    numbers = [new_id_number() for _ in range(4)]
    names = ["黄晓梅", "赵建国", "钱丽", "孙未任"]
    people = enumerate(zip(names, numbers, strict=True))
    ids = [register_worker(client, n, i, f"2021-01-0{k + 1}") for k, (n, i) in people]
    assign(client, ids[0], miyi)
    assign(client, ids[1], miyi, "part_time")
    assign(client, ids[2], renhe)
    certify(client, ids[0])
    ok(client.put(f"/stations/{miyi}/head", json={"worker_id": ids[0], "appointed_on": "2021-10-01"}))
    ok(client.post(f"/workers/{ids[1]}/departure", json={"left_on": "2021-12-31"}))
    # The station's facts reach talent after its people: their rows take its area then.
    assert ok(client.get("/workers", params={"area": MIYI}))["total"] == 0
    plan(app, miyi, f"{MIYI}102")

    county = ok(client.get("/workers", params={"area": MIYI}))
    assert [r["worker_id"] for r in county["items"]] == ids[:2] and county["total"] == 2
    head = county["items"][0]
    assert (head["name"], head["area_code"], head["station_id"], head["employment"]) == (
        "黄晓梅", f"{MIYI}102", miyi, "full_time")
    assert (head["certified"], head["certificate_level"], head["head"], head["status"]) == (
        True, "assistant_social_worker", True, "active")
    assert head["certified_on"] == "2021-09-01" and "id_number" not in head
    left = county["items"][1]
    assert (left["status"], left["left_on"], left["station_id"], left["employment"]) == (
        "left", "2021-12-31", miyi, None)
    assert ok(client.get("/workers", params={"area": "510400"}))["total"] == 3  # the unassigned one has no area

    def found(**params):
        return [r["worker_id"] for r in ok(client.get("/workers", params=params))["items"]]

    assert found(station_id=renhe) == [ids[2]]
    assert found(certified="true") == [ids[0]] and found(certificate_level="assistant_social_worker") == [ids[0]]
    assert found(status="left") == [ids[1]] and found(status="unassigned") == [ids[3]]
    assert found(employment="part_time") == []  # the part-timer left: employment is no more
    assert found(q=" 赵 建国 ") == [ids[1]]  # exact name, spaces ignored
    assert found(q="赵") == []  # no partial match: the index keeps keyed hashes only
    assert found(id_number=numbers[2].lower()) == [ids[2]]
    assert found(sort="-registered_on") == ids[::-1]
    assert found(sort="certified_on")[-1] == ids[0]
    assert [r["worker_id"] for r in walk(client, "/workers", {"limit": 1, "sort": "registered_on"})] == ids

    rows = sheet(client.get("/workers", params={"area": MIYI, "format": "xlsx"}))
    assert rows[0][:3] == ["姓名", "社工编号", "人员类别"] and "证书级别" in rows[0] and len(rows) == 3
    assert rows[1][:3] == ["黄晓梅", ids[0], "社会工作者"] and "助理社会工作师" in rows[1] and "在岗" in rows[1]

    raw = list_file_bytes(tmp_path)
    for secret in names + numbers:
        assert secret.encode() not in raw
    assert miyi.encode() in raw  # the file is the list: its station ids are there, its people are not


def test_volunteers_by_station_area_name_and_hours(app, client, tmp_path, new_id_number):
    station, other = str(uuid.uuid4()), str(uuid.uuid4())
    plan(app, station, f"{MIYI}001")
    plan(app, other, f"{RENHE}001")
    people = [("李志愿", "VOL-0001", station), ("王志愿", "VOL-0002", station), ("周志愿", "VOL-0003", other)]
    numbers, ids = [], []
    for k, (name, number, at) in enumerate(people):
        numbers.append(new_id_number())
        ids.append(ok(client.post("/volunteers", json={
            "name": name, "id_number": numbers[-1], "phone": "13900001111", "volunteer_number": number,
            "station_id": at, "registered_on": f"2022-03-0{k + 1}", "trained_on": "2022-04-01" if k == 0 else None,
        }), 201)["volunteer_id"])
    ok(client.post(f"/volunteers/{ids[1]}/hours", json={"hours": 2.5, "served_on": "2022-05-01"}), 201)
    ok(client.post(f"/volunteers/{ids[0]}/hours", json={"hours": 0.5, "served_on": "2022-05-01"}), 201)

    page = ok(client.get("/volunteers", params={"area": MIYI, "sort": "-hours"}))
    assert [r["volunteer_id"] for r in page["items"]] == [ids[1], ids[0]]
    assert (page["items"][0]["name"], page["items"][0]["hours"]) == ("王志愿", 2.5)
    assert page["items"][1]["trained"] is True and page["items"][1]["last_trained_on"] == "2022-04-01"
    assert [r["volunteer_id"] for r in ok(client.get("/volunteers", params={"station_id": other}))["items"]] == [ids[2]]
    assert ok(client.get("/volunteers", params={"q": "周志愿"}))["items"][0]["volunteer_id"] == ids[2]
    assert ok(client.get("/volunteers", params={"volunteer_number": "VOL-0002"}))["total"] == 1
    assert ok(client.get("/volunteers", params={"id_number": numbers[0]}))["items"][0]["volunteer_id"] == ids[0]
    assert ok(client.get("/volunteers", params={"trained": "false", "area": MIYI}))["total"] == 1
    assert [r["volunteer_id"] for r in walk(client, "/volunteers", {"limit": 2})] == ids

    rows = sheet(client.get("/volunteers", params={"format": "xlsx", "station_id": other}))
    assert rows[0][:2] == ["姓名", "志愿者编号(系统)"] and rows[1][:3] == ["周志愿", ids[2], other]

    raw = list_file_bytes(tmp_path)
    for name, number, _ in people:
        assert name.encode() not in raw and number.encode() not in raw
    for number in numbers:
        assert number.encode() not in raw


def test_interns_by_their_latest_placement(app, client, tmp_path):
    station = str(uuid.uuid4())
    plan(app, station, f"{MIYI}003")
    intern = ok(client.post("/interns", json={"name": "陈实习", "phone": "13700001111", "university": "攀枝花学院",
                                                "registered_on": "2023-02-01"}), 201)["intern_id"]
    never = ok(client.post("/interns", json={"name": "林实习", "phone": "13700002222", "university": "西华大学",
                                               "registered_on": "2023-02-02"}), 201)["intern_id"]
    ok(client.post(f"/interns/{intern}/placements",
                   json={"station_id": station, "placed_from": "2023-03-01", "placed_until": "2023-06-30"}), 201)
    page = ok(client.get("/interns", params={"area": MIYI}))
    assert page["total"] == 1
    row = page["items"][0]
    assert (row["intern_id"], row["name"], row["university"], row["station_id"], row["placed_until"]) == (
        intern, "陈实习", "攀枝花学院", station, "2023-06-30")
    assert [r["intern_id"] for r in ok(client.get("/interns", params={"q": "林实习"}))["items"]] == [never]
    assert [r["intern_id"] for r in ok(client.get("/interns", params={"sort": "-registered_on"}))["items"]] == [
        never, intern]
    rows = sheet(client.get("/interns", params={"format": "xlsx", "station_id": station}))
    assert rows[0][:3] == ["姓名", "实习生编号", "高校"] and rows[1][:3] == ["陈实习", intern, "攀枝花学院"]
    raw = list_file_bytes(tmp_path)
    assert "陈实习".encode() not in raw and "攀枝花学院".encode() not in raw


def test_organisations_through_the_pipeline_and_agencies(app, client, community):
    station, other = str(uuid.uuid4()), str(uuid.uuid4())
    plan(app, station, f"{MIYI}001")
    plan(app, other, f"{RENHE}002")
    ids = []
    for n, (at, affected) in enumerate([(station, True), (station, False), (other, False)]):
        ids.append(ok(client.post("/organisations", json={
            "name": f"第{n}社区协会", "host_station_id": at, "community_code": community(affected),
            "filed_on": f"2021-01-1{n}"}), 201)["organisation_id"])
    ok(client.post(f"/organisations/{ids[0]}/incubation", json={"started_on": "2021-02-01"}))
    ok(client.post(f"/organisations/{ids[0]}/incubated",
                   json={"organisation_type": "functional_service", "incubated_on": "2021-08-01"}))

    def found(path="/organisations", key="organisation_id", **params):
        return [r[key] for r in ok(client.get(path, params=params))["items"]]

    assert found(area=MIYI) == ids[:2]
    assert found(status="incubated") == [ids[0]] and found(status="filed", area=MIYI) == [ids[1]]
    assert found(organisation_type="functional_service") == [ids[0]]
    assert found(reform_affected="true") == [ids[0]] and found(host_station_id=other) == [ids[2]]
    assert found(q="1社区") == [ids[1]]  # organisation names are not personal: a plain search
    assert found(sort="-status_on")[0] == ids[0]
    row = ok(client.get("/organisations", params={"q": "第0"}))["items"][0]
    assert (row["status"], row["status_on"], row["area_code"], row["name"]) == (
        "incubated", "2021-08-01", f"{MIYI}001", "第0社区协会")
    rows = sheet(client.get("/organisations", params={"format": "xlsx", "area": MIYI}))
    assert rows[0][:5] == ["组织名称", "组织编号", "孵化站点编号", "行政区划代码", "状态"]
    assert rows[1][:5] == ["第0社区协会", ids[0], station, f"{MIYI}001", "已孵化"] and len(rows) == 3

    agency = ok(client.post("/agencies", json={"name": "米易县阳光社工中心", "registration_number": credit_code(),
                                               "station_id": station, "registered_on": "2021-05-01"}), 201)["agency_id"]
    ok(client.post("/agencies", json={"name": "仁和区社工中心", "registration_number": credit_code(),
                                      "station_id": other, "registered_on": "2021-06-01"}), 201)
    assert found("/agencies", "agency_id", area=MIYI) == [agency]
    assert found("/agencies", "agency_id", q="阳光") == [agency]
    assert found("/agencies", "agency_id", station_id=station) == [agency]
    assert len(found("/agencies", "agency_id", sort="-name")) == 2
    rows = sheet(client.get("/agencies", params={"format": "xlsx", "area": MIYI}))
    assert rows == [["机构名称", "机构编号", "登记证号", "站点编号", "行政区划代码", "登记日期"],
                    ["米易县阳光社工中心", agency, rows[1][2], station, f"{MIYI}001", "2021-05-01"]]


def test_an_agency_worker_is_listed_in_the_agency_station_area(app, client, new_id_number):
    station = str(uuid.uuid4())
    agency = ok(client.post("/agencies", json={"name": "某社工中心", "registration_number": credit_code(),
                                               "station_id": station, "registered_on": "2021-01-01"}), 201)["agency_id"]
    worker = register_worker(client, "吴机构", new_id_number())
    ok(client.post(f"/workers/{worker}/agency-employment",
                   json={"agency_id": agency, "employment": "full_time", "employed_on": "2021-03-01"}))
    plan(app, station, f"{MIYI}004")  # the station's facts come last
    row = ok(client.get("/workers", params={"area": MIYI}))["items"][0]
    assert (row["worker_id"], row["agency_id"], row["station_id"], row["area_code"]) == (
        worker, agency, None, f"{MIYI}004")
    # the registry moves the station to another area: its rows follow
    plan(app, station, f"{RENHE}004")
    assert ok(client.get("/workers", params={"area": MIYI}))["total"] == 0
    assert ok(client.get("/agencies", params={"area": RENHE}))["total"] == 1


def test_a_worker_not_yet_employed_is_listed_under_the_area_that_registered_them(app, client, new_id_number):
    body = {"name": "冯待岗", "id_number": new_id_number(), "phone": "13800001111", "area_code": MIYI,
            "registered_on": "2021-01-04"}
    worker = ok(client.post("/workers", json=body), 201)["worker_id"]
    row = ok(client.get("/workers", params={"area": MIYI}))["items"][0]
    assert (row["worker_id"], row["status"], row["area_code"], row["station_id"]) == (worker, "unassigned", MIYI, None)
    station = str(uuid.uuid4())
    plan(app, station, f"{RENHE}001")
    assign(client, worker, station)
    assert ok(client.get("/workers", params={"area": MIYI}))["total"] == 0  # at a station: the station's area
    assert ok(client.get("/workers", params={"area": RENHE}))["items"][0]["status"] == "active"
    reply = client.post("/workers", json={**body, "id_number": new_id_number(), "area_code": "5104"})
    assert reply.status_code == 422


def test_quota_items_of_an_area_with_met_and_unmet(app, client, new_id_number, community):
    pilot, other, village = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    plan(app, pilot, f"{MIYI}001", provincial_pilot=True)
    plan(app, other, f"{MIYI}002")
    plan(app, village, f"{MIYI}002001", tier="village_room")
    plan(app, str(uuid.uuid4()), f"{RENHE}001")
    for n in range(2):
        worker = register_worker(client, f"社工{n}", new_id_number())
        assign(client, worker, pilot)
        certify(client, worker)
    org = ok(client.post("/organisations", json={"name": "试点协会", "host_station_id": pilot,
                                                 "community_code": community(False), "filed_on": "2021-01-10"}),
             201)["organisation_id"]
    ok(client.post(f"/organisations/{org}/incubation", json={"started_on": "2021-02-01"}))
    ok(client.post(f"/organisations/{org}/incubated",
                   json={"organisation_type": "interest_volunteer", "incubated_on": "2021-03-01"}))
    ok(client.post(f"/organisations/{org}/registration",
                   json={"registration_number": credit_code(), "registered_on": "2021-04-01"}))

    page = ok(client.get("/quota-items", params={"area": MIYI, "year": 2021}))
    assert [r["station_id"] for r in page["items"]] == [pilot, other] and page["total"] == 2  # township stations
    first = page["items"][0]
    assert (first["kind"], first["year"], first["provincial_pilot"]) == ("pilot_township", 2021, True)
    codes = {q["code"]: q for q in first["quotas"]}
    assert codes["certified_workers_year"]["met"] and codes["registered_organisations_year"]["met"]
    assert not codes["volunteers_trained_year"]["met"] and first["met"] is False
    assert first["unmet"] == "每年培训社区志愿者"
    # the same answers as the station's own quota report
    single = ok(client.get(f"/stations/{pilot}/quotas/2021"))
    assert single["quotas"] == first["quotas"]
    assert page["items"][1]["kind"] == "other" and "5 年内培养持证社工" in page["items"][1]["unmet"]
    assert [r["station_id"] for r in ok(client.get("/quota-items", params={
        "area": MIYI, "year": 2021, "tier": "village_room"}))["items"]] == [village]
    assert ok(client.get("/quota-items", params={"provincial_pilot": "true", "year": 2021}))["total"] == 1
    assert len(walk(client, "/quota-items", {"year": 2021, "limit": 1})) == 3

    rows = sheet(client.get("/quota-items", params={"area": MIYI, "year": 2021, "format": "xlsx"}))
    assert rows[0] == ["站点编号", "行政区划代码", "站点层级", "考核类别", "年度", "全部达标", "未达标指标"]
    assert rows[1] == [pilot, f"{MIYI}001", "乡镇(街道)站", "省级试点乡镇站", 2021, "否", "每年培训社区志愿者"]
    assert client.get("/quota-items", params={"year": 1999}).status_code == 422


def test_bad_list_queries_are_chinese_422s(client):
    reply = client.get("/workers", params={"sort": "name"})
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid_query"
    assert "registered_on" in reply.json()["error"]["message"]
    assert client.get("/volunteers", params={"limit": 500}).status_code == 422
    assert client.get("/organisations", params={"area": "51x"}).status_code == 422
    assert client.get("/workers", params={"cursor": "nonsense"}).status_code == 422


@pytest.mark.postgres
def test_on_postgres_a_late_station_profile_gives_its_workers_their_area(postgres_server, tmp_path, new_id_number):
    from datetime import date

    from pzh_shared.eventstore import store_env
    from pzh_shared.listing import ListQuery
    from pzh_shared.personal_stores import postgres_conninfo
    from talent.adapters.integration import PUBLICATION
    from talent.adapters.wiring import PostgresKeyStore, PostgresReadAudit
    from talent.application.service import TalentApplication
    from talent.domain.vocabulary import Employment

    settings = TalentSettings(event_store="postgres", data_dir=tmp_path, postgres_host=postgres_server.host,
                              postgres_port=postgres_server.port, postgres_dbname=postgres_server.dbname,
                              postgres_user=postgres_server.user, postgres_password=postgres_server.password or "")
    # A fresh application name gives the test its own event and list tables on the shared server.
    fresh = type("FreshTalent", (TalentApplication,), {"name": f"talent_{uuid.uuid4().hex[:8]}"})
    conninfo = postgres_conninfo(settings)
    app = fresh(env=store_env(settings, fresh.name), publication=PUBLICATION, keys=PostgresKeyStore(conninfo),
                audit=PostgresReadAudit(conninfo))
    try:
        station = str(uuid.uuid4())
        worker = app.register_worker("欧阳丹", new_id_number(), "13800001111", date(2021, 1, 4))
        app.assign_worker(worker, station, Employment.FULL_TIME, date(2021, 2, 1))
        assert app.lists.page("workers", ListQuery(filters={"area_code": MIYI})).total == 0
        plan(app, station, f"{MIYI}001")
        page = app.lists.page("workers", ListQuery(filters={"area_code": MIYI, "name": "欧阳 丹"}))
        assert [row["id"] for row in page.items] == [str(worker)] and page.items[0]["area_code"] == f"{MIYI}001"
    finally:
        app.close()
