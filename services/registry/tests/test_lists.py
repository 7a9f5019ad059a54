"""The registry's lists through its HTTP API (real SQLite event store): areas by subtree, level, parent, name or
code prefix, and their tree; stations by area subtree and every filter, searched by name, sorted and paged behind
a cursor; a station's dated history; yearly targets with today's progress; each list as an XLSX 台账."""

from __future__ import annotations

import io
from datetime import date

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pzh_shared.eventstore import make_application
from registry.api.app import create_app
from registry.application.service import RegistryApplication
from registry.settings import RegistrySettings

CSV = """code,name,parent_code,reform_affected,valid_from,vintage
510421001,攀莲镇,510421,是,2020-06-01,2020
510421002,丙谷镇,510421,否,2020-06-01,2020
510421001001,示范村,510421001,否,2020-06-01,2020
510421001002,河边村,510421001,否,2020-06-01,2020
510402001,炳草岗街道,510402,否,2020-06-01,2020
"""


@pytest.fixture
def client(tmp_path):
    application = make_application(RegistryApplication, RegistrySettings(data_dir=tmp_path))
    with TestClient(create_app(application)) as client:
        reply = client.post("/areas/import", content=CSV.encode(), headers={"content-type": "text/csv"})
        assert reply.status_code == 201
        yield client


def _station(client, name, tier="township_station", area_code="510421001", **fields) -> str:
    body = {"name": name, "tier": tier, "area_code": area_code, "opened_on": "2021-06-30"} | fields
    reply = client.post("/stations", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()["station_id"]


def _network(client) -> dict[str, str]:
    return {
        "总站": _station(client, "米易县社会工作服务总站", "general_station", "510421", provincial_pilot=True),
        "攀莲": _station(client, "攀莲镇社会工作服务站", opened_on="2021-03-01", construction_mode="provincial_award"),
        "丙谷": _station(client, "丙谷镇社会工作服务站", area_code="510421002", plan_only=True,
                       operating_model="agency", agency="阳光社工中心"),
        "示范": _station(client, "示范村社会工作服务室", "village_room", "510421001001", governance_pilot=True),
        "河边": _station(client, "河边村社会工作服务室", "village_room", "510421001002", opened_on="2022-01-05"),
        "炳草岗": _station(client, "炳草岗街道社会工作服务站", area_code="510402001"),
    }


def _names(reply) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [row["name"] for row in reply.json()["items"]]


def _sheet(reply) -> list[list]:
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(reply.content))
    return [[cell.value for cell in row] for row in book.active.iter_rows()]


def test_areas_by_subtree_level_and_parent_sorted_by_code_or_name(client):
    assert [a["code"] for a in client.get("/areas", params={"area": "510421"}).json()["items"]] == [
        "510421", "510421001", "510421001001", "510421001002", "510421002"]
    townships = client.get("/areas", params={"level": "township"}).json()
    assert townships["total"] == 3 and {a["level"] for a in townships["items"]} == {"township"}
    assert _names(client.get("/areas", params={"parent": "510421001", "sort": "-name"})) == ["示范村", "河边村"]
    first = client.get("/areas", params={"limit": 6}).json()
    rest = client.get("/areas", params={"limit": 6, "cursor": first["next_cursor"]}).json()
    codes = [a["code"] for a in first["items"] + rest["items"]]
    assert first["total"] == 11 and codes == sorted(codes) and len(set(codes)) == 11 and rest["next_cursor"] is None
    row = next(a for a in first["items"] if a["code"] == "510402")
    assert row == {"code": "510402", "name": "东区", "level": "county", "parent_code": "510400",
                   "reform_affected": False, "retired": False, "valid_from": "2020-01-01", "valid_to": None}


def test_areas_are_searched_by_name_or_code_prefix_and_follow_renames_and_retirements(client):
    assert _names(client.get("/areas", params={"q": "攀莲"})) == ["攀莲镇"]
    assert [a["code"] for a in client.get("/areas", params={"q": "5104210010"}).json()["items"]] == [
        "510421001001", "510421001002"]
    assert client.get("/areas", params={"q": "001"}).json()["total"] == 0  # a prefix, not anywhere in the code
    assert client.post("/areas/510421002/rename", json={"name": "丙谷新镇", "on": "2022-01-01"}).status_code == 200
    assert client.post("/areas/510421002/merge", json={"into": "510421001", "on": "2023-01-01"}).status_code == 200
    retired = client.get("/areas", params={"retired": True}).json()["items"]
    assert [(a["code"], a["name"], a["valid_to"]) for a in retired] == [("510421002", "丙谷新镇", "2023-01-01")]


