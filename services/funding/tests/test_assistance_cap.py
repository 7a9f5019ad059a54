"""The 3% rule (plan §三(四)4) at its boundary, with several sources in one contract, and across a
year boundary: the cap of year Y is 3% of the area's hardship-assistance spending of year Y-1."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from funding.domain.cap import cap_of
from funding.domain.errors import AssistanceCapExceeded, FundingError

from .conftest import AREA, D


@pytest.fixture
def app(funding_app, scenario):
    scenario.budgets(funding_app, 2021)
    scenario.budgets(funding_app, 2022)
    # 2020 spending 1,000,000.00 -> cap 2021 = 30,000.00
    funding_app.record_hardship_spending(AREA, 2020, D("1000000.00"), date(2021, 1, 10))
    return funding_app


def test_the_cap_is_three_percent_rounded_down_to_the_fen():
    assert cap_of(D("1000000.00")) == D("30000.00")
    assert cap_of(D("333.33")) == D("9.99")  # 9.9999 would pass 3% if rounded up
    assert cap_of(D("0.00")) == D("0.00")


def test_exactly_three_percent_is_allowed(app, scenario):
    contract = scenario.contract(app, {"social_assistance": "30000.00"})
    app.disburse(contract, D("30000.00"), date(2021, 3, 1), "全额")
    h = app.headroom(AREA, 2021)
    assert (h.cap, h.used, h.headroom) == (D("30000.00"), D("30000.00"), D("0.00"))


def test_one_fen_over_is_refused_with_the_cap_the_used_amount_and_the_headroom(app, scenario):
    contract = scenario.contract(app, {"social_assistance": "30000.01"})
    app.disburse(contract, D("20000.00"), date(2021, 3, 1), "首期")
    with pytest.raises(AssistanceCapExceeded) as refused:
        app.disburse(contract, D("10000.01"), date(2021, 6, 1), "二期")
    message = str(refused.value)
    assert "上限为 30,000.00 元" in message and "已使用 20,000.00 元" in message and "剩余额度 10,000.00 元" in message
    assert "2020 年度困难群众救助资金支出 1,000,000.00 元" in message
    assert (
        refused.value.details.items()
        >= {"cap": "30000.00", "used": "20000.00", "headroom": "10000.00", "requested": "10000.01"}.items()
    )
    assert app.headroom(AREA, 2021).used == D("20000.00"), "nothing of the refused instalment was stored"
    assert app.contract(contract).paid == D("20000.00")
    app.disburse(contract, D("10000.00"), date(2021, 6, 1), "二期")  # the exact headroom still goes through


def test_only_the_social_assistance_part_of_a_mixed_contract_counts(app, scenario):
    mixed = scenario.contract(
        app,
        {
            "social_assistance": "25000.00",
            "welfare_lottery": "50000.00",
            "fiscal_county": "40000.00",
            "provincial_pilot_award": "10000.00",
        },
    )
    app.disburse(mixed, D("100000.00"), date(2021, 4, 1), "首期",
                 [("social_assistance", "25000.00"), ("welfare_lottery", "40000.00"), ("fiscal_county", "35000.00")])
    assert app.headroom(AREA, 2021).used == D("25000.00")
    other = scenario.contract(app, {"social_assistance": "5000.01", "charity": "1000.00"})
    with pytest.raises(AssistanceCapExceeded):
        app.disburse(
            other, D("6000.01"), date(2021, 5, 1), "全额", [("social_assistance", "5000.01"), ("charity", "1000.00")]
        )
    assert app.contract(other).paid == D("0.00") and app.budget(AREA, 2021, "charity").drawn == D("0.00"), (
        "all or nothing"
    )
    app.disburse(
        other, D("6000.00"), date(2021, 5, 1), "部分", [("social_assistance", "5000.00"), ("charity", "1000.00")]
    )
    assert app.headroom(AREA, 2021).headroom == D("0.00")
    c = app.contract(mixed)
    assert c.paid_by_source["welfare_lottery"] == D("40000.00") and c.balance == D("25000.00")


def test_across_a_year_boundary_each_year_uses_the_spending_of_the_year_before(app, scenario):
    contract = scenario.contract(app, {"social_assistance": "60000.00"}, period_end=date(2022, 6, 30))
    app.disburse(contract, D("30000.00"), date(2021, 12, 31), "2021 年度")
    # 2022's cap depends on 2021's spending, not yet recorded: nothing can be paid from social assistance funds
    with pytest.raises(AssistanceCapExceeded, match="尚未登记 2021 年度困难群众救助资金支出总额"):
        app.disburse(contract, D("1.00"), date(2022, 1, 1), "2022 年度")
    app.record_hardship_spending(AREA, 2021, D("800000.00"), date(2022, 1, 5))  # cap 2022 = 24,000.00
    h2022 = app.headroom(AREA, 2022)
    assert (h2022.basis_year, h2022.cap, h2022.used) == (2021, D("24000.00"), D("0.00")), (
        "2021's usage does not count in 2022"
    )
    app.disburse(contract, D("24000.00"), date(2022, 1, 2), "2022 年度")
    with pytest.raises(AssistanceCapExceeded):
        app.disburse(contract, D("0.01"), date(2022, 3, 1), "尾款")
    assert app.headroom(AREA, 2021).used == D("30000.00")
    assert app.budget(AREA, 2022, "social_assistance").drawn == D("24000.00")


def test_a_corrected_hardship_total_moves_the_cap(app, scenario):
    contract = scenario.contract(app, {"social_assistance": "30000.00"})
    app.disburse(contract, D("20000.00"), date(2021, 3, 1), "首期")
    app.record_hardship_spending(AREA, 2020, D("500000.00"), date(2021, 3, 10))  # cap 15,000: already passed
    h = app.headroom(AREA, 2021)
    assert (h.cap, h.used, h.headroom) == (D("15000.00"), D("20000.00"), D("0.00"))
    with pytest.raises(AssistanceCapExceeded):
        app.disburse(contract, D("0.01"), date(2021, 4, 1), "二期")


def test_an_area_without_a_record_has_no_headroom(funding_app):
    h = funding_app.headroom("510411", 2021)
    assert (h.hardship_total, h.cap, h.headroom) == (None, Decimal("0.00"), Decimal("0.00"))
    with pytest.raises(FundingError):
        funding_app.headroom("510411001", 2021)  # caps are kept per county-level area
