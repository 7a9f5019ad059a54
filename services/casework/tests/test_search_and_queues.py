"""Clients are searched, never listed (exact on a blind index, within an area, masked, audited); a registered ID
number is refused at intake; the lists of cases, projects, complaints and surveys; the caseload with its
deadline flags on a fixed clock, and the supervisors' approval queue."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from casework.testing import (
    AREA,
    CITY,
    CONTRACT_ID,
    COUNTY,
    OTHER_STATION,
    STATION,
    SUPERVISOR,
    contract_signed_data,
    headers,
    ok,
)
from eventsourcing.persistence import Tracking
from openpyxl import load_workbook

CANARY = {"name": "欧阳金丝雀", "id_number": f"{COUNTY}19500201987X", "phone": "13912345678"}
OTHER_COUNTY = f"{CITY[:4]}21"  # another county of the fixture's city
OTHER_AREA = f"{OTHER_COUNTY}001"
SEARCHER = headers("li.worker", "核实服务对象身份")


def register(api, area=AREA, station=STATION, **identity) -> str:
    body = {"station_id": station, "area_code": area, "name": "测试人", "birth_date": "1950-02-01",
            "registered_on": "2021-03-01", **identity}
    return ok(api.post("/clients", json=body), 201)["client_id"]


def search(api, by, value, area=COUNTY, station=None, hdrs=SEARCHER):
    body = {"by": by, "value": value, "area_code": area, **({"station_id": station} if station else {})}
    return api.post("/clients/search", json=body, headers=hdrs)


def open_case(api, client_id, user="li.worker", opened_on="2021-03-02", area=AREA, **kw) -> str:
    body = {"client_id": client_id, "station_id": STATION, "area_code": area, "domain": "elderly_care",
            "opened_on": opened_on, **kw}
    return ok(api.post("/cases", json=body, headers={"X-User": user}), 201)["case_id"]


def stage(api, case_id, to, on):
    ok(api.post(f"/cases/{case_id}/stage", json={"stage": to, "on": on}))


# --- the client search -------------------------------------------------------------------------


def test_search_by_each_key_finds_the_client_masked_within_the_area_only(api, cw):
    client_id = register(api, **CANARY)
    register(api, area=OTHER_AREA, name="欧阳金丝雀", id_number=f"{OTHER_COUNTY}195002019870", phone="13900000000")
    open_case(api, client_id)
    spelled = (("name", " 欧阳 金丝雀 "), ("id_number", CANARY["id_number"].lower()), ("phone", "139-1234 5678"))
    for by, value in spelled:
        found = ok(search(api, by, value))
        assert found["total"] == 1, (by, found)
        hit = found["items"][0]
        assert hit == {"client_id": client_id, "name": "欧****", "id_number": f"{COUNTY}********987X",
                       "phone": "139****5678", "minor": False, "area_code": AREA, "station_id": STATION,
                       "registered_on": "2021-03-01", "open_cases": 1}
    assert ok(search(api, "name", "欧阳金丝雀", area=CITY))["total"] == 2  # the city: both namesakes
    assert ok(search(api, "name", "欧阳金丝雀", area=OTHER_COUNTY))["total"] == 1  # the other county: only its own
    assert ok(search(api, "name", "欧阳金"))["total"] == 0  # exact, not a prefix
    assert ok(search(api, "name", "欧阳金丝雀", station=OTHER_STATION))["total"] == 0


def test_every_search_is_one_audit_record_without_the_value_and_needs_a_purpose(api, cw):
    register(api, **CANARY)
    ok(search(api, "phone", CANARY["phone"]))
    ok(search(api, "name", "无此人"))
    records = [r for r in cw.audit_records() if r.action == "client_search"]
    assert [(r.user, r.purpose, r.subject_id) for r in records] == [
        ("li.worker", "核实服务对象身份", f"by=phone;area={COUNTY};results=1"),
        ("li.worker", "核实服务对象身份", f"by=name;area={COUNTY};results=0")]
    refused = search(api, "name", "欧阳金丝雀", hdrs={"X-User": "li.worker"})
    assert refused.status_code == 422 and "查阅目的" in refused.json()["error"]["message"]
    assert len(cw.audit_records()) == 2


def test_a_duplicate_id_number_at_intake_is_a_409_naming_the_existing_client(api):
    first = register(api, **CANARY)
    again = api.post("/clients", json={"station_id": OTHER_STATION, "name": "别名", "birth_date": "1950-02-01",
                                       "id_number": CANARY["id_number"].lower()})
    assert again.status_code == 409, again.text
    error = again.json()["error"]
    assert error["code"] == "conflict" and "已登记" in error["message"] and error["details"] == {"client_id": first}
    assert CANARY["id_number"] not in again.text


def test_an_erased_client_is_not_found_and_may_be_registered_again(api, cw):
    client_id = register(api, **CANARY)
    ok(api.post(f"/clients/{client_id}/erasure", json={"on": "2021-06-01"}, headers=headers("wang", "本人请求删除")))
    for by in ("name", "id_number", "phone"):
        assert ok(search(api, by, CANARY[by]))["total"] == 0
    register(api, **CANARY)  # the erased record holds the ID number no longer


def test_no_canary_in_clear_in_the_list_file_or_the_audit_table(api, cw, settings):
    client_id = register(api, **CANARY)
    open_case(api, client_id)
    ok(search(api, "id_number", CANARY["id_number"]))
    ok(api.get("/caseload", headers=SEARCHER))
    ok(api.get("/cases"))
    data_dir = Path(settings.data_dir)
    lists = b"".join(p.read_bytes() for p in data_dir.glob("casework-lists.sqlite*"))
    audit = b"".join(p.read_bytes() for p in data_dir.glob("casework-audit.sqlite*"))
    assert lists and audit and client_id.encode() in lists  # the files are the ones written to
    for value in (*CANARY.values(), "欧阳", "金丝雀", CANARY["phone"][-4:] * 2):
        assert value.encode() not in lists and value.encode() not in audit, value


# --- lists -------------------------------------------------------------------------------------


def test_cases_list_filters_sorts_pages_and_exports_without_client_identity(api, cw):
    cw.today = lambda: date(2021, 3, 5)
    ids = [open_case(api, register(api, **({"name": CANARY["name"]} if i == 0 else {})), user=f"w{i % 2}",
                     opened_on=f"2021-03-0{i + 1}") for i in range(4)]
    open_case(api, register(api, area=OTHER_AREA), area=OTHER_AREA)
    stage(api, ids[1], "assessment", "2021-03-03")
    page = ok(api.get("/cases", params={"area": COUNTY, "limit": 2, "sort": "opened_on"}))
    assert page["total"] == 4 and [r["case_id"] for r in page["items"]] == ids[:2] and page["next_cursor"]
    rest = ok(api.get("/cases", params={"area": COUNTY, "limit": 2, "sort": "opened_on",
                                        "cursor": page["next_cursor"]}))
    assert [r["case_id"] for r in rest["items"]] == ids[2:] and rest["next_cursor"] is None
    theirs = ok(api.get("/cases", params={"worker": "w1", "sort": "opened_on"}))["items"]
    assert [r["case_id"] for r in theirs] == [ids[1], ids[3]]
    assessed = ok(api.get("/cases", params={"stage": "assessment"}))["items"]
    assert [r["case_id"] for r in assessed] == [ids[1]] and assessed[0]["next_step"] == "plan"
    by_stage = ok(api.get("/cases", params={"sort": "-stage", "area": COUNTY}))["items"]
    assert by_stage[0]["case_id"] == ids[1]
    assert ok(api.get("/cases", params={"area": OTHER_COUNTY}))["total"] == 1
    assert CANARY["name"] not in api.get("/cases").text and "client_id" not in page["items"][0]
    assert api.get("/cases", params={"sort": "client_key"}).status_code == 422
    book = load_workbook(io.BytesIO(api.get("/cases", params={"format": "xlsx", "area": COUNTY}).content))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert rows[0] == ["个案编号", "阶段", "本阶段开始日期", "状态", "风险等级", "负责社工", "站点编号",
                       "行政区划代码", "开案日期", "下一步", "期限"]
    assert len(rows) == 5 and ids[0] in [r[0] for r in rows]


def _learn_contract(cw) -> None:
    d = contract_signed_data()
    cw.record_contract_signed(Tracking("funding.events", 1), d["contract_id"], d["purchaser"], d["provider_agency"],
                              d["station_ids"], d["area_code"], d["amount"], date(2021, 3, 1), date(2022, 2, 28),
                              date(2021, 2, 20))


def test_projects_complaints_and_surveys_lists(api, cw):
    _learn_contract(cw)
    for i, title in enumerate(("长者关爱", "儿童之家", "邻里互助")):
        ok(api.post("/projects", json={"contract_id": CONTRACT_ID, "station_id": STATION, "domain": "elderly_care",
                                       "title": title, "started_on": f"2021-0{i + 3}-10", "area_code": AREA}), 201)
    projects = ok(api.get("/projects", params={"area": COUNTY, "q": "儿童"}))
    assert [p["title"] for p in projects["items"]] == ["儿童之家"] and projects["items"][0]["stage"] == "needs_research"
    assert ok(api.get("/projects", params={"month": "2021-05"}))["items"][0]["title"] == "邻里互助"
    assert ok(api.get("/projects", params={"area": OTHER_COUNTY}))["total"] == 0
    assert [p["title"] for p in ok(api.get("/projects", params={"sort": "-title"}))["items"]][0] == "长者关爱"
    book = load_workbook(io.BytesIO(api.get("/projects", params={"format": "xlsx"}).content))
    assert [c.value for c in next(book.active.iter_rows())][:2] == ["项目编号", "项目名称"] and book.active.max_row == 4

    for i, area in enumerate((AREA, AREA, OTHER_AREA)):
        ok(api.post("/complaints", json={"station_id": STATION, "channel": "phone", "summary": "欧阳金丝雀投诉活动太晚",
                                         "received_at": f"2021-07-0{i + 1}T09:00:00+08:00", "area_code": area}), 201)
    complaints = ok(api.get("/complaints", params={"area": COUNTY, "status": "received", "sort": "-received_at"}))
    assert complaints["total"] == 2 and complaints["items"][0]["received_at"].startswith("2021-07-02")
    assert "金丝雀" not in api.get("/complaints").text  # a summary may name people: never in a list
    book = load_workbook(io.BytesIO(api.get("/complaints", params={"format": "xlsx", "area": OTHER_COUNTY}).content))
    assert next(book.active.iter_rows())[0].value == "投诉编号" and book.active.max_row == 2

    for respondent, on in (("client", "2021-12-01"), ("purchaser", "2022-01-05")):
        ok(api.post("/surveys", json={"station_id": STATION, "respondent": respondent, "method": "phone", "score": 88,
                                      "surveyed_on": on, "area_code": AREA}), 201)
    surveys = ok(api.get("/surveys", params={"year": "2022"}))
    assert [s["respondent"] for s in surveys["items"]] == ["purchaser"] and surveys["items"][0]["score"] == 88
    assert ok(api.get("/surveys", params={"respondent": "client", "area": COUNTY}))["total"] == 1
    book = load_workbook(io.BytesIO(api.get("/surveys", params={"format": "xlsx"}).content))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert rows[0][3:5] == ["调查对象", "调查方式"] and len(rows) == 3


# --- work queues -------------------------------------------------------------------------------


@pytest.fixture
def caseload_world(api, cw):
    """li.worker's cases on 2021-03-10: an assessment overdue, a plan due today, a high-risk assessment due today
    (urgent deadline), a closed case; and another worker's case."""
    cw.today = lambda: date(2021, 3, 10)
    overdue = open_case(api, register(api, **CANARY), opened_on="2021-03-01")  # assessment due 03-08
    due_today = open_case(api, register(api), opened_on="2021-02-20")
    stage(api, due_today, "assessment", "2021-02-24")  # plan due 14 days later: 03-10
    upcoming = open_case(api, register(api), opened_on="2021-03-09", risk_level="high")  # urgent: 1 day
    closed = open_case(api, register(api), opened_on="2021-01-04")
    for to, on in (("assessment", "2021-01-05"), ("plan", "2021-01-06")):
        stage(api, closed, to, on)
    ok(api.post(f"/cases/{closed}/plan-approval", json={"supervisor_id": SUPERVISOR, "on": "2021-01-07"}))
    for to, on in (("intervention", "2021-01-08"), ("evaluation", "2021-01-09"), ("closing", "2021-01-10")):
        stage(api, closed, to, on)
    ok(api.post(f"/cases/{closed}/closing-approval", json={"supervisor_id": SUPERVISOR, "on": "2021-01-11"}))
    ok(api.post(f"/cases/{closed}/closure", json={"on": "2021-01-12"}))
    theirs = open_case(api, register(api), user="zhao.worker", opened_on="2021-03-01")
    return {"overdue": overdue, "due_today": due_today, "upcoming": upcoming, "closed": closed, "theirs": theirs}