def test_the_area_tree_nests_children_valid_on_the_day_named_as_then(client):
    assert client.post("/areas/510421002/rename", json={"name": "丙谷新镇", "on": "2022-01-01"}).status_code == 200
    assert client.post("/areas/510421002/merge", json={"into": "510421001", "on": "2023-01-01"}).status_code == 200
    tree = client.get("/areas/510421/tree", params={"depth": 2, "as_of": "2021-06-01"}).json()
    assert (tree["code"], tree["name"], tree["has_children"]) == ("510421", "米易县", True)
    assert [(t["code"], t["name"]) for t in tree["children"]] == [("510421001", "攀莲镇"), ("510421002", "丙谷镇")]
    assert [v["code"] for v in tree["children"][0]["children"]] == ["510421001001", "510421001002"]
    assert tree["children"][0]["children"][0]["children"] == []  # depth 2: villages are not expanded
    now = client.get("/areas/510421/tree").json()
    assert [t["code"] for t in now["children"]] == ["510421001"] and now["children"][0]["children"] == []
    assert client.get("/areas/510421/tree", params={"depth": 4}).status_code == 422
    assert client.get("/areas/510421999/tree").status_code == 404


def test_stations_by_area_subtree_and_each_filter(client):
    _network(client)
    assert _names(client.get("/stations", params={"area": "510421001"})) == [
        "攀莲镇社会工作服务站", "河边村社会工作服务室", "示范村社会工作服务室"]
    county = client.get("/stations", params={"area": "510421"}).json()
    assert county["total"] == 5
    assert client.get("/stations", params={"area": "510400"}).json()["total"] == 6
    cases = {
        "tier": ("village_room", 2), "status": ("planned", 1), "level": ("none", 6),
        "construction_mode": ("provincial_award", 1), "operating_model": ("agency", 1),
        "provincial_pilot": ("true", 1), "governance_pilot": ("true", 1),
    }
    for name, (value, expected) in cases.items():
        reply = client.get("/stations", params={name: value})
        assert reply.json()["total"] == expected, (name, reply.text)
    planned = client.get("/stations", params={"status": "planned"}).json()["items"][0]
    assert (planned["name"], planned["agency"], planned["opened_on"]) == ("丙谷镇社会工作服务站", "阳光社工中心", None)
    assert client.get("/stations", params={"tier": "castle"}).status_code == 422


