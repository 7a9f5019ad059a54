"""The funding service's HTTP API over a real SQLite event store: amounts as decimal strings both
ways, readable Chinese 422s, the 3% refusal with its figures, and balances that a pure fold of the
published events reproduces."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from funding.adapters.integration import PUBLICATION
from funding.api.app import create_app
from funding.projections.balances import fold


@pytest.fixture
def client(funding_app):
    with TestClient(create_app(funding_app)) as client:
        yield client


def ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


def _contract_body(**overrides):
    body = {
        "purchaser": "civil_affairs",
        "provider_agency": "攀枝花市向阳社会工作服务中心",
        "station_ids": [str(uuid.uuid4())],
        "area_code": "510402001",
        "service_items": ["困难群众探访", "临时救助转介"],
        "amount": "50000.00",
        "period_start": "2021-03-01",
        "period_end": "2022-02-28",
        "sources": [
            {"source": "social_assistance", "amount": "30000.00"},
            {"source": "welfare_lottery", "amount": "20000.00"},
        ],
        "signed_on": "2021-02-20",
    }
    return body | overrides


def test_a_contract_is_signed_filed_paid_and_refused_past_the_cap(client, funding_app):
    for source, amount in (("social_assistance", "200000"), ("welfare_lottery", "100000.00")):
        budget = ok(
            client.post(
                "/sources",
                json={
                    "area_code": "510402",
                    "year": 2021,
                    "source": source,
                    "amount": amount,
                    "budgeted_on": "2021-01-05",
                },
            ),
            201,
        )
        assert budget["balance"] == f"{int(float(amount))}.00"
    cap = ok(client.post("/hardship-spending", json={"area_code": "510402", "year": 2020, "total": "1000000.00"}), 201)
    assert (cap["year"], cap["cap"], cap["headroom"]) == (2021, "30000.00", "30000.00")

    contract = ok(client.post("/contracts", json=_contract_body()), 201)
    cid = contract["contract_id"]
    assert contract["filing"] == "pending" and contract["balance"]["amount"] == "50000.00"
    refused = client.post(
        f"/contracts/{cid}/disbursements",
        json={
            "amount": "100.00",
            "milestone": "首期",
            "paid_on": "2021-03-01",
            "sources": [{"source": "welfare_lottery", "amount": "100.00"}],
        },
    )
    assert refused.status_code == 422 and "尚未备案" in refused.json()["error"]["message"]
    ok(client.post(f"/contracts/{cid}/filing", json={"filed_on": "2021-02-25"}))

    paid = ok(
        client.post(
            f"/contracts/{cid}/disbursements",
            json={
                "amount": "45000.00",
                "milestone": "首期",
                "paid_on": "2021-03-01",
                "sources": [
                    {"source": "social_assistance", "amount": "25000.00"},
                    {"source": "welfare_lottery", "amount": "20000.00"},
                ],
            },
        ),
        201,
    )
    assert paid["instalment"] == 1 and paid["balance"]["balance"] == "5000.00"
    assert paid["balance"]["sources"]["social_assistance"] == {
        "amount": "30000.00",
        "paid": "25000.00",
        "balance": "5000.00",
    }

    # the hardship total is corrected downwards: cap 27,000.00, headroom 2,000.00 for the contract's last 5,000.00
    ok(client.post("/hardship-spending", json={"area_code": "510402", "year": 2020, "total": "900000.00"}), 201)
    over = client.post(
        f"/contracts/{cid}/disbursements",
        json={
            "amount": "5000.00",
            "milestone": "尾款",
            "paid_on": "2021-12-01",
            "sources": [{"source": "social_assistance", "amount": "5000.00"}],
        },
    )
    assert over.status_code == 422, over.text
    error = over.json()["error"]
    assert error["code"] == "assistance_cap_exceeded"
    assert (
        "上限为 27,000.00 元" in error["message"]
        and "已使用 25,000.00 元" in error["message"]
        and "剩余额度 2,000.00 元" in error["message"]
    )
    assert {k: error["details"][k] for k in ("cap", "used", "headroom", "requested")} == {
        "cap": "27000.00", "used": "25000.00", "headroom": "2000.00", "requested": "5000.00"}
    assert ok(client.get(f"/contracts/{cid}"))["balance"]["paid"] == "45000.00"


def test_exactly_the_headroom_is_paid_and_one_fen_more_refused_over_http(client):
    ok(
        client.post(
            "/sources", json={"area_code": "510402", "year": 2021, "source": "social_assistance", "amount": "100000.00"}
        ),
        201,
    )
    ok(
        client.post("/hardship-spending", json={"area_code": "510402", "year": 2020, "total": "100000.00"}), 201
    )  # cap 3,000.00
    cid = ok(
        client.post(
            "/contracts",
            json=_contract_body(amount="3000.01", sources=[{"source": "social_assistance", "amount": "3000.01"}]),
        ),
        201,
    )["contract_id"]
    ok(client.post(f"/contracts/{cid}/filing", json={"filed_on": "2021-02-25"}))
    over = client.post(
        f"/contracts/{cid}/disbursements", json={"amount": "3000.01", "milestone": "全额", "paid_on": "2021-03-01"}
    )
    assert over.status_code == 422
    message = over.json()["error"]["message"]
    assert (
        "上限为 3,000.00 元" in message
        and "已使用 0.00 元" in message
        and "剩余额度 3,000.00 元" in message
        and "3,000.01 元" in message
    )
    ok(
        client.post(
            f"/contracts/{cid}/disbursements", json={"amount": "3000.00", "milestone": "全额", "paid_on": "2021-03-01"}
        ),
        201,
    )
    assert ok(client.get("/assistance-cap/510402/2021")) == {
        "area_code": "510402",
        "year": 2021,
        "basis_year": 2020,
        "rate": "0.03",
        "hardship_total": "100000.00",
        "recorded": True,
        "cap": "3000.00",
        "used": "3000.00",
        "headroom": "0.00",
    }
    assert ok(client.get("/assistance-cap/510402/2022"))["recorded"] is False


def test_floats_and_bad_input_get_readable_chinese_422s(client):
    reply = client.post("/sources", json={"area_code": "510402", "year": 2021, "source": "charity", "amount": 1000.5})
    assert reply.status_code == 422
    assert "金额(amount)" in reply.json()["error"]["message"] and "浮点数" in reply.json()["error"]["message"]
    reply = client.post("/sources", json={"area_code": "5104", "year": 1999, "source": "lottery", "amount": "1.001"})
    message = reply.json()["error"]["message"]
    assert (
        reply.status_code == 422
        and "行政区划代码(area_code)" in message
        and "资金来源(source)" in message
        and "两位小数" in message
    )
    reply = client.post(
        "/contracts", json=_contract_body(purchaser="finance", sources=[{"source": "charity", "amount": "1"}])
    )
    assert reply.status_code == 422 and "购买主体(purchaser)" in reply.json()["error"]["message"]
    reply = client.post("/contracts", json=_contract_body(sources=[{"source": "charity", "amount": "1"}]))
    assert (
        reply.status_code == 422
        and reply.json()["error"]["code"] == "rule_violated"
        and "不一致" in reply.json()["error"]["message"]
    )
    assert client.get(f"/contracts/{uuid.uuid4()}").status_code == 404


def test_spot_checks_returns_and_plans_over_http(client):
    cid = ok(client.post("/contracts", json=_contract_body()), 201)["contract_id"]
    returned = ok(
        client.post(f"/contracts/{cid}/return", json={"reasons": ["缺少服务事项清单"], "returned_on": "2021-02-22"})
    )
    assert returned["filing"] == "returned" and returned["filings"][0]["reasons"] == ["缺少服务事项清单"]
    ok(client.post(f"/contracts/{cid}/filing", json={"filed_on": "2021-02-25"}))
    checked = ok(
        client.post(f"/contracts/{cid}/spot-checks", json={"outcome": "satisfactory", "checked_on": "2021-09-01"}), 201
    )
    assert checked["spot_checks"][0]["outcome"] == "satisfactory"
    assert client.post(f"/contracts/{cid}/filing", json={}).status_code == 409
    plan = ok(
        client.post(
            "/project-plans",
            json={
                "area_code": "510402",
                "year": 2022,
                "title": "东区 2022 年度项目计划",
                "projects": [{"name": "社区治理", "amount": "120000.00"}],
            },
        ),
        201,
    )
    assert ok(client.post(f"/project-plans/{plan['plan_id']}/filing", json={}))["filing"] == "filed"


def test_the_published_events_fold_into_the_balances_the_service_reports(client, funding_app):
    for source in ("social_assistance", "welfare_lottery", "charity"):
        ok(
            client.post(
                "/sources", json={"area_code": "510402", "year": 2021, "source": source, "amount": "500000.00"}
            ),
            201,
        )
    ok(client.post("/hardship-spending", json={"area_code": "510402", "year": 2020, "total": "2000000.00"}), 201)
    ok(
        client.post("/sources", json={"area_code": "510402", "year": 2021, "source": "charity", "amount": "400000.00"}),
        201,
    )  # revised
    cid = ok(client.post("/contracts", json=_contract_body(amount="90000.00", sources=[
        {"source": "social_assistance", "amount": "40000.00"}, {"source": "welfare_lottery", "amount": "30000.00"},
        {"source": "charity", "amount": "20000.00"}])), 201)["contract_id"]
    ok(client.post(f"/contracts/{cid}/filing", json={"filed_on": "2021-02-25"}))
    for amount, sources in (("30000.00", [("social_assistance", "20000.00"), ("charity", "10000.00")]),
                            ("30000.00", [("welfare_lottery", "30000.00")]),
                            ("20000.00", [("social_assistance", "15000.00"), ("charity", "5000.00")])):
        ok(
            client.post(
                f"/contracts/{cid}/disbursements",
                json={
                    "amount": amount,
                    "milestone": "分期",
                    "paid_on": "2021-06-01",
                    "sources": [{"source": s, "amount": a} for s, a in sources],
                },
            ),
            201,
        )
    balances = fold(PUBLICATION.public_events(funding_app))
    assert balances.contract(cid) == ok(client.get(f"/contracts/{cid}"))["balance"]
    area = ok(client.get("/balances/510402/2021"))
    assert balances.area("510402", 2021) == {k: area[k] for k in ("budgeted", "spent", "balance", "sources")}
    assert area["sources"]["charity"] == {"budget": "400000.00", "spent": "15000.00", "balance": "385000.00"}
    cap = ok(client.get("/assistance-cap/510402/2021"))
    assert balances.headroom("510402", 2021) == {k: cap[k] for k in ("cap", "used", "headroom")}
