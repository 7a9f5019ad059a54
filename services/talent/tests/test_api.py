"""The talent service's HTTP API over a real SQLite event store."""

import uuid

import pytest
from fastapi.testclient import TestClient
from talent.adapters.wiring import build_application
from talent.api.app import create_app
from talent.domain.identifiers import credit_check_char
from talent.settings import TalentSettings


@pytest.fixture
def client(tmp_path, learn_communities):
    application = build_application(TalentSettings(data_dir=tmp_path))
    learn_communities(application)
    with TestClient(create_app(application)) as client:
        yield client


def ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


def certified_worker(client, id_number, station, name="周社工"):
    worker_id = ok(client.post("/workers", json={"name": name, "id_number": id_number, "phone": "13800001111",
                                                 "registered_on": "2021-01-04"}), 201)["worker_id"]
    ok(
        client.post(
            f"/workers/{worker_id}/assignment",
            json={"station_id": station, "employment": "full_time", "assigned_on": "2021-02-01"},
        )
    )
    ok(client.post(f"/workers/{worker_id}/exams", json={"level": "assistant_social_worker", "exam_year": 2021}))
    ok(
        client.post(
            f"/workers/{worker_id}/exams/sitting",
            json={"level": "assistant_social_worker", "exam_year": 2021, "sat_on": "2021-06-20"},
        )
    )
    ok(
        client.post(
            f"/workers/{worker_id}/exams/result",
            json={"level": "assistant_social_worker", "exam_year": 2021, "passed": True},
        )
    )
    ok(
        client.post(
            f"/workers/{worker_id}/certification",
            json={"level": "assistant_social_worker", "certified_on": "2021-09-01"},
        )
    )
    return worker_id


def test_worker_journey_to_station_head(client, new_id_number):
    station = str(uuid.uuid4())
    number = new_id_number()
    worker_id = certified_worker(client, number, station)
    ok(client.post(f"/workers/{worker_id}/elderly-care", json={"specialised_on": "2021-10-01"}))
    ok(
        client.post(
            f"/workers/{worker_id}/trainings",
            json={"kind": "continuing_education", "hours": 16, "completed_on": "2021-10-10"},
        ),
        201,
    )
    head = ok(client.put(f"/stations/{station}/head", json={"worker_id": worker_id, "appointed_on": "2021-10-15"}))
    assert head == {"station_id": station, "worker_id": worker_id, "appointed_on": "2021-10-15", "designated_by": None}
    assert ok(client.get(f"/stations/{station}/head"))["worker_id"] == worker_id
    worker = ok(client.get(f"/workers/{worker_id}"))
    assert worker["id_number_masked"] == number[:6] + "*" * 8 + number[-4:] and number not in str(worker)
    assert worker["phone_masked"] == "138****1111"
    assert (worker["level"], worker["head_of"], worker["training_hours"], worker["elderly_care_since"]) == (
        "assistant_social_worker", station, 16.0, "2021-10-01")
    assert worker["exams"] == [
        {"level": "assistant_social_worker", "exam_year": 2021, "sat_on": "2021-06-20", "passed": True}
    ]
    relieved = ok(client.post(f"/stations/{station}/head/relief", json={"relieved_on": "2022-01-01"}))
    assert relieved["worker_id"] == worker_id
    assert ok(client.get(f"/stations/{station}/head"))["worker_id"] is None


def test_second_head_is_409_and_part_timer_is_a_readable_422(client, new_id_number):
    station = str(uuid.uuid4())
    first, second = (
        certified_worker(client, new_id_number(), station),
        certified_worker(client, new_id_number(), station),
    )
    ok(client.put(f"/stations/{station}/head", json={"worker_id": first, "appointed_on": "2021-10-15"}))
    reply = client.put(f"/stations/{station}/head", json={"worker_id": second, "appointed_on": "2021-10-16"})
    assert reply.status_code == 409 and reply.json()["error"]["code"] == "station_has_head"
    assert "一名站长" in reply.json()["error"]["message"]
    ok(
        client.post(
            f"/workers/{second}/assignment",
            json={"station_id": station, "employment": "part_time", "assigned_on": "2021-11-01"},
        )
    )
    other = str(uuid.uuid4())
    reply = client.put(f"/stations/{other}/head", json={"worker_id": second})
    assert reply.status_code == 422 and reply.json()["error"] == {
        "code": "rule_violated",
        "message": "站长须为本站社工：该社工未在本站任职",
    }


