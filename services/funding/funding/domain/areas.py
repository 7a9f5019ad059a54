"""Area codes as funding reads them. Money is budgeted, and the 3% cap kept, at county (or city)
level: a township contract (9-digit code) draws on its county's budgets. Filing goes one level up:
a county files with the city, the city with the province."""

from __future__ import annotations

from pzh_shared import areas as codes

from funding.domain.errors import FundingError


def area_code(code: str) -> str:
    code = str(code).strip()
    if not codes.is_area_code(code):
        raise FundingError("行政区划代码应为 6 位(县/区、市)、9 位(乡镇/街道)或 12 位(村/社区)数字")
    return code


def funding_area(code: str) -> str:
    """The county-level (or city) area whose budgets and cap a contract of `code` uses."""
    return codes.county_of(area_code(code))


def budget_area(code: str) -> str:
    code = area_code(code)
    if len(code) != 6:
        raise FundingError("预算和困难群众救助资金支出按县(区)或市登记，行政区划代码应为 6 位")
    return code


def filing_parties(code: str) -> tuple[str, str]:
    """(who files, with whom): the county files township and county contracts with the city; the
    city files its own with the province."""
    county = funding_area(code)
    if codes.level_of(county) is codes.AreaLevel.CITY:  # a city (or province) itself
        return county, county[:2] + "0000"
    return county, codes.city_of(county)


def year(value: int) -> int:
    if not 2000 <= int(value) <= 2100:
        raise FundingError("年度应在 2000 至 2100 之间")
    return int(value)
