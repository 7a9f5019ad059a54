"""Area codes as funding reads them. Money is budgeted, and the 3% cap kept, at county (or city)
level: a township contract (9-digit code) draws on its county's budgets. Filing goes one level up:
a township's items are filed with the county, a county's with the city, the city's with the province."""

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
    """(whose item it is, who files it): each civil affairs bureau files the items of the level below it
    (§三(三) "对下级社会工作服务站点的项目年度计划和购买服务协议进行备案管理"), so a township station's (or a village
    room's) item is filed with its county bureau, a county's with the city, a city's with the province, and
    nobody files their own."""
    code = area_code(code)
    level = codes.level_of(code)
    if level in (codes.AreaLevel.TOWNSHIP, codes.AreaLevel.VILLAGE):
        return code, codes.county_of(code)
    if level is codes.AreaLevel.COUNTY:
        return code, codes.city_of(code)
    return code, codes.province_of(code)  # a city (a province's would go to the country: none is filed there)


def year(value: int) -> int:
    if not 2000 <= int(value) <= 2100:
        raise FundingError("年度应在 2000 至 2100 之间")
    return int(value)
