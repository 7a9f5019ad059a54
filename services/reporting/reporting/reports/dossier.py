"""A county's dossier (issue 17 item 18): its record year by year on one page and as one file, as a county puts it
forward when it applies to a higher level (§三(二): the provincial pilots are to "培樹具有創新性、可復制、可推廣的典型
模式,發揮省級試點示范作用"): the year's targets and the stations per tier at its end, their levels, talent, community
organisations, money, township coverage and the county's rank in each of the year's quarterly notices.

Every figure is the read model's as of the year's last day (today for the current year), with the year's flows
from 1 January, computed by the same views the reports use; the ranks are those the city's quarterly notice of each
closed quarter gives (notice.build, the rules in force that quarter). County figures are exact (the small-number
rule concerns townships and villages)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pzh_shared.target_groups import TARGET_GROUPS

from reporting import views
from reporting.adapters.store import ReadModelStore
from reporting.deployment import deployment_for, parent_area
from reporting.reports import notice
from reporting.settings import ReportingSettings

MAX_YEARS = 10


class DossierError(ValueError):
    """A dossier that cannot be made (not a county, a bad span of years); the message is Chinese."""


def _rank(store: ReadModelStore, settings: ReportingSettings, county: str, year: int, today: date
          ) -> list[dict[str, Any]]:
    city = parent_area(county) or county
    ranks = []
    for q in range(1, 5):
        _, _, _, end = notice.quarter(f"{year}-Q{q}")
        if end >= today:
            break  # an open quarter has no notice yet
        deployment = deployment_for(store, settings, city, end.isoformat())
        if county not in deployment.counties:
            continue
        rows = notice.build(store, deployment, f"{year}-Q{q}")[notice.ROWS[deployment.child_tier]]
        row = next(r for r in rows if r["area_code"] == county)
        ranks.append({"period": f"{year}-Q{q}", "rank": row["rank"], "of": len(rows), "score": row["score"]})
    return ranks


def _year(store: ReadModelStore, settings: ReportingSettings, county: str, year: int, today: date) -> dict[str, Any]:
    as_of, since = min(date(year, 12, 31), today).isoformat(), date(year, 1, 1).isoformat()
    stations = views.stations(store, county, as_of, since)
    talent = views.talent(store, county, as_of, since)
    organisations = views.organisations(store, county, as_of, since)
    money = views.money(store, county, as_of, since)
    projects = views.projects(store, county, as_of, since)
    cases = views.cases(store, county, as_of, since)  # a county's: exact (the small-numbers rule is below it)
    coverage = views.township_coverage(store, county, as_of)
    modes = views.money_modes(store, county, as_of, since)["modes"]
    charity = views.charity(store, county, as_of, since)
    return {
        "year": year, "as_of": as_of,
        "targets": {tier: stations["targets"][tier] for tier in ("general_station", "township_station",
                                                                 "village_room")},
        "stations": stations["stations"], "levels": stations["levels"],
        "talent": {name: talent[name] for name in ("workers", "certified_workers", "heads", "volunteers",
                                                   "interns", "certifications", "volunteers_trained",
                                                   "guidance_visits")},
        "organisations": {"incubated": organisations["incubated"]["total"],
                          "registered": organisations["registered"], "agencies": organisations["agencies"]},
        "beneficiaries": projects["beneficiaries"]["in_period"],
        "cases_opened_by_group": cases["opened_by_group"],
        "money": {"budget": money["budget"]["total"], "contracts_signed": money["contracts"]["signed"],
                  "contract_amount": money["contracts"]["amount"], "disbursed": money["disbursed"]["total"]},
        "money_by_mode": {mode: modes[mode]["total"] for mode in views.MODES},
        "charity": {"needs_recorded": charity["needs"]["recorded"], "needs_met": charity["needs"]["met"],
                    "donation_points": charity["donation_points"]["open"],
                    **{f"{kind}s": charity["funds"][kind]["count"] for kind in views.FUND_KINDS},
                    **{f"{kind}_balance": charity["funds"][kind]["balance"] for kind in views.FUND_KINDS}},
        "coverage": coverage,
        "rankings": _rank(store, settings, county, year, today),
    }


def build(store: ReadModelStore, settings: ReportingSettings, county: str, first_year: int, last_year: int,
          today: date) -> dict[str, Any]:
    if len(county) != 6 or county.endswith("00"):
        raise DossierError(f"县(区)档案只为县(区)生成：{county} 不是县(区)级行政区划代码")
    if first_year > last_year or last_year > today.year or last_year - first_year >= MAX_YEARS:
        raise DossierError(f"年度范围(from_year {first_year}、to_year {last_year})应在今年以前、由早到晚，"
                           f"且不超过 {MAX_YEARS} 年")
    name = store.names("area", date(last_year, 12, 31).isoformat(), [county]).get(county)
    if name is None:
        raise DossierError(f"读模型中没有县(区) {county}")
    return {"county_code": county, "name": name, "from_year": first_year, "to_year": last_year,
            "years": [_year(store, settings, county, year, today) for year in range(first_year, last_year + 1)]}


def _group(code: str) -> Callable[[dict[str, Any]], int]:
    def figure(year: dict[str, Any]) -> int:
        return int(year["cases_opened_by_group"][code])
    return figure


def _mode(mode: str) -> Callable[[dict[str, Any]], str]:
    def figure(year: dict[str, Any]) -> str:
        return str(year["money_by_mode"][mode])
    return figure


def _rank_in(q: int) -> Callable[[dict[str, Any]], str]:
    def figure(year: dict[str, Any]) -> str:
        return next((f"{r['rank']}/{r['of']}" for r in year["rankings"] if r["period"].endswith(f"Q{q}")), "")
    return figure


# The file's rows: (label, the figure of one year).
ROWS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("总站·年度目标", lambda y: y["targets"]["general_station"]),
    ("乡镇(街道)站·年度目标", lambda y: y["targets"]["township_station"]),
    ("村(社区)室·年度目标", lambda y: y["targets"]["village_room"]),
    ("总站", lambda y: y["stations"]["general_station"]),
    ("乡镇(街道)站", lambda y: y["stations"]["township_station"]),
    ("村(社区)室", lambda y: y["stations"]["village_room"]),
    ("五有站点", lambda y: y["levels"].get("basic", 0)),
    ("标准化站点", lambda y: y["levels"].get("standard", 0)),
    ("三有站点", lambda y: y["levels"].get("professional", 0)),
    ("乡镇(街道)覆盖率", lambda y: y["coverage"].get("share")),
    ("社工", lambda y: y["talent"]["workers"]),
    ("持证社工", lambda y: y["talent"]["certified_workers"]),
    ("年度新增持证", lambda y: y["talent"]["certifications"]),
    ("站长", lambda y: y["talent"]["heads"]),
    ("注册志愿者", lambda y: y["talent"]["volunteers"]),
    ("在站实习生", lambda y: y["talent"]["interns"]),
    ("年度培训志愿者", lambda y: y["talent"]["volunteers_trained"]),
    ("年度督导次数", lambda y: y["talent"]["guidance_visits"]),
    ("年度培育社区社会组织", lambda y: y["organisations"]["incubated"]),
    ("年度登记社会组织", lambda y: y["organisations"]["registered"]),
    ("社会工作服务机构", lambda y: y["organisations"]["agencies"]),
    ("年度项目服务对象受益人数", lambda y: y["beneficiaries"]),
    *[(f"年度新开个案·{label}", _group(code)) for code, label in TARGET_GROUPS.items()],
    ("年度预算(元)", lambda y: y["money"]["budget"]),
    ("年度签订合同", lambda y: y["money"]["contracts_signed"]),
    ("年度合同金额(元)", lambda y: y["money"]["contract_amount"]),
    ("年度拨付(元)", lambda y: y["money"]["disbursed"]),
    *[(f"年度{label}(元)", _mode(mode)) for mode, label in views.MODES.items()],
    ("年度登记慈善需求", lambda y: y["charity"]["needs_recorded"]),
    ("年度对接慈善需求", lambda y: y["charity"]["needs_met"]),
    ("慈善捐赠点", lambda y: y["charity"]["donation_points"]),
    ("慈善专项基金", lambda y: y["charity"]["charity_funds"]),
    ("慈善专项基金余额(元)", lambda y: y["charity"]["charity_fund_balance"]),
    ("社区基金", lambda y: y["charity"]["community_funds"]),
    ("社区基金余额(元)", lambda y: y["charity"]["community_fund_balance"]),
    *[(f"第{q}季度通报排名", _rank_in(q)) for q in range(1, 5)],
]


def table(content: dict[str, Any]) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """The file's columns (the label, then one per year) and rows."""
    columns = [("label", "项目"), *((str(y["year"]), f"{y['year']}年") for y in content["years"])]
    rows = [{"label": label, **{str(y["year"]): figure(y) for y in content["years"]}} for label, figure in ROWS]
    return columns, rows