def test_duplicate_id_number_is_409_without_echoing_it(client, new_id_number):
    number = new_id_number()
    body = {"name": "吴某", "id_number": number, "phone": "13800001111"}
    ok(client.post("/workers", json=body), 201)
    reply = client.post("/workers", json=body)
    assert reply.status_code == 409 and reply.json()["error"]["code"] == "already_registered"
    assert number not in reply.text


def test_invalid_body_is_a_chinese_422_naming_the_fields(client):
    reply = client.post(
        "/workers", json={"name": "郑某", "phone": "13800001111", "role": "boss", "registered_on": "yesterday"}
    )
    assert reply.status_code == 422
    error = reply.json()["error"]
    assert error["code"] == "invalid_request"
    assert {d["field"]: d["problem"] for d in error["details"]} == {
        "id_number": "必填",
        "role": "取值应为 'social_worker', 'community_worker', 'township_cadre' 或 'organisation_staff'",
        "registered_on": "应为日期，格式 YYYY-MM-DD",
    }
    assert error["message"].startswith("请求内容无效：") and "身份证号码(id_number)：必填" in error["message"]


def test_bad_personal_data_is_422_without_the_value(client):
    reply = client.post("/workers", json={"name": "郑某", "id_number": "510402198501011230", "phone": "13800001111"})
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid_personal_data"
    assert "510402198501011230" not in reply.text


def test_unknown_ids_are_404(client):
    for path in (
        f"/workers/{uuid.uuid4()}",
        f"/volunteers/{uuid.uuid4()}",
        f"/organisations/{uuid.uuid4()}",
        f"/agencies/{uuid.uuid4()}",
        f"/interns/{uuid.uuid4()}",
    ):
        reply = client.get(path)
        assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found", path
    reply = client.post(f"/workers/{uuid.uuid4()}/certification", json={"level": "social_worker"})
    assert reply.status_code == 404


