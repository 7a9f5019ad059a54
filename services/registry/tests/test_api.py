"""The registry's HTTP API over a real SQLite event store."""

import uuid

import pytest
from fastapi.testclient import TestClient
from pzh_shared.eventstore import make_application
from registry.api.app import create_app
from registry.application.service import RegistryApplication
from registry.settings import RegistrySettings

CSV = """code,name,parent_code,reform_affected,valid_from,vintage
510421001,攀莲镇,510421,是,2020-06-01,2020
510421002,丙谷镇,510421,否,2020-06-01,2020
510421001001,示范村,510421001,否,2020-06-01,2020
"""


@pytest.fixture
def client(tmp_path):
    application = make_application(RegistryApplication, RegistrySettings(data_dir=tmp_path))
    with TestClient(create_app(application)) as client:
        assert (
            client.post("/areas/import", content=CSV.encode(), headers={"content-type": "text/csv"}).status_code == 201
        )
        yield client


def _station(client, **fields):
    body = {"name": "测试站", "tier": "township_station", "area_code": "510421001", "opened_on": "2021-06-30"} | fields
    reply = client.post("/stations", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()["station_id"]


def test_the_five_counties_are_loaded_at_start(client):
    names = {a["code"]: a["name"] for a in client.get("/areas/510400/children").json()}
    assert names == {"510402": "东区", "510403": "西区", "510411": "仁和区", "510421": "米易县", "510422": "盐边县"}


def test_open_then_read_a_station(client):
    station_id = _station(client, name="米易县攀莲镇社会工作服务站")
    station = client.get(f"/stations/{station_id}").json()
    assert (station["name"], station["tier"], station["status"], station["opened_on"], station["level"]) == (
        "米易县攀莲镇社会工作服务站", "township_station", "opened", "2021-06-30", "none")


def test_a_room_cannot_sit_in_a_township_level_area(client):
    reply = client.post("/stations", json={"name": "室", "tier": "village_room", "area_code": "510421001"})
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "tier_mismatch"
    assert "村(社区)一级" in reply.json()["error"]["message"]


def test_unknown_area_code_is_a_readable_422(client):
    reply = client.post("/stations", json={"name": "某站", "tier": "township_station", "area_code": "510421999"})
    assert reply.status_code == 422
    assert reply.json()["error"] == {
        "code": "unknown_area",
        "message": "未知的行政区划代码 510421999：尚未在登记系统中登记",
    }


def test_a_second_general_station_in_one_county_is_409(client):
    _station(client, tier="general_station", area_code="510421")
    reply = client.post("/stations", json={"name": "第二总站", "tier": "general_station", "area_code": "510421"})
    assert reply.status_code == 409
    assert "第二个" in reply.json()["error"]["message"]


def test_a_stale_expected_version_is_409_not_a_lost_update(client):
    station_id = _station(client)
    version = client.get(f"/stations/{station_id}").json()["version"]
    first = client.post(
        f"/stations/{station_id}/suspend", json={"on": "2021-08-01", "reason": "装修", "expected_version": version}
    )
    assert first.status_code == 200
    second = client.post(
        f"/stations/{station_id}/close", json={"on": "2021-08-02", "reason": "x", "expected_version": version}
    )
    assert second.status_code == 409 and "版本冲突" in second.json()["error"]["message"]
    assert client.get(f"/stations/{station_id}").json()["status"] == "suspended"


def test_as_of_before_a_merge_returns_the_pre_merge_picture(client):
    a = _station(client, name="甲站")
    b = _station(client, name="乙站", area_code="510421002")
    assert client.post(f"/stations/{b}/merge", json={"on": "2023-06-01", "into": a}).status_code == 200
    assert client.post("/areas/510421002/merge", json={"on": "2023-06-01", "into": "510421001"}).status_code == 200
    before = client.get("/progress/510421", params={"as_of": "2023-05-31"}).json()
    after = client.get("/progress/510421", params={"as_of": "2023-06-01"}).json()
    assert before["stations"]["township_station"] == 2 and after["stations"]["township_station"] == 1
    assert "township_coverage" not in after  # coverage is reporting's one figure (the coverage view)
    assert client.get(f"/stations/{b}", params={"as_of": "2023-05-31"}).json()["status"] == "opened"
    assert client.get(f"/stations/{b}").json()["status"] == "merged"
    assert [c["code"] for c in client.get("/areas/510421/children", params={"as_of": "2023-05-31"}).json()] == [
        "510421001", "510421002"]


def test_progress_against_annex1_targets_and_the_reform_share(client):
    _station(client, name="攀莲镇站", area_code="510421001")
    _station(client, name="丙谷镇站", area_code="510421002", plan_only=True)
    progress = client.get("/progress/510421", params={"year": 2021, "as_of": "2021-12-31"}).json()
    assert progress["targets"] == {"general_station": 1, "township_station": 3, "village_room": 9}
    assert progress["progress"]["township_station"] == {"target": 3, "actual": 1, "met": False}
    assert progress["reform_affected_2021"] == {"township_stations_2021": 1, "in_reform_affected": 1, "share": 1.0,
                                                "goal_over_half": True}


def test_half_of_the_2021_township_stations_in_reform_affected_townships_meets_the_goal(client):
    """§二(二) "鄉鎮(街道)社會工作服務站12個(其中涉改鄉鎮占50%以上)": 以上 includes the number (民法典 art. 1259),
    so exactly 50% meets the goal and one station short of it does not."""
    _station(client, name="攀莲镇站", area_code="510421001")  # 攀莲镇 is reform-affected
    _station(client, name="丙谷镇站", area_code="510421002")
    half = client.get("/progress/510421", params={"year": 2021, "as_of": "2021-12-31"}).json()
    assert half["reform_affected_2021"] == {"township_stations_2021": 2, "in_reform_affected": 1, "share": 0.5,
                                            "goal_over_half": True}
    _station(client, name="丙谷镇第二站", area_code="510421002", opened_on="2021-11-01")
    short = client.get("/progress/510421", params={"year": 2021, "as_of": "2021-12-31"}).json()
    assert short["reform_affected_2021"]["share"] == 0.3333 and not short["reform_affected_2021"]["goal_over_half"]


def test_the_level_rises_with_facilities_and_is_never_typed_in(client):
    station_id = _station(client)
    for item in ("venue", "signage", "office_equipment", "rules"):
        reply = client.put(f"/stations/{station_id}/facilities/{item}", json={"present": True, "on": "2021-07-01"})
    assert reply.json()["level"] == "none"  # no staff yet
    assert (
        client.put(f"/stations/{station_id}/facilities/pool", json={"present": True, "on": "2021-07-01"}).status_code
        == 422
    )


def test_csv_import_reports_every_bad_line_and_stores_nothing(client):
    bad = ("code,name,parent_code,reform_affected,valid_from\n"
           "510422001,新镇,510422,否,2020-01-01\n"
           "510422002,错镇,510421,否,2020-01-01\n"
           "510422003,日期错,510422,否,2020-13-01\n")
    reply = client.post("/areas/import", content=bad.encode("gb18030"), headers={"content-type": "text/csv"})
    assert reply.status_code == 422
    assert [(d["line"], d["code"]) for d in reply.json()["error"]["details"]] == [(3, "510422002"), (4, "510422003")]
    assert client.get("/areas/510422001").status_code == 404


def test_registering_an_area_twice_is_409(client):
    reply = client.post("/areas", json={"code": "510421001", "name": "重复", "valid_from": "2021-01-01"})
    assert reply.status_code == 409


def test_invalid_body_names_the_fields(client):
    reply = client.post("/stations", json={"name": "", "tier": "castle"})
    assert reply.status_code == 422
    assert {d["field"] for d in reply.json()["error"]["details"]} == {"name", "tier", "area_code"}


def test_missing_station_is_404(client):
    reply = client.get(f"/stations/{uuid.uuid4()}")
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"


def test_city_progress_sums_the_counties_against_annex1(client):
    _station(client, tier="general_station", area_code="510421")
    city = client.get("/progress", params={"year": 2021, "as_of": "2021-12-31"}).json()
    assert city["targets"] == {"general_station": 5, "township_station": 12, "village_room": 31}
    assert city["stations"]["general_station"] == 1
    assert [c["county_code"] for c in city["counties"]] == ["510402", "510403", "510411", "510421", "510422"]