def test_caseload_buckets_next_steps_and_masked_names_with_a_fixed_clock(api, cw, caseload_world):
    w = caseload_world
    load = ok(api.get("/caseload", headers=SEARCHER))
    assert load["total"] == 3 and load["counts"]["due"] == {"overdue": 1, "due_today": 2, "upcoming": 0}
    rows = {r["case_id"]: r for r in load["items"]}
    assert set(rows) == {w["overdue"], w["due_today"], w["upcoming"]}
    assert rows[w["overdue"]]["due"] == "overdue" and rows[w["overdue"]]["stage_name"] == "接案"
    assert (rows[w["overdue"]]["next_step"], rows[w["overdue"]]["due_on"]) == ("assessment", "2021-03-08")
    assert rows[w["overdue"]]["next_step_name"] == "完成预估" and rows[w["overdue"]]["client_name"] == "欧****"
    assert (rows[w["due_today"]]["next_step"], rows[w["due_today"]]["due"]) == ("plan", "due_today")
    assert (rows[w["upcoming"]]["due_on"], rows[w["upcoming"]]["due"]) == ("2021-03-10", "due_today")  # high: 1 day
    assert load["items"][0]["case_id"] == w["overdue"]  # by due date: the overdue first
    assert load["counts"]["stages"]["assessment"] == 1 and load["counts"]["stages"]["intake"] == 2
    cw.today = lambda: date(2021, 3, 9)
    later = ok(api.get("/caseload", headers=SEARCHER, params={"stage": "intake"}))
    assert {r["due"] for r in later["items"]} == {"overdue", "upcoming"} and later["total"] == 2
    by_stage = ok(api.get("/caseload", headers=SEARCHER, params={"sort": "-stage"}))["items"]
    assert by_stage[0]["case_id"] == w["due_today"]
    reads = [r for r in cw.audit_records() if r.action == "caseload"]
    assert len(reads) == 3 and reads[0].subject_id == "li.worker" and reads[0].purpose == "核实服务对象身份"
    assert api.get("/caseload", headers={"X-User": "li.worker"}).status_code == 422
    assert api.get("/caseload", headers=SEARCHER, params={"format": "xlsx"}).status_code == 422