def test_organisation_pipeline_agency_and_quotas(client, plan_station, community):
    station = str(uuid.uuid4())
    ids = []
    for n, (kind, affected) in enumerate([("functional_service", True)] * 3 + [("interest_volunteer", False)] * 3):
        oid = ok(
            client.post(
                "/organisations",
                json={
                    "name": f"第{n}社区协会",
                    "host_station_id": station,
                    "community_code": community(affected),
                    "filed_on": "2021-01-10",
                },
            ),
            201,
        )["organisation_id"]
        ok(client.post(f"/organisations/{oid}/incubation", json={"started_on": "2021-02-01"}))
        out = ok(
            client.post(
                f"/organisations/{oid}/incubated", json={"organisation_type": kind, "incubated_on": "2021-08-01"}
            )
        )
        assert out["status"] == "incubated"
        ids.append(oid)
    code = "52510400MJ0000077"
    code += credit_check_char(code)
    out = ok(
        client.post(
            f"/organisations/{ids[0]}/registration", json={"registration_number": code, "registered_on": "2021-11-01"}
        )
    )
    assert (out["status"], out["registration_number"]) == ("registered", code)
    assert (
        ok(client.post(f"/organisations/{ids[0]}/graduation", json={"graduated_on": "2022-01-01"}))["status"]
        == "graduated"
    )
    reply = client.post(f"/organisations/{ids[1]}/graduation", json={})
    assert reply.status_code == 422 and "已孵化" in reply.json()["error"]["message"]
    reply = client.post(
        "/agencies",
        json={"name": "某社工中心", "registration_number": code, "station_id": station, "registered_on": "2021-05-01"},
    )
    assert reply.status_code == 409  # the registration number is taken
    agency_code = "52510400MJ0000088"
    agency_code += credit_check_char(agency_code)
    agency_id = ok(
        client.post(
            "/agencies",
            json={
                "name": "某社工中心",
                "registration_number": agency_code,
                "station_id": station,
                "registered_on": "2021-05-01",
            },
        ),
        201,
    )["agency_id"]
    assert ok(client.get(f"/agencies/{agency_id}"))["station_id"] == station
    # Talent has not heard of the station from the registry yet: the kind is unknown.
    reply = client.get(f"/stations/{station}/quotas/2021")
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"
    assert (
        "尚未收到站点" in reply.json()["error"]["message"]
        and "registry.station.planned" in reply.json()["error"]["message"]
    )
    application = client.app.state.application
    plan_station(application, station, "township_station", provincial_pilot=False)
    quotas = ok(client.get(f"/stations/{station}/quotas/2021"))
    got = {q["code"]: (q["actual"], q["met"]) for q in quotas["quotas"]}
    assert got == {
        "functional_service_organisations_year": (3, True),
        "interest_volunteer_organisations_year": (3, True),
        "reform_affected_share_year": (50.0, True),
        "certified_workers_5y": (0, False),
        "registered_agencies_5y": (1, True),
        "volunteers_trained_year": (0, False),
    }
    assert (quotas["met"], quotas["kind"], quotas["tier"], quotas["provincial_pilot"]) == (
        False,
        "other",
        "township_station",
        False,
    )
    # The registry's facts decide, not the caller: a `kind` in the query changes nothing.
    assert ok(client.get(f"/stations/{station}/quotas/2021", params={"kind": "pilot_township"}))["kind"] == "other"
    pilot_station = str(uuid.uuid4())
    plan_station(application, pilot_station, "township_station", provincial_pilot=True)
    pilot = ok(client.get(f"/stations/{pilot_station}/quotas/2021"))
    assert (pilot["kind"], pilot["tier"], pilot["provincial_pilot"]) == ("pilot_township", "township_station", True)
    assert [q["code"] for q in pilot["quotas"]] == [
        "certified_workers_year",
        "registered_organisations_year",
        "volunteers_trained_year",
    ]


def test_volunteers_and_interns(client, new_id_number):
    station = str(uuid.uuid4())
    vid = ok(
        client.post(
            "/volunteers",
            json={
                "name": "冯志愿",
                "id_number": new_id_number(),
                "phone": "13900002222",
                "volunteer_number": "V0001",
                "station_id": station,
                "registered_on": "2021-03-01",
                "trained_on": "2021-03-05",
            },
        ),
        201,
    )["volunteer_id"]
    ok(client.post(f"/volunteers/{vid}/trainings", json={"station_id": station, "trained_on": "2021-09-05"}), 201)
    ok(client.post(f"/volunteers/{vid}/hours", json={"hours": 4.5, "served_on": "2021-03-10"}), 201)
    volunteer = ok(client.get(f"/volunteers/{vid}"))
    assert (volunteer["hours"], len(volunteer["trainings"])) == (4.5, 2)
    reply = client.post(f"/volunteers/{vid}/hours", json={"hours": 0})
    assert reply.status_code == 422 and reply.json()["error"]["details"] == [
        {"field": "hours", "problem": "应 > 0", "label": "时长"}
    ]
    iid = ok(client.post("/interns", json={"name": "褚实习", "phone": "13700003333", "university": "攀枝花学院"}), 201)[
        "intern_id"
    ]
    ok(
        client.post(
            f"/interns/{iid}/placements",
            json={"station_id": station, "placed_from": "2021-07-01", "placed_until": "2021-08-31"},
        ),
        201,
    )
    reply = client.post(
        f"/interns/{iid}/placements",
        json={
            "station_id": station,
            "placed_from": "2021-08-01",
            "placed_until": "2021-08-02",
            "supervisor_id": str(uuid.uuid4()),
        },
    )
    assert reply.status_code == 404  # no such supervisor
    assert len(ok(client.get(f"/interns/{iid}"))["placements"]) == 1


