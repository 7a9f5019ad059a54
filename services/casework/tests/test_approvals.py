"""A supervisor's approval of a case plan or a closure (issue 18, item 1): the approver is the account the gateway
names in X-User, never the case's own worker, and the approval records that account (not an id from the body)."""

from __future__ import annotations

from datetime import date

from casework.testing import AREA, STATION, SUPERVISOR, ok


def _case_at_plan(api, worker: str = "li.worker") -> str:
    client = ok(api.post("/clients", json={"station_id": STATION, "area_code": AREA, "name": "测试人",
                                           "birth_date": "1950-02-01", "registered_on": "2021-03-01"}), 201)
    case = ok(api.post("/cases", json={"client_id": client["client_id"], "station_id": STATION, "area_code": AREA,
                                       "domain": "elderly_care", "opened_on": "2021-03-02"},
                       headers={"X-User": worker}), 201)["case_id"]
    for to, on in (("assessment", "2021-03-03"), ("plan", "2021-03-04")):
        ok(api.post(f"/cases/{case}/stage", json={"stage": to, "on": on}))
    return case


def test_the_cases_own_worker_cannot_approve_its_plan_or_closing(api):
    case = _case_at_plan(api)
    refused = api.post(f"/cases/{case}/plan-approval", json={"on": "2021-03-05"}, headers={"X-User": "li.worker"})
    assert refused.status_code == 403, refused.text
    assert "负责社工不能审批" in refused.json()["error"]["message"]
    # a made-up supervisor id in the body does not make the worker's own approval someone else's
    refused = api.post(f"/cases/{case}/plan-approval", json={"supervisor_id": SUPERVISOR, "on": "2021-03-05"},
                       headers={"X-User": "li.worker"})
    assert refused.status_code == 403, refused.text
    ok(api.post(f"/cases/{case}/plan-approval", json={"on": "2021-03-05"}, headers={"X-User": "wang.supervisor"}))
    for to, on in (("intervention", "2021-03-06"), ("evaluation", "2021-03-07"), ("closing", "2021-03-08")):
        ok(api.post(f"/cases/{case}/stage", json={"stage": to, "on": on}))
    refused = api.post(f"/cases/{case}/closing-approval", json={"on": "2021-03-09"}, headers={"X-User": "li.worker"})
    assert refused.status_code == 403 and "结案" in refused.json()["error"]["message"], refused.text
    ok(api.post(f"/cases/{case}/closing-approval", json={"on": "2021-03-09"}, headers={"X-User": "wang.supervisor"}))


def test_the_approval_records_the_signed_in_account_not_the_bodys_id(api, cw):
    case = _case_at_plan(api)
    ok(api.post(f"/cases/{case}/plan-approval", json={"supervisor_id": SUPERVISOR, "on": "2021-03-05"},
                headers={"X-User": "wang.supervisor"}))
    assert cw.case(case).plan_approval == {"supervisor_id": "wang.supervisor", "on": date(2021, 3, 5)}


def test_an_approval_names_its_approver(api):
    case = _case_at_plan(api)
    refused = api.post(f"/cases/{case}/plan-approval", json={"on": "2021-03-05"})
    assert refused.status_code == 422 and "X-User" in refused.json()["error"]["message"], refused.text
