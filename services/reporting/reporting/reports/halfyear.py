"""The half-year report (半年报告) to the city bureau's party group: each county's network against
the year's targets and the 2025 goal, talent, organisations, cases, complaints and satisfaction,
money and the 3% headroom. Stocks as of the half's last day, flows over the half. Rules in
services/reporting/README.md ("Half-year report")."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from pzh_shared.target_groups import TARGET_GROUPS

from reporting import views
from reporting.adapters.store import ReadModelStore
from reporting.deployment import Deployment, townships_of
from reporting.reports.render import Chart, Document, Section, number

PERIOD = re.compile(r"^(\d{4})-H([12])$")
GOAL_YEAR = "2025"  # end of the 14th five-year plan (§二(一))
# section -> [(key, label, how the total row is formed: sum of counties, money sum, or the city's own average)]
FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "网络建设": [
        ("general_station", "总站", "sum"),
        ("general_station_target", "总站·年度目标", "sum"),
        ("township_station", "乡镇(街道)站", "sum"),
        ("township_station_target", "乡镇(街道)站·年度目标", "sum"),
        ("village_room", "村(社区)室", "sum"),
        ("village_room_target", "村(社区)室·年度目标", "sum"),
        ("township_station_goal", f"乡镇(街道)站·{GOAL_YEAR}年目标", "sum"),
        ("village_room_goal", f"村(社区)室·{GOAL_YEAR}年目标", "sum"),
        ("townships_covered", "有站乡镇(街道)数", "sum"),
        ("townships", "乡镇(街道)总数", "sum"),
        ("townships_served", "服务覆盖乡镇(街道)数", "sum"),
        ("coverage_percent", "乡镇(街道)覆盖率%", "city"),
        ("townships_unserved", f"距{GOAL_YEAR}年全覆盖尚缺", "sum"),
        ("reform_share_2021_percent", "2021年乡镇(街道)站在涉改乡镇占比%", "city"),
    ],
    "人才队伍": [
        ("certified_workers", "持证社工", "sum"),
        ("heads", "站长", "sum"),
        ("volunteers", "注册志愿者", "sum"),
        ("interns", "在站实习生", "sum"),
        ("certifications", "半年新增持证", "sum"),
        ("volunteers_trained", "半年培训志愿者", "sum"),
        ("trainings", "半年培训人次", "sum"),
        ("guidance_visits", "半年督导次数", "sum"),
    ],
    "社会组织": [
        ("organisations_incubated", "半年培育社区社会组织", "sum"),
        ("organisations_registered", "半年登记社会组织", "sum"),
        ("agencies", "社会工作服务机构", "sum"),
    ],
    "个案、投诉与满意度": [
        ("cases_opened", "半年新开个案", "sum"),
        ("open_cases", "在办个案", "sum"),
        ("escalations", "疑似侵害上报", "sum"),
        ("referrals", "政策转介", "sum"),
        ("beneficiaries", "半年项目服务对象受益人数", "sum"),
        ("complaints", "半年投诉", "sum"),
        ("average_response_hours", "平均响应时长(小时)", "city"),
        ("surveys", "满意度调查", "sum"),
        ("satisfaction", "满意度平均分", "city"),
    ],
    # services by target group (§二(五)2): a case counts under each group its client was in when it opened
    "服务对象类别(半年新开个案)": [(f"cases_opened_{code}", label, "sum") for code, label in TARGET_GROUPS.items()],
    "资金与3%余额": [
        ("budget", "年度预算(元)", "money"),
        ("contract_amount", "半年签约金额(元)", "money"),
        ("disbursed", "半年拨付(元)", "money"),
        ("assistance_cap", "3%上限(元)", "money"),
        ("assistance_used", "年内已用(元)", "money"),
        ("assistance_headroom", "3%余额(元)", "money"),
    ],
    # money beyond purchases (§三(四)1 and 5) and community charity (annex 2 §3.4); purchases are 半年拨付 above
    "多元资金与社区慈善": [
        ("subsidy_paid", "半年补贴(元)", "money"),
        ("award_paid", "半年奖励(元)", "money"),
        ("venture_paid", "半年公益创投拨付(元)", "money"),
        ("charity_fund_paid", "半年慈善专项基金支出(元)", "money"),
        ("community_fund_paid", "半年社区基金支出(元)", "money"),
        ("charity_needs_recorded", "半年登记慈善需求", "sum"),
        ("charity_needs_met", "半年对接慈善需求", "sum"),
        ("donation_points", "慈善捐赠点", "sum"),
        ("community_funds", "社区基金", "sum"),
        ("community_fund_balance", "社区基金余额(元)", "money"),
    ],
}


def span(period: str) -> tuple[date, date]:
    match = PERIOD.match(period)
    if not match:
        raise ValueError(f"半年格式应为 YYYY-H1 或 YYYY-H2，例如 2024-H1：{period!r}")
    year = int(match[1])
    return (date(year, 1, 1), date(year, 6, 30)) if match[2] == "1" else (date(year, 7, 1), date(year, 12, 31))


def periods(year: int) -> list[str]:
    return [f"{year}-H1", f"{year}-H2"]


def title(city_name: str, period: str) -> str:
    start, _ = span(period)
    return f"{city_name}社会工作服务体系建设{start.year}年{'上' if start.month == 1 else '下'}半年工作报告"


def _percent(share: str | None) -> str | None:
    return None if share is None else str((Decimal(share) * 100).quantize(Decimal("0.01")))


def area_figures(store: ReadModelStore, code: str, since: str, as_of: str, city_code: str) -> dict[str, Any]:
    """Every figure of the report for one area, from the same views the read API serves."""
    network = views.stations(store, code, as_of, since)
    talent = views.talent(store, code, as_of, since)
    organisations = views.organisations(store, code, as_of, since)
    cases = views.cases(store, code, as_of, since)
    complaints = views.complaints(store, code, as_of, since)
    projects = views.projects(store, code, as_of, since)
    money = views.money(store, code, as_of, since)
    modes = views.money_modes(store, code, as_of, since)["modes"]
    charity = views.charity(store, code, as_of, since)
    goal = {k1: n for (k1, k2), n in store.sums("targets", code, as_of).items() if k2 == GOAL_YEAR}
    coverage = views.township_coverage(store, code, as_of)
    reform = views.reform_share_2021(store, code, as_of)
    county = len(code) == 6 and code != city_code
    township_children = store.sums("stations", code, as_of, by=("child", "k1")) if county else {}
    counts, targets = network["stations"], network["targets"]
    return {
        "general_station": counts["general_station"],
        "general_station_target": targets["general_station"],
        "township_station": counts["township_station"],
        "township_station_target": targets["township_station"],
        "village_room": counts["village_room"],
        "village_room_target": targets["village_room"],
        "township_station_goal": goal.get("township_station", 0),
        "village_room_goal": goal.get("village_room", 0),
        "townships_covered": sum(
            1 for (_, tier), n in township_children.items() if tier == "township_station" and n > 0
        ),
        "townships": coverage["townships"],
        "townships_served": coverage["served"],
        "coverage_percent": _percent(coverage["share"]),
        "townships_unserved": len(coverage["unserved"]),
        "unserved_townships": coverage["unserved"],
        "reform_share_2021_percent": _percent(reform["share"]),
        "reform_affected_2021": reform,
        "certified_workers": talent["certified_workers"],
        "heads": talent["heads"],
        "volunteers": talent["volunteers"],
        "interns": talent["interns"],
        "certifications": talent["certifications"],
        "volunteers_trained": talent["volunteers_trained"],
        "trainings": talent["trainings"]["total"],
        "guidance_visits": talent["guidance_visits"],
        "organisations_incubated": organisations["incubated"]["total"],
        "organisations_registered": organisations["registered"],
        "agencies": organisations["agencies"],
        **views.case_counts(cases),
        "beneficiaries": projects["beneficiaries"]["in_period"],
        "complaints": complaints["received"]["total"],
        "average_response_hours": complaints["average_response_hours"],
        "surveys": complaints["satisfaction"]["surveys"],
        "satisfaction": complaints["satisfaction"]["average_score"],
        "budget": money["budget"]["total"],
        "contract_amount": money["contracts"]["amount"],
        "disbursed": money["disbursed"]["total"],
        "assistance_cap": money["assistance_cap"]["cap"],
        "assistance_used": money["assistance_cap"]["used"],
        "assistance_headroom": money["assistance_cap"]["headroom"],
        **{f"{mode}_paid": modes[mode]["total"]
           for mode in ("subsidy", "award", "venture", "charity_fund", "community_fund")},
        "charity_needs_recorded": charity["needs"]["recorded"],
        "charity_needs_met": charity["needs"]["met"],
        "donation_points": charity["donation_points"]["open"],
        "community_funds": charity["funds"]["community_fund"]["count"],
        "community_fund_balance": charity["funds"]["community_fund"]["balance"],
    }


def build(store: ReadModelStore, deployment: Deployment, period: str) -> dict[str, Any]:
    if deployment.for_county:
        return county_build(store, deployment, period)
    start, end = span(period)
    since, as_of = start.isoformat(), end.isoformat()
    city_code = deployment.city_code
    counties = [{"area_code": code, "name": name, **area_figures(store, code, since, as_of, city_code)}
                for code, name in deployment.counties.items()]
    city = area_figures(store, city_code, since, as_of, city_code)
    totals: dict[str, Any] = {}
    for fields in FIELDS.values():
        for key, _, how in fields:
            if how == "sum":
                totals[key] = sum(c[key] for c in counties)
            elif how == "money":
                totals[key] = str(sum((Decimal(c[key]) for c in counties), Decimal("0.00")))
            else:
                totals[key] = city[key]
    names = store.names("area", as_of, [t for c in counties for t in c["unserved_townships"]])
    for county in counties:
        county["unserved_townships"] = [{"area_code": t, "name": names.get(t)} for t in county["unserved_townships"]]
        county["goal_2025"] = {"general_station": county["general_station"] >= 1,
                               "township_stations_vs_goal": None if not county["township_station_goal"] else
                               f"{county['township_station']}/{county['township_station_goal']}",
                               "every_township_served": county["townships"] > 0 and county["townships_unserved"] == 0}
    totals["reform_affected_2021"] = city["reform_affected_2021"]
    return {
        "report": "half_year_report",
        "period": period,
        "year": start.year,
        "since": since,
        "as_of": as_of,
        "title": title(deployment.title_name, period),
        "counties": counties,
        "totals": totals,
        "notes": [
            "存量数据截至半年末，流量数据为本半年内；3%余额为全年口径（上年困难群众救助资金支出的3%减去年内已用）",
            f"{GOAL_YEAR}年目标取登记服务发布的{GOAL_YEAR}年度目标；未发布则记为 0",
            "乡镇(街道)总数为当日有效的乡镇(街道)（登记服务的行政区划事件，撤并后不再计入）；服务覆盖指有开放的乡镇(街道)站"
            "设在本乡镇或以片区方式覆盖本乡镇；覆盖率与2021年涉改占比的合计为全市口径；无行政区划事件时记为空",
            "2021年乡镇(街道)站在涉改乡镇占比：2021年内开放的乡镇(街道)站中，开放当日所在乡镇为涉改乡镇的比例（规划要求过半）",
            "合计为五县(区)之和；平均响应时长和满意度平均分为全市口径",
        ],
    }


# Of a township, the county's money figures: budgets, contracts and the 3% cap are set per county.
COUNTY_MONEY = ("budget", "contract_amount", "disbursed", "assistance_cap", "assistance_used", "assistance_headroom")


def county_build(store: ReadModelStore, deployment: Deployment, period: str) -> dict[str, Any]:
    """A county's own half-year report: a row per township, and the county's own figures as the total
    (facts at the county itself, such as its general station and its money, belong to no township)."""
    start, end = span(period)
    since, as_of = start.isoformat(), end.isoformat()
    county = deployment.scope
    codes = townships_of(store, county, as_of)
    names = store.names("area", as_of, [*codes, county])
    shown = views.township_case_counts(store, county, as_of, since)  # decided once for all the townships
    townships = []
    for code in codes:
        row = {"area_code": code, "name": names.get(code, code),
               **area_figures(store, code, since, as_of, deployment.city_code)}
        row |= shown.get(code, {})
        row["townships_covered"] = 1 if row["township_station"] > 0 else 0
        row |= dict.fromkeys(COUNTY_MONEY)
        row["unserved_townships"] = [{"area_code": t, "name": names.get(t)} for t in row["unserved_townships"]]
        townships.append(row)
    totals = area_figures(store, county, since, as_of, deployment.city_code)
    totals["unserved_townships"] = [{"area_code": t, "name": names.get(t)} for t in totals["unserved_townships"]]
    return {"report": "half_year_report", "period": period, "year": start.year, "since": since, "as_of": as_of,
            "area_code": county, "area_name": deployment.title_name, "title": title(deployment.title_name, period),
            "townships": townships, "totals": totals,
            "notes": ["存量数据截至半年末，流量数据为本半年内；"
                      "3%余额为全年口径（上年困难群众救助资金支出的3%减去年内已用）",
                      "全县(区)一行为本县(区)自身的数据（含设在县(区)一级的总站与资金），"
                      "不是各乡镇(街道)之和",
                      "资金、合同与3%上限按县(区)设立，只在全县(区)一行列示",
                      f"{GOAL_YEAR}年目标取登记服务发布的{GOAL_YEAR}年度目标；未发布则记为 0"]}


def document(content: dict[str, Any]) -> Document:
    """The city's report (a row per county, a 合计 row) or a county's (a row per township, the county's own row)."""
    sections = []
    rows_of, unit, total_label = content.get("counties"), "县(区)", "合计"
    if rows_of is None:
        rows_of, unit, total_label = content["townships"], "乡镇(街道)", "全县(区)"
    for heading, fields in FIELDS.items():
        columns = ["区划代码", unit] + [label for _, label, _ in fields]
        rows = [[c["area_code"], c["name"], *(number(c[key]) for key, _, _ in fields)] for c in rows_of]
        total = ["", total_label, *(number(content["totals"][key]) for key, _, _ in fields)]
        chart = None
        if heading == "网络建设":
            chart = Chart(
                "乡镇(街道)站：实际与年度目标",
                1,
                [columns.index("乡镇(街道)站"), columns.index("乡镇(街道)站·年度目标")],
            )
        elif heading == "资金与3%余额":
            chart = Chart("半年拨付与3%余额(元)", 1, [columns.index("半年拨付(元)"), columns.index("3%余额(元)")])
        elif heading == "个案、投诉与满意度":
            chart = Chart("满意度平均分", 1, [columns.index("满意度平均分")], 100)
        sections.append(
            Section(
                heading, columns, rows, total, chart, sheet=heading.replace("、", "").replace("%", "")[:30], font_size=7
            )
        )
    unserved = [f"{c['name']}：{'、'.join(t['name'] or t['area_code'] for t in c['unserved_townships'])}"
                for c in content.get("counties", []) if c["unserved_townships"]]
    if "townships" in content and content["totals"]["unserved_townships"]:
        unserved = ["、".join(t["name"] or t["area_code"] for t in content["totals"]["unserved_townships"])]
    sections[0].notes = list(content["notes"]) + (
        [f"尚未覆盖的乡镇(街道)（{'；'.join(unserved)}）"] if unserved else []
    )
    return Document(title=content["title"],
                    lines=[f"统计期 {content['since']} 至 {content['as_of']}", f"版本 v{content.get('version', '')}"],
                    sections=sections)
