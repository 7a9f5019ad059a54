"""Money beyond purchase contracts (issue 17 item 14): subsidies, awards and venture philanthropy drawing on the
area's budgets, charity special funds and community funds whose balance never goes below zero, the charity needs
ledger and donation points; over HTTP on a real SQLite store, with the events they publish."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from funding.adapters.integration import PUBLICATION
from funding.api.app import create_app
from funding.domain.budget import SourceBudget
from funding.domain.errors import BudgetExceeded, Conflict, FundingError
from funding.domain.fund import Fund
from funding.domain.grant import Grant, VentureRound
from funding.projections.balances import fold

from .conftest import AREA, TOWNSHIP

VILLAGE = f"{TOWNSHIP}201"


@pytest.fixture
def client(funding_app):
    with TestClient(create_app(funding_app)) as client:
        yield client


def ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


def refused(reply, status, *words):
    assert reply.status_code == status, reply.text
    message = reply.json()["error"]["message"]
    assert all(w in message for w in words), message
    return message


def _budget(client, source, amount, year=2021):
    ok(client.post("/sources", json={"area_code": AREA, "year": year, "source": source, "amount": amount}), 201)


def test_subsidies_awards_and_venture_philanthropy_are_means_beside_purchase():
    """§三(四)1: "通過購買服務、補貼獎勵、公益創投等方式,支持進駐鄉鎮(街道)社會工作服務站的服務機構實施社工項目" -- from
    public money; social assistance funds only buy social assistance services (§三(四)4), so no grant is paid from
    them, and a venture award stays within its application and its round."""
    grant = Grant.award("award", "向阳社工中心", "年度优秀站点", TOWNSHIP, None, "welfare_lottery", "8000",
                        date(2021, 5, 1))
    assert (grant.funding_area, grant.amount, grant.kind.label) == (AREA, Decimal("8000.00"), "奖励")
    with pytest.raises(FundingError, match="不能是“社会救助资金”"):
        Grant.award("subsidy", "向阳社工中心", "运营补贴", TOWNSHIP, None, "social_assistance", "1", date(2021, 5, 1))
    venture = VentureRound.open(AREA, 2021, "2021年东区公益创投", "welfare_lottery", "100000", date(2021, 3, 1),
                                date(2021, 3, 31))
    first = venture.apply("向阳社工中心", "老年人关爱", TOWNSHIP, None, "60000", date(2021, 3, 10))
    second = venture.apply("阳光社工中心", "困境儿童陪伴", TOWNSHIP, None, "50000", date(2021, 3, 12))
    with pytest.raises(FundingError, match="不在本轮公益创投的范围"):
        venture.apply("阳光社工中心", "另一项目", "510411001", None, "100", date(2021, 3, 12))
    with pytest.raises(FundingError, match="申报期"):
        venture.apply("阳光社工中心", "迟到项目", TOWNSHIP, None, "100", date(2021, 4, 1))
    with pytest.raises(FundingError, match="超过申请金额"):
        venture.award(first, "60000.01", date(2021, 4, 10))
    venture.award(first, "60000", date(2021, 4, 10))
    with pytest.raises(Conflict, match="余额 40,000.00 元"):
        venture.award(second, "50000", date(2021, 4, 10))
    with pytest.raises(FundingError, match="尚未获得资助"):
        venture.check_payment(second, "1", date(2021, 4, 11))
    venture.disburse(first, "60000", date(2021, 4, 20))
    with pytest.raises(Conflict, match="超过资助金额"):
        venture.check_payment(first, "0.01", date(2021, 4, 21))
    budget = SourceBudget.open(AREA, 2021, "welfare_lottery")
    budget.budget(Decimal("100.00"), date(2021, 1, 2))
    with pytest.raises(BudgetExceeded, match="余额 100.00 元"):
        budget.draw(str(grant.id), Decimal("100.01"))


def test_a_fund_balance_never_goes_below_zero_and_individual_donors_are_never_named():
    """§三(四)5: "鼓勵慈善組織通過合法程序,以服務項目和設立專項基金等方式" and annex 2 §3.4 "培育社區基金": a fund pays
    out only what it holds; it records individual donors by kind only."""
    fund = Fund.establish("community_fund", "金沙社区基金", VILLAGE, None, None, [], date(2021, 1, 5))
    fund.receive("enterprise", "攀钢集团", "3000", date(2021, 1, 6))
    fund.receive("individual", None, "200.50", date(2021, 1, 7))
    with pytest.raises(FundingError, match="不登记捐赠人姓名"):
        fund.receive("individual", "张三", "10", date(2021, 1, 8))
    with pytest.raises(Conflict, match="余额不足"):
        fund.pay("助老餐", "elderly", "3200.51", date(2021, 1, 9))
    fund.pay("助老餐", "elderly", "3200.50", date(2021, 1, 9))
    assert fund.balance == Decimal("0.00")
    with pytest.raises(FundingError, match="日期顺序"):
        fund.receive("foundation", None, "10", date(2021, 1, 8))
    with pytest.raises(FundingError, match="12 位或 9 位"):
        Fund.establish("community_fund", "区级基金", AREA, None, None, [], date(2021, 1, 5))
    special = Fund.establish("charity_fund", "助残专项基金", TOWNSHIP, str(uuid.uuid4()), "市慈善总会", ["disability"],
                             date(2021, 2, 1))
    special.receive("charity_organisation", "市慈善总会", "500", date(2021, 2, 2))
    with pytest.raises(FundingError, match="用途为助残"):
        special.pay("儿童夏令营", "children", "100", date(2021, 2, 3))


def test_grants_and_venture_payments_draw_on_the_budget_and_are_refused_with_a_409_when_it_is_spent(client):
    """Public money is paid within the area's budget of its source, as a contract's instalments are."""
    _budget(client, "welfare_lottery", "100000.00")
    _budget(client, "fiscal_county", "5000.00")
    grant = ok(client.post("/grants", json={"kind": "subsidy", "organisation": "向阳社工中心", "purpose": "运营补贴",
                                            "area_code": TOWNSHIP, "source": "fiscal_county", "amount": "3000.00",
                                            "awarded_on": "2021-05-01"}), 201)
    assert (grant["funding_area_code"], grant["source_name"]) == (AREA, "县级财政资金")
    refused(client.post("/grants", json={"kind": "award", "organisation": "向阳社工中心", "purpose": "优秀项目",
                                         "area_code": TOWNSHIP, "source": "fiscal_county", "amount": "2000.01",
                                         "awarded_on": "2021-06-01"}), 409, "预算不足", "余额 2,000.00 元")
    refused(client.post("/grants", json={"kind": "award", "organisation": "", "purpose": "优秀项目",
                                         "area_code": TOWNSHIP, "source": "fiscal_county", "amount": "1.00"}),
            422, "受资助机构")
    venture = ok(client.post("/venture-rounds", json={"area_code": AREA, "year": 2021, "title": "2021年公益创投",
                                                      "source": "welfare_lottery", "budget": "150000.00",
                                                      "opened_on": "2021-03-01", "closes_on": "2021-03-31"}), 201)
    rid = venture["round_id"]
    ok(client.post(f"/venture-rounds/{rid}/applications", json={
        "organisation": "阳光社工中心", "project": "困境儿童陪伴", "area_code": TOWNSHIP, "requested": "120000.00",
        "applied_on": "2021-03-05"}), 201)
    refused(client.post(f"/venture-rounds/{rid}/applications", json={
        "organisation": "阳光社工中心", "project": "困境儿童陪伴", "area_code": TOWNSHIP, "requested": "1.00",
        "applied_on": "2021-03-06"}), 409, "已申报过")
    ok(client.post(f"/venture-rounds/{rid}/applications/1/award", json={"amount": "110000.00",
                                                                         "awarded_on": "2021-04-01"}))
    paid = ok(client.post(f"/venture-rounds/{rid}/applications/1/disbursements",
                          json={"amount": "100000.00", "paid_on": "2021-04-15"}), 201)
    assert paid["applications"][0]["paid"] == paid["paid"] == "100000.00"
    # the award has 10,000.00 left, the welfare lottery budget none: the budget refuses, and nothing is paid
    refused(client.post(f"/venture-rounds/{rid}/applications/1/disbursements",
                        json={"amount": "10000.00", "paid_on": "2021-10-15"}), 409, "福彩公益金预算不足")
    assert ok(client.get(f"/venture-rounds/{rid}"))["paid"] == "100000.00"
    assert ok(client.get(f"/sources/{AREA}/2021/welfare_lottery"))["spent"] == "100000.00"
    assert ok(client.get(f"/sources/{AREA}/2021/fiscal_county"))["spent"] == "3000.00"
    refused(client.post(f"/venture-rounds/{rid}/applications/9/award", json={"amount": "1.00"}), 404, "第 9 号")
    rows = ok(client.get("/grants", params={"area": AREA, "kind": "subsidy"}))["items"]
    assert [(r["organisation"], r["amount"]) for r in rows] == [("向阳社工中心", "3000.00")]
    rounds = ok(client.get("/venture-rounds", params={"year": 2021}))["items"]
    assert [(r["applications"], r["awards"], r["awarded"], r["paid"]) for r in rounds] == [
        (1, 1, "110000.00", "100000.00")]
    # the published events alone rebuild the area's balances, grants and venture payments included
    reported = ok(client.get(f"/balances/{AREA}/2021"))
    folded = fold(PUBLICATION.public_events(client.app.state.application)).area(AREA, 2021)
    assert folded == {k: reported[k] for k in ("budgeted", "spent", "balance", "sources")}


def test_funds_needs_and_donation_points_over_http_publish_no_donor_and_no_summary(client, funding_app):
    """Annex 2 §3.4: "建立社區慈善服務需求臺賬,鏈接慈善資源…聯合慈善組織依法設立社區慈善捐贈點,培育社區基金": a need is
    met with a resource once; a point is closed once; the events carry kinds and amounts, no donor, summary or
    place."""
    fund = ok(client.post("/funds", json={"kind": "community_fund", "name": "金沙社区基金", "area_code": VILLAGE,
                                          "established_on": "2021-01-05"}), 201)
    fid = fund["fund_id"]
    gifts = [("enterprise", "攀钢集团", "3000.00"), ("individual", None, "150.00"), ("foundation", None, "850.00")]
    for kind, name, amount in gifts:
        ok(client.post(f"/funds/{fid}/receipts", json={"donor_kind": kind, "donor_name": name, "amount": amount,
                                                       "received_on": "2021-02-01"}), 201)
    refused(client.post(f"/funds/{fid}/receipts", json={"donor_kind": "individual", "donor_name": "李四",
                                                        "amount": "1.00", "received_on": "2021-02-02"}),
            422, "不登记捐赠人姓名")
    received = sum(Decimal(a) for _, _, a in gifts)
    spent = ok(client.post(f"/funds/{fid}/payments", json={"project": "高龄老人助餐", "category": "elderly",
                                                           "amount": "1000.00", "paid_on": "2021-03-01"}), 201)
    assert spent["balance"] == f"{received - Decimal('1000.00'):.2f}"
    refused(client.post(f"/funds/{fid}/payments", json={"project": "助学", "category": "children",
                                                        "amount": f"{received:.2f}", "paid_on": "2021-03-02"}),
            409, "余额不足")
    refused(client.post("/funds", json={"kind": "charity_fund", "name": "专项基金", "area_code": TOWNSHIP,
                                        "organisation": "市慈善总会", "purposes": ["elderly"]}), 422, "服务站点")
    need = ok(client.post("/charity/needs", json={"area_code": VILLAGE, "category": "elderly",
                                                  "summary": "独居高龄老人助餐需求 12 户",
                                                  "recorded_on": "2021-02-10"}),
              201)
    refused(client.post("/charity/needs", json={"area_code": VILLAGE, "category": "hardship",
                                                "summary": "联系人电话13800001111"}), 422, "个人信息")
    met = ok(client.post(f"/charity/needs/{need['need_id']}/meeting", json={
        "resource_kind": "community_fund", "resource_id": fid, "resource_name": "金沙社区基金",
        "met_on": "2021-03-01"}))
    assert met["status"] == "met"
    refused(client.post(f"/charity/needs/{need['need_id']}/meeting", json={
        "resource_kind": "other", "resource_name": "x", "met_on": "2021-03-02"}), 409, "已于 2021-03-01")
    point = ok(client.post("/charity/donation-points", json={"name": "金沙社区慈善捐赠点", "area_code": VILLAGE,
                                                     "operator": "东区慈善会", "location": "社区党群服务中心",
                                                     "opened_on": "2021-01-20"}), 201)
    ok(client.post(f"/charity/donation-points/{point['point_id']}/closing", json={"closed_on": "2021-12-31"}))
    refused(client.post(f"/charity/donation-points/{point['point_id']}/closing", json={"closed_on": "2022-01-01"}), 409,
            "已于 2021-12-31 撤销")
    assert [r["status_label"] for r in ok(client.get("/charity/needs", params={"area": TOWNSHIP}))["items"]] == [
        "已对接"]
    assert ok(client.get("/charity/donation-points", params={"status": "closed"}))["total"] == 1
    assert [r["balance"] for r in ok(client.get("/funds", params={"kind": "community_fund"}))["items"]] == [
        spent["balance"]]

    published = list(PUBLICATION.public_events(funding_app))
    types = [t for _, t, _ in published]
    assert types == ["funding.fund.established.v1", *["funding.fund.received.v1"] * 3, "funding.fund.paid.v1",
                     "funding.charity_need.recorded.v1", "funding.charity_need.met.v1",
                     "funding.donation_point.opened.v1", "funding.donation_point.closed.v1"]
    wire = repr([d for _, _, d in published])
    assert "攀钢集团" not in wire and "独居" not in wire and "党群服务中心" not in wire
    kinds = [d["donor_kind"] for _, t, d in published if t == "funding.fund.received.v1"]
    assert kinds == [k for k, _, _ in gifts]
    assert fold(published).fund(fid) == {k: ok(client.get(f"/funds/{fid}"))[k] for k in ("received", "paid",
                                                                                         "balance")}
