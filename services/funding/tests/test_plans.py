from datetime import date

import pytest
from funding.domain.errors import FundingError
from funding.domain.vocabulary import FilingStatus

from .conftest import D


def test_an_annual_project_plan_is_returned_corrected_resubmitted_and_filed(funding_app):
    plan_id = funding_app.submit_plan("510421003", 2022, "某镇 2022 年度社会工作服务项目计划",
                                      [("困境儿童关爱", "80000.00"), ("独居老人探访", "45000.50")], date(2021, 12, 1))
    assert funding_app.plan(plan_id).total_amount == D("125000.50")
    with pytest.raises(FundingError, match="至少包含一个项目"):
        funding_app.submit_plan("510421003", 2022, "空计划", [], date(2021, 12, 1))
    funding_app.return_plan(plan_id, ["项目预算缺少测算依据"], date(2021, 12, 5))
    with pytest.raises(FundingError, match="重新报送"):
        funding_app.file_plan(plan_id, date(2021, 12, 6))
    funding_app.resubmit_plan(plan_id, [("困境儿童关爱", "80000.00")], date(2021, 12, 8))
    plan = funding_app.file_plan(plan_id, date(2021, 12, 10))
    assert plan.filing is FilingStatus.FILED and plan.total_amount == D("80000.00")
    assert [f["status"] for f in plan.filings] == ["returned", "resubmitted", "filed"]
    # a township's plan is filed with its county bureau (§三(三) "对下级……项目年度计划……进行备案管理")
    assert plan.filings[-1]["by"] == "510421003" and plan.filings[-1]["with"] == "510421"
