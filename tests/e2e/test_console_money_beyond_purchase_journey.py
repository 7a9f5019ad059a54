"""Journey of money beyond purchases and community charity, through the console (资金): a county administrator pays
a subsidy from the county's fiscal funds, is refused with funding's 409 while it would pass what is left of the
budget, then finds it by its organisation; sets up a community fund of a village, records an individual's gift
and pays from it, refused while the payment would pass the balance; records a need in the charity needs ledger,
whose summary with a phone number funding refuses next to the field, and meets it with the fund. The budget is set
through the API. Every page screenshotted (also at 390 px) and checked by axe-core (console_helpers)."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

import pytest

from .console_helpers import browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
COUNTY = "510421"
LEFT = Decimal("5000.00")  # what the budget leaves for this journey


def test_a_county_admin_pays_a_subsidy_sets_up_a_community_fund_and_records_a_need(
        platform, gateway, township, console):  # noqa: F811
    year = date.today().year
    budget = gateway.get(f"/api/sources/{COUNTY}/{year}/fiscal_county")
    spent = Decimal(budget.json()["spent"]) if budget.status_code == 200 else Decimal("0.00")
    reply = gateway.post("/api/sources", json={"area_code": COUNTY, "year": year, "source": "fiscal_county",
                                               "amount": f"{spent + LEFT:.2f}"})
    assert reply.status_code == 201, reply.text
    organisation = f"旅程社工中心{secrets.token_hex(3)}"

    cp = console()
    cp.sign_in(*create_account(platform.gateway_url, "county_admin", COUNTY, prefix="money"))

    # a subsidy above what is left of the budget: funding's 409 above the form, the form kept
    cp.click("#menu >> text=补贴奖励")
    cp.select("#kind", "subsidy")
    cp.fill("#organisation", organisation)
    cp.fill("#purpose", "站点运营补贴")
    cp.fill("#area_code", township)
    cp.select("#source", "fiscal_county")
    cp.fill("#amount", f"{LEFT + 1:.2f}")
    cp.click("#create")
    assert "预算不足" in cp.text("#error") and f"余额 {LEFT:,.2f} 元" in cp.text("#error"), cp.text("#error")
    assert cp.page.input_value("#organisation") == organisation
    cp.fill("#amount", f"{LEFT:.2f}")
    cp.click("#create")
    assert "已发放" in cp.text("#notice")
    cp.fill("#q-q", organisation)
    cp.click("#apply-filters")
    assert cp.text("#total") == "共 1 条" and f"{LEFT:.2f}" in cp.text("#list")

    # a community fund of a village of the township
    cp.click("#menu >> text=慈善专项基金与社区基金")
    cp.select("#kind", "community_fund")
    name = f"旅程社区基金{secrets.token_hex(3)}"
    cp.fill("#name", name)
    cp.fill("#area_code", f"{township}201")
    cp.click("#create")
    assert "基金已设立" in cp.text("#notice")
    cp.fill("#q-q", name)
    cp.click("#apply-filters")
    assert cp.text("#total") == "共 1 条" and "0.00" in cp.text("#list")

    # its page: an individual's gift (a kind, no name), then a payment past the balance refused, then one within it
    cp.goto(cp.link_to(name))
    gift, paid = Decimal("800.00"), Decimal("300.00")
    cp.select("#receive-donor_kind", "individual")
    cp.fill("#receive-amount", f"{gift:.2f}")
    cp.click("#do-receive")
    assert "收入已登记" in cp.text("#notice") and cp.text("#item-balance") == f"{gift:.2f}"
    cp.fill("#pay-project", "高龄老人助餐")
    cp.select("#pay-category", "elderly")
    cp.fill("#pay-amount", f"{gift + Decimal('0.01'):.2f}")
    cp.click("#do-pay")
    assert "余额不足" in cp.text("#error"), cp.text("#error")
    cp.fill("#pay-amount", f"{paid:.2f}")
    cp.click("#do-pay")
    assert "支出已登记" in cp.text("#notice") and cp.text("#item-balance") == f"{gift - paid:.2f}"
    assert "个人" in cp.text("#item-rows")

    # the needs ledger keeps no personal data: a phone number in the summary is refused next to it
    cp.click("#menu >> text=慈善服务需求台账")
    cp.fill("#area_code", township)
    cp.select("#category", "elderly")
    cp.fill("#summary", "独居老人助餐，联系电话13800001111")
    cp.click("#create")
    assert "个人信息" in cp.text("#error"), cp.text("#error")
    summary = f"独居高龄老人助餐需求{secrets.token_hex(2)}"
    cp.fill("#summary", summary)
    cp.click("#create")
    assert "需求已登记" in cp.text("#notice")
    cp.select("#q-status", "open")
    cp.fill("#q-q", summary)
    cp.click("#apply-filters")
    assert cp.text("#total") == "共 1 条" and "待对接" in cp.text("#list")
    cp.goto(cp.link_to(summary))
    cp.select("#meet-resource_kind", "community_fund")
    cp.fill("#meet-resource_name", name)
    cp.click("#do-meet")
    assert "需求已对接" in cp.text("#notice") and cp.text("#item-status") == "已对接"
