"""Contracts: the source split, filing with the level above, spot-checks, and instalments that never
pay more than the contract, a source's part of it, or a source's budget."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from eventsourcing.persistence import Tracking
from funding.consumers.casework import subscription
from funding.domain.errors import Conflict, FundingError
from funding.domain.vocabulary import FilingStatus

from .conftest import AREA, TOWNSHIP, D


def _sign(app, sources, amount="100000.00", area_code=TOWNSHIP):
    return app.sign_contract(
        "youth_league",
        "米易县阳光社工服务中心",
        [str(uuid.uuid4())],
        area_code,
        ["青少年成长陪伴"],
        D(amount),
        date(2021, 3, 1),
        date(2021, 12, 31),
        sources,
        date(2021, 2, 20),
    )


def test_the_source_split_must_sum_to_the_amount(funding_app):
    with pytest.raises(FundingError, match="不一致"):
        _sign(funding_app, [("welfare_lottery", "60000.00"), ("charity", "39999.99")])
    with pytest.raises(FundingError, match="不止一次"):
        _sign(funding_app, [("charity", "50000.00"), ("charity", "50000.00")])
    contract = funding_app.contract(
        _sign(funding_app, [("welfare_lottery", "60000.00"), ("social_resources_goods", "40000.00")])
    )
    assert contract.amount == D("100000.00") and contract.filing is FilingStatus.PENDING


def test_filing_goes_one_level_up_and_a_returned_contract_can_be_filed_after_correction(funding_app):
    """§三(三): "各级民政部门……对下级社会工作服务站点的项目年度计划和购买服务协议进行备案管理": a township station's
    agreement is filed with (and returned by) its county bureau, never by the township itself."""
    contract_id = _sign(funding_app, [("fiscal_county", "100000.00")])
    with pytest.raises(FundingError):
        funding_app.return_contract(contract_id, ["  "], date(2021, 2, 21))
    funding_app.return_contract(contract_id, ["缺少服务事项清单", "资金来源未注明预算科目"], date(2021, 2, 22))
    with pytest.raises(Conflict):
        funding_app.return_contract(contract_id, ["再次退回"], date(2021, 2, 23))
    contract = funding_app.file_contract(contract_id, date(2021, 2, 25))
    assert contract.filing is FilingStatus.FILED
    county = TOWNSHIP[:6]
    assert [(f["status"], f["by"]) for f in contract.filings] == [("returned", county), ("filed", TOWNSHIP)]
    assert contract.filings[-1]["with"] == county
    with pytest.raises(Conflict):
        funding_app.file_contract(contract_id, date(2021, 2, 26))


def test_spot_checks_need_a_filed_contract_and_findings_unless_satisfactory(funding_app):
    contract_id = _sign(funding_app, [("fiscal_county", "100000.00")])
    with pytest.raises(FundingError, match="已备案"):
        funding_app.spot_check_contract(contract_id, "satisfactory", [], date(2021, 6, 1))
    funding_app.file_contract(contract_id, date(2021, 2, 25))
    with pytest.raises(FundingError, match="抽查发现的问题"):
        funding_app.spot_check_contract(contract_id, "issues_found", [], date(2021, 6, 1))
    contract = funding_app.spot_check_contract(contract_id, "issues_found", ["服务台账不完整"], date(2021, 6, 1))
    check = contract.spot_checks[0]
    assert check["findings"] == ["服务台账不完整"] and check["checked_by"] == TOWNSHIP[:6] == contract.filed_with


def test_a_county_contract_is_filed_with_the_city_and_a_city_contract_with_the_province(funding_app):
    """§三(三) "对下级……进行备案管理": the level above files; a county's own agreement goes to the city bureau."""
    county = _sign(funding_app, [("fiscal_county", "100000.00")], area_code=TOWNSHIP[:6])
    filed = funding_app.file_contract(county, date(2021, 3, 1)).filings[0]
    assert (filed["by"], filed["with"]) == (TOWNSHIP[:6], TOWNSHIP[:4] + "00")
    contract_id = _sign(funding_app, [("welfare_lottery", "100000.00")], area_code="510400")
    assert funding_app.file_contract(contract_id, date(2021, 3, 1)).filings[0]["with"] == "510000"