def test_stations_are_searched_by_name_sorted_and_paged_with_a_stable_cursor(client):
    ids = _network(client)
    assert _names(client.get("/stations", params={"q": "村社会"})) == ["河边村社会工作服务室", "示范村社会工作服务室"]
    by_opening = client.get("/stations", params={"sort": "opened_on", "status": "opened"}).json()["items"]
    assert [s["opened_on"] for s in by_opening] == ["2021-03-01", "2021-06-30", "2021-06-30", "2021-06-30",
                                                    "2022-01-05"]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "sort": "-area_code"} | ({"cursor": cursor} if cursor else {})
        page = client.get("/stations", params=params).json()
        assert page["total"] == 6
        seen += [s["area_code"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == 6
    bad = client.get("/stations", params={"sort": "staff_count"})
    assert bad.status_code == 422 and "sort" in bad.json()["error"]["message"]
    assert client.get("/stations", params={"limit": 201}).status_code == 422
    # A later command is in the very next list read.
    suspended = client.post(f"/stations/{ids['攀莲']}/suspend", json={"on": "2021-09-01", "reason": "装修"})
    assert suspended.status_code == 200
    assert _names(client.get("/stations", params={"status": "suspended"})) == ["攀莲镇社会工作服务站"]


def test_a_station_list_exports_as_a_ledger_with_chinese_headers_and_values(client):
    _network(client)
    rows = _sheet(client.get("/stations", params={"area": "510421001", "tier": "village_room", "format": "xlsx"}))
    assert rows[0] == ["站点名称", "层级", "行政区划代码", "状态", "等级", "建设方式", "运营方式", "驻站机构",
                       "省级试点", "治理试点", "规划日期", "开放日期", "工作人员数", "已任站长"]
    assert len(rows) == 3
    assert rows[2] == ["示范村社会工作服务室", "社会工作服务室", "510421001001", "运行中", "未达五有",
                       "县级整合资源自建",
                       "自主运营", None, "否", "是", "2021-06-30", "2021-06-30", 0, "否"]
    areas = _sheet(client.get("/areas", params={"area": "510421001", "format": "xlsx"}))
    assert areas[0][:3] == ["行政区划代码", "名称", "层级"] and areas[1][:3] == ["510421001", "攀莲镇", "乡镇(街道)"]


def test_a_stations_history_has_its_dated_changes_and_the_level_it_reached(client):
    station_id = _station(client, "攀莲镇社会工作服务站")
    client.put(f"/stations/{station_id}/facilities/venue", json={"present": True, "evidence": "场地照片",
                                                                 "on": "2021-07-01"})
    suspended = client.post(f"/stations/{station_id}/suspend", json={"on": "2021-08-01", "reason": "装修"})
    assert suspended.status_code == 200
    assert client.post(f"/stations/{station_id}/resume", json={"on": "2021-09-01"}).status_code == 200
    history = client.get(f"/stations/{station_id}/history").json()
    assert (history["name"], history["status"], history["level"]) == ("攀莲镇社会工作服务站", "opened", "none")
    assert [(e["kind"], e["on"]) for e in history["entries"]] == [
        ("planned", "2021-06-30"), ("opened", "2021-06-30"), ("facility_recorded", "2021-07-01"),
        ("suspended", "2021-08-01"), ("resumed", "2021-09-01")]
    facility = history["entries"][2]
    assert (facility["item"], facility["item_name"], facility["present"], facility["evidence"]) == (
        "venue", "有场地", True, "场地照片")
    assert history["entries"][3]["reason"] == "装修" and [e["version"] for e in history["entries"]] == [1, 2, 3, 4, 5]
    assert client.get("/stations/00000000-0000-0000-0000-000000000000/history").status_code == 404


def test_a_level_change_is_in_the_history(client):
    application: RegistryApplication = client.app.state.application
    station_id = _station(client, "攀莲镇社会工作服务站")
    station = application.station(station_id)
    for item in ("venue", "signage", "office_equipment", "rules"):
        station.record_facility(item, True, "", date(2021, 7, 1))
    station.record_staff("w-1", True, date(2021, 7, 2))
    application.save(station)
    entries = client.get(f"/stations/{station_id}/history").json()["entries"]
    level = [e for e in entries if e["kind"] == "level_changed"]
    assert [(e["on"], e["previous"], e["level"]) for e in level] == [("2021-07-02", "none", "basic")]
    assert client.get("/stations", params={"level": "basic"}).json()["items"][0]["staff_count"] == 1


def test_targets_per_county_and_year_with_todays_progress(client):
    _network(client)
    assert client.put("/targets/510421/2022", json={"general_station": 1, "township_station": 2,
                                                    "village_room": 2}).status_code == 200
    every = client.get("/targets").json()
    assert every["total"] == 6 and [t["county_code"] for t in every["items"]][:3] == ["510402", "510403", "510411"]
    mi = client.get("/targets", params={"area": "510421"}).json()["items"]
    assert [(t["year"], t["township_station"], t["village_room"]) for t in mi] == [(2021, 3, 9), (2022, 2, 2)]
    later = mi[1]
    assert later["county_name"] == "米易县"
    tiers = ("general_station", "township_station", "village_room")
    assert [later[f"{tier}_active"] for tier in tiers] == [1, 1, 2]
    assert [later[f"{tier}_met"] for tier in tiers] == [True, False, True]
    assert [t["county_code"] for t in client.get("/targets", params={"year": 2022}).json()["items"]] == ["510421"]
    sheet = _sheet(client.get("/targets", params={"area": "510421", "format": "xlsx"}))
    assert sheet[0][:4] == ["县(区)代码", "县(区)", "年度", "总站目标"]
    assert sheet[2][:4] == ["510421", "米易县", 2022, 1]