def test_reassigned_case_moves_to_the_new_workers_caseload(api, cw, caseload_world):
    case_id = caseload_world["theirs"]
    ok(api.post(f"/cases/{case_id}/worker", json={"worker": "li.worker", "on": "2021-03-05"}))
    assert case_id in [r["case_id"] for r in ok(api.get("/caseload", headers=SEARCHER))["items"]]
    assert ok(api.get("/caseload", headers=headers("zhao.worker", "日常工作")))["total"] == 0


def test_approval_queue_holds_plans_and_closings_waiting(api, cw, caseload_world):
    cw.today = lambda: date(2021, 3, 20)
    plan = caseload_world["due_today"]
    stage(api, plan, "plan", "2021-03-12")
    closing = open_case(api, register(api), opened_on="2021-03-01")
    for to, on in (("assessment", "2021-03-02"), ("plan", "2021-03-03")):
        stage(api, closing, to, on)
    ok(api.post(f"/cases/{closing}/plan-approval", json={"supervisor_id": SUPERVISOR, "on": "2021-03-04"}))
    for to, on in (("intervention", "2021-03-05"), ("evaluation", "2021-03-06"), ("closing", "2021-03-07")):
        stage(api, closing, to, on)
    queue = ok(api.get("/approvals", params={"area": COUNTY}))
    assert [(r["case_id"], r["awaiting"], r["awaiting_since"], r["due"]) for r in queue["items"]] == [
        (closing, "closing", "2021-03-07", "overdue"), (plan, "plan", "2021-03-12", "overdue")]
    assert [r["case_id"] for r in ok(api.get("/approvals", params={"kind": "plan"}))["items"]] == [plan]
    assert ok(api.get("/approvals", params={"area": OTHER_COUNTY}))["total"] == 0
    ok(api.post(f"/cases/{plan}/plan-approval", json={"supervisor_id": SUPERVISOR, "on": "2021-03-20"}))
    assert [r["case_id"] for r in ok(api.get("/approvals"))["items"]] == [closing]
    book = load_workbook(io.BytesIO(api.get("/approvals", params={"format": "xlsx"}).content))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert rows[0][:3] == ["个案编号", "待审批事项", "提交审批日期"] and rows[1][:2] == [closing, "closing"]