def test_instalments_never_pay_more_than_the_contract_or_a_sources_part(funding_app, scenario):
    scenario.budgets(funding_app, 2021)
    contract_id = _sign(funding_app, [("welfare_lottery", "60000.00"), ("charity", "40000.00")])
    with pytest.raises(FundingError, match="尚未备案"):
        funding_app.disburse(contract_id, D("1.00"), date(2021, 3, 1), "首期", [("charity", "1.00")])
    funding_app.file_contract(contract_id, date(2021, 2, 25))
    with pytest.raises(FundingError, match="多个资金来源"):
        funding_app.disburse(contract_id, D("1.00"), date(2021, 3, 1), "首期")
    with pytest.raises(FundingError, match="合同的资金来源中没有"):
        funding_app.disburse(contract_id, D("1.00"), date(2021, 3, 1), "首期", [("fiscal_county", "1.00")])
    funding_app.disburse(
        contract_id, D("50000.00"), date(2021, 3, 1), "首期", [("welfare_lottery", "30000.00"), ("charity", "20000.00")]
    )
    with pytest.raises(FundingError, match="余额 20,000.00 元"):
        funding_app.disburse(contract_id, D("20000.01"), date(2021, 6, 1), "二期", [("charity", "20000.01")])
    funding_app.disburse(contract_id, D("30000.00"), date(2021, 6, 1), "二期", [("welfare_lottery", "30000.00")])
    with pytest.raises(FundingError, match="超过合同金额"):
        funding_app.disburse(contract_id, D("20000.01"), date(2021, 12, 1), "尾款", [("charity", "20000.01")])
    funding_app.disburse(contract_id, D("20000.00"), date(2021, 12, 1), "尾款", [("charity", "20000.00")])
    contract = funding_app.contract(contract_id)
    assert (contract.paid, contract.balance, len(contract.disbursements)) == (D("100000.00"), D("0.00"), 3)
    assert funding_app.budget(AREA, 2021, "charity").drawn == D("40000.00")


def test_a_disbursement_needs_the_sources_budget_of_the_paid_year(funding_app):
    contract_id = _sign(funding_app, [("welfare_lottery", "100000.00")])
    funding_app.file_contract(contract_id, date(2021, 2, 25))
    with pytest.raises(FundingError, match="尚未登记 2021 年度福彩公益金预算"):
        funding_app.disburse(contract_id, D("1000.00"), date(2021, 3, 1), "首期")
    funding_app.budget_source(AREA, 2021, "welfare_lottery", D("50000.00"), date(2021, 1, 2))
    funding_app.disburse(contract_id, D("50000.00"), date(2021, 3, 1), "首期")
    with pytest.raises(FundingError, match="预算不足"):
        funding_app.disburse(contract_id, D("0.01"), date(2021, 4, 1), "二期")
    with pytest.raises(FundingError, match="不能低于已支出"):
        funding_app.budget_source(AREA, 2021, "welfare_lottery", D("49999.99"), date(2021, 5, 1))
    assert funding_app.contract(contract_id).paid == D("50000.00")


def test_a_payment_conditioned_on_a_projects_evaluation_waits_for_casework(funding_app, scenario):
    scenario.budgets(funding_app, 2021)
    contract_id = _sign(funding_app, [("fiscal_county", "100000.00")])
    funding_app.file_contract(contract_id, date(2021, 2, 25))
    project, station = str(uuid.uuid4()), str(uuid.uuid4())
    condition = (project, 80.0)
    with pytest.raises(FundingError, match="尚未收到该项目"):
        funding_app.disburse(contract_id, D("30000.00"), date(2021, 7, 1), "中期评估后", condition=condition)

    def evaluated(score, on, offset):
        subscription(funding_app).apply(
            "casework.project.evaluated.v1",
            {
                "project_id": project,
                "station_id": station,
                "contract_id": str(contract_id),
                "score": score,
                "evaluated_on": on,
            },
            Tracking("casework.events:0", offset),
        )

    evaluated(72.5, "2021-06-20", 1)
    with pytest.raises(FundingError, match="72.5 低于拨付条件 80"):
        funding_app.disburse(contract_id, D("30000.00"), date(2021, 7, 1), "中期评估后", condition=condition)
    evaluated(86, "2021-06-28", 2)
    evaluated(86, "2021-06-28", 2)  # redelivered: tracked once
    evaluated(86, "2021-06-28", 3)  # republished by the relay: already on record
    paid = funding_app.disburse(contract_id, D("30000.00"), date(2021, 7, 1), "中期评估后", condition=condition)
    assert paid["evaluation"]["score"] == 86.0
    assert len(funding_app.contract(contract_id).evaluations) == 2


def test_casework_events_funding_cannot_apply_are_rejected_and_others_ignored(funding_app):
    data = {
        "project_id": str(uuid.uuid4()),
        "station_id": str(uuid.uuid4()),
        "contract_id": str(uuid.uuid4()),
        "score": 90,
        "evaluated_on": "2021-06-01",
    }
    with pytest.raises(FundingError, match="不存在"):
        subscription(funding_app).apply("casework.project.evaluated.v1", data, Tracking("casework.events:1", 1))
    with pytest.raises(ValueError):
        subscription(funding_app).apply(
            "casework.project.evaluated.v1", data | {"score": 101}, Tracking("casework.events:1", 2)
        )
    subscription(funding_app).apply("casework.case.opened.v1", {"case_id": "x"}, Tracking("casework.events:1", 3))
    assert funding_app.already_tracked(Tracking("casework.events:1", 3))
