"""The casework HTTP API over real SQLite stores: the whole scenario, readable errors, concurrency."""

from __future__ import annotations

import copy
from datetime import date

from casework.adapters.integration import CONTRACTS, PUBLICATION
from casework.testing import (
    CANARIES,
    CONTRACT_ID,
    READER,
    SCENARIO_CATEGORIES,
    STATION,
    contract_signed_data,
    full_scenario,
    ok,
    open_case,
)
from eventsourcing.persistence import Tracking


def know_contract(cw) -> None:
    d = contract_signed_data()
    cw.record_contract_signed(
        Tracking("funding.events:0", 1),
        d["contract_id"],
        d["purchaser"],
        d["provider_agency"],
        d["station_ids"],
        d["area_code"],
        d["amount"],
        date.fromisoformat(d["period_start"]),
        date.fromisoformat(d["period_end"]),
        date.fromisoformat(d["signed_on"]),
    )


def test_the_full_scenario_publishes_one_of_every_contract_without_personal_data(api, cw):
    know_contract(cw)
    ids = full_scenario(api)
    notifications = cw.recorder.select_notifications(0, 10_000, inclusive_of_start=False)
    public = [t for t in (PUBLICATION.translate(cw.mapper.to_domain_event(n)) for n in notifications) if t]
    assert {t for t, _ in public} == PUBLICATION.published  # every contract but the superseded ones
    assert set(CONTRACTS) - PUBLICATION.published == {"casework.case.opened.v1"}
    assert [d["categories"] for t, d in public if t == "casework.case.opened.v2"][0] == list(SCENARIO_CATEGORIES)
    text = str(public)
    assert not [c for c in CANARIES if c in text]
    evaluated = [d for t, d in public if t == "casework.project.evaluated.v1"]
    assert evaluated == [
        {
            "project_id": ids["project"],
            "station_id": evaluated[0]["station_id"],
            "contract_id": CONTRACT_ID,
            "score": 91.5,
            "evaluated_on": "2021-09-01",
        }
    ]
    case = ok(api.get(f"/cases/{ids['case']}", headers=READER))
    assert case["status"] == "closed" and len(case["stages"]) == 6 and len(case["transfers"]) == 1
    assert case["referrals"][0]["outcome"] == "granted"


def test_an_unknown_contract_is_a_readable_422(api):
    reply = api.post(
        "/projects",
        json={
            "contract_id": "0f0f0f0f-0000-4000-8000-000000000404",
            "station_id": STATION,
            "domain": "funeral",
            "title": "x",
        },
    )
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "unknown_contract"


def test_a_skipped_stage_is_409_with_the_reason(api, cw):
    case_id = open_case(cw)
    reply = api.post(f"/cases/{case_id}/stage", json={"stage": "intervention", "on": "2021-03-03"})
    assert reply.status_code == 409
    assert reply.json()["error"] == {
        "code": "stage_conflict",
        "message": "不能跳过阶段：个案当前处于接案(intake)阶段，下一阶段应为预估(assessment)",
    }


def test_a_stale_expected_version_is_409(api, cw):
    case_id = open_case(cw)
    ok(api.post(f"/cases/{case_id}/stage", json={"stage": "assessment", "on": "2021-03-03", "expected_version": 1}))
    reply = api.post(f"/cases/{case_id}/risk", json={"risk_level": "high", "on": "2021-03-03", "expected_version": 1})
    assert reply.status_code == 409 and reply.json()["error"]["code"] == "stale_version"


def test_a_concurrent_change_is_409_not_lost(api, cw, monkeypatch):
    case_id = open_case(cw)
    stale = copy.deepcopy(cw.case(case_id))
    ok(api.post(f"/cases/{case_id}/stage", json={"stage": "assessment", "on": "2021-03-03"}))
    monkeypatch.setattr(cw, "case", lambda _id: copy.deepcopy(stale))  # another process read before the change above
    reply = api.post(f"/cases/{case_id}/risk", json={"risk_level": "high", "on": "2021-03-03"})
    assert reply.status_code == 409 and reply.json()["error"]["code"] == "concurrent_change"
    monkeypatch.undo()
    assert (cw.case(case_id).stage, cw.case(case_id).risk_level) == ("assessment", "medium")


def test_invalid_bodies_are_chinese_422s_that_do_not_echo_the_values(api):
    reply = api.post(
        "/clients",
        json={
            "station_id": "3f1d8a52-6c1e-4b8e-9a51-0c8f2f6d1a01",
            "name": "测试",
            "id_number": "12345",
            "birth_date": "someday",
        },
    )
    assert reply.status_code == 422
    message = reply.json()["error"]["message"]
    assert "身份证号码(id_number)" in message and "出生日期(birth_date)" in message and "12345" not in reply.text


def test_missing_headers_name_them(api, cw):
    reply = api.get(f"/cases/{open_case(cw)}")
    assert reply.status_code == 422
    assert "X-User" in reply.json()["error"]["message"] and "X-Purpose" in reply.json()["error"]["message"]


def test_health(api):
    assert ok(api.get("/health")) == {"status": "ok"}
