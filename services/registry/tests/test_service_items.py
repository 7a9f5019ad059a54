"""A county's service-item list (社工站服务事项清单, issue 17 item 12), over the registry's HTTP API and a real SQLite
event store: kept per county, per tier, with the department that purchases each item, dated."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pzh_shared.departments import DEPARTMENTS
from pzh_shared.eventstore import make_application
from registry.api.app import create_app
from registry.application.service import RegistryApplication
from registry.domain.errors import Conflict, RegistryError
from registry.domain.service_items import ServiceItemList
from registry.settings import RegistrySettings

# A synthetic city of two counties (codes of no real area), loaded as the deployment's root: the rules here hold
# for any county, so the test names none of a real deployment.
AREAS = """code,name,parent_code,level,vintage
990100,测试市,,city,2023
990102,甲县,990100,county,2023
990103,乙县,990100,county,2023
"""
COUNTY, OTHER_COUNTY = "990102", "990103"
CSV = f"""code,name,parent_code,reform_affected,valid_from,vintage
{COUNTY}001,甲镇,{COUNTY},否,2020-06-01,2020
{COUNTY}001001,甲村,{COUNTY}001,否,2020-06-01,2020
"""


@pytest.fixture
def client(tmp_path, monkeypatch):
    areas = tmp_path / "areas.csv"
    areas.write_text(AREAS, encoding="utf-8")
    # The app seeds its root from the settings at start, so the synthetic root is set where it reads them.
    monkeypatch.setenv("REGISTRY_ROOT_AREA_CODE", "990100")
    monkeypatch.setenv("REGISTRY_AREAS_FILE", str(areas))
    monkeypatch.setenv("REGISTRY_TARGETS_FILE", "")
    application = make_application(RegistryApplication, RegistrySettings(data_dir=tmp_path))
    with TestClient(create_app(application)) as client:
        reply = client.post("/areas/import", content=CSV.encode(), headers={"content-type": "text/csv"})
        assert reply.status_code == 201, reply.text
        yield client


def _add(client, county=COUNTY, **fields):
    body = {"code": "MZ-01", "name": "低保对象入户走访", "department": "civil_affairs",
            "tiers": ["township_station", "village_room"], "effective_from": "2021-03-01"} | fields
    return client.post(f"/service-items/{county}", json=body)


def _station(client, tier, area_code):
    reply = client.post("/stations", json={"name": f"{area_code}站", "tier": tier, "area_code": area_code,
                                           "opened_on": "2021-02-01"})
    assert reply.status_code == 201, reply.text
    return reply.json()["station_id"]


def test_items_are_set_per_tier_and_a_station_offers_its_countys_items_of_its_tier(client):
    """§三(三) "分級明確服務事項清單" and the county bureau "會同財政部門梳理政府購買的民政、教育、衛健、
    退役軍人事務、團委、婦聯、殘聯等部門和群團組織的服務事項,形成社工站服務事項清單,在社工站實現資金資源整合和
    項目實施"."""
    assert _add(client).status_code == 201
    assert _add(client, code="CL-01", name="残疾人康复服务", department="disabled_persons_federation",
                tiers=["township_station"]).status_code == 201
    assert _add(client, code="TW-01", name="青少年成长营", department="youth_league",
                tiers=["general_station"]).status_code == 201
    township = _station(client, "township_station", f"{COUNTY}001")
    room = _station(client, "village_room", f"{COUNTY}001001")

    offered = client.get(f"/stations/{township}/service-items", params={"as_of": "2021-06-30"}).json()
    assert offered["county_code"] == COUNTY and offered["tier"] == "township_station"
    assert [(i["code"], i["department_name"]) for i in offered["items"]] == [("CL-01", "残联"), ("MZ-01", "民政")]
    room_items = client.get(f"/stations/{room}/service-items", params={"as_of": "2021-06-30"}).json()["items"]
    assert [i["code"] for i in room_items] == ["MZ-01"]
    # Before the items took effect the station offered none of them.
    assert client.get(f"/stations/{township}/service-items", params={"as_of": "2021-02-28"}).json()["items"] == []


