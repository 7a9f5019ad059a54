"""Journey (b) of funding, through the console only: a county funding officer records last year's hardship
spending (this year's 3% cap) and signs a purchase-of-services contract paid from social assistance funds;
the contract is filed by the level the plan names (§三(三): each level files the lower level's purchase
agreements, so a county's contract is filed with the city: funding's areas.filing_parties), here a city
funding officer who finds it in the filing queue by its agency; the county officer finds the filed contract
in the contract list and tries to pay more than the headroom from social assistance funds, which funding
refuses, with the headroom shown on the page before and in the refusal. Every page screenshotted (also at
390 px) and checked by axe-core (console_helpers). The station the contract serves is set up through the
API (the county administrator's journey (a) opens stations in the console)."""

from __future__ import annotations

import re
import secrets
from datetime import date
from decimal import Decimal

import pytest

from .console_helpers import browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
COUNTY, CITY = "510421", "510400"
HARDSHIP = Decimal("1000000.00")  # last year's hardship spending: this year's cap is 3% of it


def open_station(gateway, township: str) -> str:
    name = f"资金旅程站{secrets.token_hex(3)}"
    reply = gateway.post("/api/stations", json={"name": name, "tier": "township_station", "area_code": township})
    assert reply.status_code == 201, reply.text
    return name


def headroom_of(text: str) -> Decimal:
    found = re.search(r"剩余额度 ([\d.]+) 元", text)
    assert found, text
    return Decimal(found.group(1))


def find_in_list(cp, menu: str, agency: str) -> None:
    """From the menu to the contract's page, by searching the list for its agency."""
    cp.click(f"#menu >> text={menu}")
    cp.fill("#q-q", agency)
    cp.click("#apply-filters")
    assert cp.text("#total") == "共 1 条", cp.text()
    cp.goto(cp.link_to(agency))
    assert cp.text("#contract-title") == agency


def sign_contract(cp, station: str, agency: str) -> None:
    year = date.today().year
    cp.click("#menu >> text=签订合同")
    cp.select("#purchaser", "civil_affairs")
    cp.fill("#provider_agency", agency)
    cp.page.get_by_label(station).check()
    cp.fill("#service_items", "困难群众社会救助服务\n入户探访")
    cp.fill("#amount", "200000.00")
    cp.select("#source", "social_assistance")
    cp.fill("#period_start", f"{year}-01-01")
    cp.fill("#period_end", f"{year}-12-31")
    cp.click("#sign-contract")
    assert "合同已签订，待备案" in cp.text("#notice") and cp.text("#filing-status") == "待备案"


def test_a_county_contract_filed_by_the_city_and_a_payment_over_the_cap(platform, gateway, township, console):  # noqa: F811
    station = open_station(gateway, township)
    county_officer = create_account(platform.gateway_url, "funding_officer", COUNTY, prefix="county")
    city_officer = create_account(platform.gateway_url, "funding_officer", CITY, prefix="city")
    agency = f"旅程社会工作服务中心{secrets.token_hex(3)}"

    cp = console(who="county")
    cp.sign_in(*county_officer)
    assert "购买服务合同" in cp.text("#menu") and "网关审计日志" not in cp.text("#menu")

    # last year's hardship spending sets this year's 3% cap, shown at once
    cp.click("#menu >> text=社会救助 3% 限额")
    cp.fill("#total", str(HARDSHIP))
    cp.click("#record-hardship")
    assert "已登记困难群众救助资金支出" in cp.text("#notice")
    assert f"限额 {HARDSHIP * Decimal('0.03'):.2f} 元" in cp.text("#headroom")

    # signed by the county: waiting to be filed by the city, which the page says instead of offering it
    sign_contract(cp, station, agency)
    assert cp.page.query_selector("#do-filing") is None and CITY in cp.text("#filing-note")

    # the city finds it in its filing queue by the agency and files it
    city = console(who="city")
    city.sign_in(*city_officer)
    find_in_list(city, "待备案合同", agency)
    city.click("#do-filing")
    assert "已备案" in city.text("#notice") and city.text("#filing-status") == "已备案"
    city.goto("/console/contracts/queue?q=" + agency)
    assert "暂无数据" in city.text("#list-empty")

    # the county pays from social assistance funds above the headroom: refused, the headroom shown
    find_in_list(cp, "购买服务合同", agency)
    headroom = headroom_of(cp.text("#headroom"))
    assert headroom <= HARDSHIP * Decimal("0.03")
    cp.fill("#pay-amount", f"{headroom + 1000:.2f}")
    cp.fill("#pay-milestone", "首期")
    cp.select("#pay-source", "social_assistance")
    cp.click("#do-disburse")
    refusal = cp.text("#pay-amount-error")
    assert "超出社会救助资金购买服务上限" in refusal and f"剩余额度 {headroom:,.2f} 元" in refusal, refusal
    assert headroom_of(cp.text("#headroom")) == headroom and "暂无拨付" in cp.text("#disbursements-empty")