def test_employment_at_an_agency(client, new_id_number):
    station = str(uuid.uuid4())
    code = "52510400MJ0000123"
    code += credit_check_char(code)
    agency_id = ok(
        client.post(
            "/agencies",
            json={
                "name": "攀枝花市仁和区社会工作服务中心",
                "registration_number": code,
                "station_id": station,
                "registered_on": "2021-01-01",
            },
        ),
        201,
    )["agency_id"]
    worker_id = ok(client.post("/workers", json={"name": "何社工", "id_number": new_id_number(), "phone": "13800001111",
                                                 "registered_on": "2021-01-04"}), 201)["worker_id"]
    body = {"agency_id": agency_id, "employment": "part_time", "employed_on": "2021-02-01"}
    assert ok(client.post(f"/workers/{worker_id}/agency-employment", json=body)) == {"status": "employed"}
    w = ok(client.get(f"/workers/{worker_id}"))
    assert (w["agency_id"], w["employment"], w["employed_on"], w["station_id"]) == (
        agency_id,
        "part_time",
        "2021-02-01",
        None,
    )
    # one employer at a time: not at a station meanwhile, and never a head there
    reply = client.post(
        f"/workers/{worker_id}/assignment",
        json={"station_id": station, "employment": "full_time", "assigned_on": "2021-03-01"},
    )
    assert reply.status_code == 422 and "请先办理离职" in reply.json()["error"]["message"]
    reply = client.put(f"/stations/{station}/head", json={"worker_id": worker_id, "appointed_on": "2021-03-01"})
    assert reply.status_code == 422
    reply = client.post(f"/workers/{worker_id}/agency-employment", json={**body, "agency_id": str(uuid.uuid4())})
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"
    reply = client.post(
        f"/workers/{worker_id}/agency-employment", json={"agency_id": agency_id, "employment": "sometimes"}
    )
    assert reply.status_code == 422 and reply.json()["error"]["details"][0]["label"] == "用工方式"
    reply = client.post(
        f"/workers/{worker_id}/agency-employment", json={**body, "employment": "full_time", "employed_on": "2021-13-01"}
    )
    assert reply.status_code == 422 and reply.json()["error"]["details"][0]["label"] == "受聘日期"
    ok(client.post(f"/workers/{worker_id}/departure", json={"left_on": "2021-06-30"}))
    assert ok(client.get(f"/workers/{worker_id}"))["agency_id"] is None
    ok(
        client.post(
            f"/workers/{worker_id}/assignment",
            json={"station_id": station, "employment": "full_time", "assigned_on": "2021-07-01"},
        )
    )


def test_an_uncertified_head_designated_by_the_wrong_party_is_a_readable_422(client, new_id_number, plan_station):
    """附件2 2.2 "由駐站社會工作服務機構(自主運營的由縣<區>民政部門)指定1名專職社會工作者擔任": for a self-operated
    station the county bureau designates; the agency's designation is refused naming the field, and an
    uncertified full-time worker may be appointed."""
    station = str(uuid.uuid4())
    plan_station(client.app.state.application, station)  # the registry's planned event: self-operated
    worker_id = ok(client.post("/workers", json={"name": "吴社工", "id_number": new_id_number(), "phone": "13800002222",
                                                 "registered_on": "2021-01-04"}), 201)["worker_id"]
    ok(client.post(f"/workers/{worker_id}/assignment",
                   json={"station_id": station, "employment": "full_time", "assigned_on": "2021-02-01"}))
    body = {"worker_id": worker_id, "appointed_on": "2021-03-01"}
    reply = client.put(f"/stations/{station}/head", json=body | {"designated_by": "agency"})
    assert reply.status_code == 422 and reply.json()["error"] == {
        "code": "rule_violated", "message": "指定方(designated_by)有误：该站点自主运营，站长应由县(区)民政部门指定"}
    reply = client.put(f"/stations/{station}/head", json=body | {"designated_by": "someone"})
    assert reply.status_code == 422 and reply.json()["error"]["details"][0]["label"] == "指定方"
    assert ok(client.put(f"/stations/{station}/head", json=body | {"designated_by": "county_bureau"}))[
        "designated_by"] == "county_bureau"
    assert ok(client.get(f"/stations/{station}/head")) == {"station_id": station, "worker_id": worker_id,
                                                          "since": "2021-03-01", "designated_by": "county_bureau"}