def test_a_revision_from_a_day_and_a_withdrawal_leave_earlier_days_as_they_were(client):
    assert _add(client).status_code == 201
    version = client.get(f"/service-items/{COUNTY}").json()["version"]
    revised = client.put(f"/service-items/{COUNTY}/MZ-01", json={
        "name": "低保、特困对象入户走访", "department": "civil_affairs", "tiers": ["township_station"],
        "effective_from": "2021-07-01", "expected_version": version})
    assert revised.status_code == 200, revised.text
    stale = client.put(f"/service-items/{COUNTY}/MZ-01", json={
        "name": "x", "department": "civil_affairs", "tiers": ["township_station"], "effective_from": "2021-08-01",
        "expected_version": version})
    assert stale.status_code == 409 and "请刷新后重试" in stale.json()["error"]["message"]
    assert client.post(f"/service-items/{COUNTY}/MZ-01/withdrawal", json={"on": "2021-10-01"}).status_code == 200

    def on(day, tier="village_room"):
        return [(i["name"], i["tiers"]) for i in client.get(
            f"/service-items/{COUNTY}", params={"as_of": day, "tier": tier}).json()["items"]]

    assert on("2021-06-30") == [("低保对象入户走访", ["township_station", "village_room"])]
    assert on("2021-07-01") == []  # the revision took the village rooms off it
    assert on("2021-07-01", "township_station") == [("低保、特困对象入户走访", ["township_station"])]
    assert on("2021-10-01", "township_station") == []
    again = client.post(f"/service-items/{COUNTY}/MZ-01/withdrawal", json={"on": "2021-11-01"})
    assert again.status_code == 409


def test_the_list_filters_by_tier_and_department_pages_and_exports_in_chinese(client):
    for n, department in enumerate(DEPARTMENTS):
        assert _add(client, code=f"I-{n}", name=f"事项{n}", department=department,
                    tiers=["township_station"]).status_code == 201
    assert _add(client, county=OTHER_COUNTY, code="Y-1", name="乙县事项", tiers=["village_room"]).status_code == 201
    page = client.get("/service-items", params={"area": COUNTY, "tier": "township_station", "limit": 3}).json()
    assert page["total"] == len(DEPARTMENTS) and len(page["items"]) == 3 and page["next_cursor"]
    health = client.get("/service-items", params={"department": "health"}).json()["items"]
    assert [(r["code"], r["county_code"]) for r in health] == [(f"I-{list(DEPARTMENTS).index('health')}", COUNTY)]
    rooms = client.get("/service-items", params={"tier": "village_room"}).json()["items"]
    assert [r["code"] for r in rooms] == ["Y-1"]
    workbook = load_workbook(BytesIO(client.get("/service-items", params={"area": COUNTY, "format": "xlsx"}).content))
    rows = list(workbook.active.values)
    assert rows[0] == ("县(区)代码", "事项编号", "服务事项", "部门", "站点层级", "生效日期", "停止日期")
    assert {row[3] for row in rows[1:]} == set(DEPARTMENTS.values())


def test_bad_items_are_refused_in_chinese_naming_the_field(client):
    unknown = _add(client, department="police")
    assert unknown.status_code == 422 and "部门(department)" in unknown.json()["error"]["message"]
    no_tiers = _add(client, tiers=[])
    assert no_tiers.status_code == 422 and "站点层级" in no_tiers.json()["error"]["message"]
    township = _add(client, county=f"{COUNTY}001")
    assert township.status_code == 422 and "不是县(区)级" in township.json()["error"]["message"]
    assert _add(client).status_code == 201
    duplicate = _add(client, name="另一个")
    assert duplicate.status_code == 409 and "MZ-01" in duplicate.json()["error"]["message"]
    missing = client.post(f"/service-items/{COUNTY}/NONE/withdrawal", json={"on": "2021-10-01"})
    assert missing.status_code == 404
    # Nothing refused was stored: the list still holds the one good item.
    assert [i["code"] for i in client.get(f"/service-items/{COUNTY}").json()["items"]] == ["MZ-01"]


def test_the_list_as_of_a_day_is_the_same_whatever_order_the_dated_changes_came_in():
    """A revision dated before an earlier-entered one sorts into place: each day reads the version in force."""
    early, late = ServiceItemList(county_code=COUNTY), ServiceItemList(county_code=COUNTY)
    for items in (early, late):
        items.add("A", "甲", "civil_affairs", ["township_station"], date(2021, 1, 1))
    early.revise("A", "乙", "education", ["township_station"], date(2021, 3, 1))
    early.revise("A", "丙", "health", ["township_station"], date(2021, 6, 1))
    late.revise("A", "丙", "health", ["township_station"], date(2021, 6, 1))
    late.revise("A", "乙", "education", ["township_station"], date(2021, 3, 1))
    for day in (date(2021, 2, 1), date(2021, 4, 1), date(2021, 7, 1)):
        assert early.items_on(day) == late.items_on(day)
    assert [early.item_on("A", d).name for d in (date(2021, 2, 1), date(2021, 4, 1), date(2021, 7, 1))] == [
        "甲", "乙", "丙"]
    with pytest.raises(RegistryError, match="不能早于"):
        early.revise("A", "丁", "health", ["township_station"], date(2020, 12, 31))
    with pytest.raises(Conflict):
        early.add("A", "戊", "health", ["township_station"], date(2021, 1, 1))
