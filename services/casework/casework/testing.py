"""Made-up people, stations and scenario steps for the casework tests (the service's own and the
cross-service ones under tests/casework). Nothing here runs in production."""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from urllib.parse import quote

STATION = "3f1d8a52-6c1e-4b8e-9a51-0c8f2f6d1a01"
OTHER_STATION = "7a2b9c63-1d2e-4f3a-8b4c-5d6e7f8a9b02"
# Synthetic areas (no province is numbered 99): a city, one of its counties and two of the county's townships.
CITY = "990100"
COUNTY = "990102"
AREA = f"{COUNTY}001"
TRANSFER_AREA = f"{COUNTY}002"  # where the full scenario's case is transferred
SUPERVISOR = "9c8b7a65-4321-4fed-8cba-098765432101"
READER = {"X-User": "zhang.supervisor", "X-Purpose": quote("督导复核")}


def headers(user: str, purpose: str) -> dict[str, str]:
    """X-User and X-Purpose as a client sends them: percent-encoded UTF-8 (headers are Latin-1)."""
    return {"X-User": quote(user), "X-Purpose": quote(purpose)}


def ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


_SERIAL = itertools.count(1000)


def identity(name="测试人", birth=date(1980, 5, 1), id_number=None, phone="13800001111", address="某区某街道1号"):
    """A made-up identity; each gets its own ID number unless one is given (intake refuses a registered one)."""
    id_number = id_number or f"{COUNTY}19800501{next(_SERIAL) % 10_000:04d}"
    return {"name": name, "id_number": id_number, "phone": phone, "address": address, "birth_date": birth}


def new_client(cw, birth=date(1980, 5, 1), **kw) -> uuid.UUID:
    return cw.register_client(STATION, identity(birth=birth, **kw), date(2021, 3, 1))


def open_case(cw, birth=date(1980, 5, 1), domain="social_assistance", **kw) -> uuid.UUID:
    client_id = new_client(cw, birth)
    return cw.open_case(client_id, STATION, AREA, domain, None, "medium", date(2021, 3, 2), **kw)


def to_stage(cw, case_id, stage: str) -> None:
    """Walks a case forward a day per stage, approving the plan on the way, up to `stage`."""
    from datetime import timedelta

    from casework.domain.vocabulary import CASE_STAGES

    case = cw.case(case_id)
    for s in CASE_STAGES[CASE_STAGES.index(case.stage) + 1:CASE_STAGES.index(stage) + 1]:
        on = cw.case(case_id).stages[-1]["on"] + timedelta(days=1)
        if s == "intervention" and cw.case(case_id).plan_approval is None:
            cw.approve_plan(case_id, SUPERVISOR, on)
        cw.advance_case(case_id, s, on)


# --- a full scenario over HTTP, with canary personal data ------------------------------------------

CONTRACT_ID = "5b0c1e2d-3f4a-4b5c-8d6e-7f8091a2b3c4"
CANARY_ADULT = {
    "name": "欧阳金丝雀",
    "id_number": f"{COUNTY}19500201987X",
    "phone": "13912345678",
    "address": "某区金丝雀巷8号",
}
CANARY_CHILD = {
    "name": "上官小雀",
    "id_number": f"{COUNTY}201203041234",
    "phone": "13698765432",
    "address": "某县金丝雀路66号",
}
CANARY_GUARDIAN = {"guardian_name": "上官监护", "guardian_phone": "13755556666"}
CANARY_NOTE = "金丝雀叙述：独居，儿子在外务工"
CANARIES = [*CANARY_ADULT.values(), *CANARY_CHILD.values(), *CANARY_GUARDIAN.values(), CANARY_NOTE]


def contract_signed_data(contract_id: str = CONTRACT_ID, stations: tuple[str, ...] = (STATION, OTHER_STATION)) -> dict:
    """The data of a `funding.contract.signed.v1` as the funding service publishes it."""
    return {
        "contract_id": contract_id,
        "purchaser": "civil_affairs",
        "provider_agency": "某市向阳社会工作服务中心",
        "station_ids": list(stations),
        "area_code": COUNTY,
        "amount": "360000.00",
        "period_start": "2021-03-01",
        "period_end": "2022-02-28",
        "sources": [{"source": "welfare_lottery", "amount": "200000.00"}, {"source": "fiscal", "amount": "160000.00"}],
        "signed_on": "2021-02-20",
    }


# the target groups of the scenario's adult client when the case opens (casework.case.opened.v2 carries them)
SCENARIO_CATEGORIES = ("hardship_family", "empty_nest_elderly")


def full_scenario(client) -> dict[str, str]:
    """Every command of the API once at least, with canary personal data; the contract CONTRACT_ID
    must be known already. Returns the ids it made."""
    def post(path, body, status=200, **kw):
        return ok(client.post(path, json=body, **kw), status)

    adult = post(
        "/clients",
        {"station_id": STATION, **CANARY_ADULT, "birth_date": "1950-02-01", "registered_on": "2021-03-01",
         "categories": ["hardship_family"]},
        201,
    )["client_id"]
    # a dated change of the categories at the version the intake left (1): the case opens with these
    post(f"/clients/{adult}/categories", {"categories": list(SCENARIO_CATEGORIES), "on": "2021-03-02",
                                          "expected_version": 1})
    child = post(
        "/clients",
        {"station_id": STATION, **CANARY_CHILD, "birth_date": "2012-03-04", "registered_on": "2021-03-01"},
        201,
    )["client_id"]
    refused = client.post(
        "/cases",
        json={
            "client_id": child,
            "station_id": STATION,
            "area_code": AREA,
            "domain": "child_welfare",
            "opened_on": "2021-03-02",
        },
    )
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "consent_required", refused.text
    post(
        f"/clients/{child}/consent",
        {"basis": "guardian_consent", **CANARY_GUARDIAN, "guardian_relationship": "祖母", "on": "2021-03-02"},
    )

    case = post(
        "/cases",
        {
            "client_id": adult,
            "station_id": STATION,
            "area_code": AREA,
            "domain": "social_assistance",
            "subtype": "resource_linking",
            "risk_level": "medium",
            "opened_on": "2021-03-02",
        },
        201,
    )["case_id"]
    post(f"/cases/{case}/notes", {"text": CANARY_NOTE, "on": "2021-03-02"}, 201, headers=headers("li.worker", "记录"))
    skipped = client.post(f"/cases/{case}/stage", json={"stage": "plan", "on": "2021-03-03"})
    assert skipped.status_code == 409 and "跳过" in skipped.json()["error"]["message"], skipped.text
    post(f"/cases/{case}/stage", {"stage": "assessment", "on": "2021-03-03"})
    post(f"/cases/{case}/risk", {"risk_level": "high", "on": "2021-03-03"})
    post(f"/cases/{case}/stage", {"stage": "plan", "on": "2021-03-05"})
    post(f"/cases/{case}/plan-approval", {"supervisor_id": SUPERVISOR, "on": "2021-03-06"})
    post(f"/cases/{case}/stage", {"stage": "intervention", "on": "2021-03-07"})
    referral = post(f"/cases/{case}/referrals", {"policy": "minimum_living_allowance", "on": "2021-03-08"}, 201)[
        "referral_id"
    ]
    post(f"/cases/{case}/referrals/{referral}/outcome", {"outcome": "granted", "on": "2021-04-08"})
    post(f"/cases/{case}/transfer", {"to_station_id": OTHER_STATION, "to_area_code": TRANSFER_AREA, "on": "2021-04-10"})
    post(f"/cases/{case}/stage", {"stage": "evaluation", "on": "2021-05-01"})
    post(f"/cases/{case}/stage", {"stage": "closing", "on": "2021-05-10"})
    post(f"/cases/{case}/closing-approval", {"supervisor_id": SUPERVISOR, "on": "2021-05-11"})
    post(f"/cases/{case}/closure", {"on": "2021-05-12"})

    child_case = post(
        "/cases",
        {
            "client_id": child,
            "station_id": STATION,
            "area_code": AREA,
            "domain": "child_welfare",
            "opened_on": "2021-03-02",
            "suspected_child_abuse": True,
        },
        201,
    )
    assert child_case["escalations"] and child_case["risk_level"] == "critical"
    post(f"/cases/{child_case['case_id']}/abuse-reports", {"on": "2021-03-09"}, 201)

    for path in (f"/cases/{case}", f"/cases/{case}/export", f"/cases/{child_case['case_id']}", f"/clients/{child}"):
        body = ok(client.get(path, headers=headers("zhang.supervisor", "督导复核")))
        assert CANARY_ADULT["name"] in str(body) or CANARY_CHILD["name"] in str(body)
    post(f"/clients/{adult}/erasure", {"on": "2021-06-01"}, headers=headers("wang.officer", "应本人请求删除"))
    assert ok(client.get(f"/cases/{case}", headers=headers("zhang.supervisor", "复核删除")))["identity_erased"] is True

    project = post(
        "/projects",
        {
            "contract_id": CONTRACT_ID,
            "station_id": STATION,
            "domain": "elderly_care",
            "title": "长者关爱",
            "started_on": "2021-03-10",
        },
        201,
    )["project_id"]
    for i, stage in enumerate(("design", "review", "implementation", "monitoring", "performance_evaluation")):
        post(f"/projects/{project}/stage", {"stage": stage, "on": f"2021-{4 + i:02d}-01"})
        if stage == "implementation":
            post(f"/projects/{project}/beneficiaries", {"beneficiaries": 320, "on": "2021-06-15"})
    post(f"/projects/{project}/evaluation", {"score": 91.5, "on": "2021-09-01"})

    complaint = post("/complaints", {"station_id": STATION, "channel": "phone", "summary": "活动通知太晚",
                                     "received_at": "2021-07-01T09:00:00+08:00"}, 201)["complaint_id"]
    post(f"/complaints/{complaint}/handling", {"action": "回访致歉", "handled_at": "2021-07-01T15:00:00+08:00"})
    post(f"/complaints/{complaint}/closure", {"response": "已提前发布通知", "closed_at": "2021-07-03T09:00:00+08:00"})
    survey = post("/surveys", {"station_id": STATION, "respondent": "client", "method": "questionnaire", "score": 87,
                               "surveyed_on": "2021-12-01"}, 201)["survey_id"]
    return {
        "adult": adult,
        "child": child,
        "case": case,
        "child_case": child_case["case_id"],
        "project": project,
        "complaint": complaint,
        "survey": survey,
    }
