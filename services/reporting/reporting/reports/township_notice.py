"""A county's own quarterly notice (县(区)季度通报): the county's townships scored and ranked where the
city's notice ranks counties, with the same scoring rules one tier down. The rule is published in
services/reporting/README.md ("A county's quarterly notice"); keep the two in step.

One tier down, a township has no targets of its own (the registry sets them per county) and no general
station (one per county), so the components scored are those a township's facts answer: its township
station (the 2025 goal: every township served, by its own station or a covering one) and the three yearly
station quotas; their weights (15 + 20 + 20 + 20 = 75) are scaled to 100."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from reporting import views
from reporting.adapters.store import ReadModelStore
from reporting.deployment import Deployment, townships_of
from reporting.reports.notice import (
    FIGURE_LABELS,
    LABELS,
    _component,
    _dec,
    figures_of,
    quarter,
    quota_counts,
    ranked,
    title,
)
from reporting.reports.render import Chart, Document, Section, number
from reporting.reports.rules import RuleVersion

COMPONENTS = ("township_station", "certifications", "organisations", "volunteers_trained")
# Money is the county's (budgets, contracts and the 3% cap are set per county): shown once, for the county.
MONEY = ("disbursed", "assistance_headroom")
TOWNSHIP_FIGURES = {key: label for key, label in FIGURE_LABELS.items() if key not in MONEY}


def scale(rule: RuleVersion) -> Fraction:
    """The township components' weights (75 with the plan's) scaled to 100."""
    scored = sum(rule.notice_weights[name] for name in COMPONENTS)
    return Fraction(100, scored) if scored else Fraction(0)


def formula(rule: RuleVersion) -> str:
    scored = sum(rule.notice_weights[name] for name in COMPONENTS)
    return f"得分 = Σ 权重 × min(1, 实际完成 / 目标) × 100/{scored}；目标为 0 的项按完成计"


def tier_rule(rule: RuleVersion) -> str:
    scored = sum(rule.notice_weights[name] for name in COMPONENTS)
    return ("乡镇(街道)不设总站与年度建站目标（目标按县(区)下达），"
            "故按乡镇(街道)站覆盖（目标 1）与站点三项年度配额评分，"
            f"权重 {scored} 分折算为 100 分；本乡镇(街道)没有乡镇(街道)站的（含由片区站覆盖的）按 1 个站点的配额计")


def township_row(store: ReadModelStore, code: str, name: str, served: bool, year: int, q: int, since: str,
                 as_of: str, rule: RuleVersion) -> dict[str, Any]:
    share = Fraction(q, 4)
    weights, quotas = rule.notice_weights, rule.station_quotas
    counts = quota_counts(store, code, as_of, since)  # the quota-bearing stations and their facts only
    pilots, others = counts["pilots"], counts["others"]
    # Every township bears at least one station's quotas: one without a station of its own (unserved, or served
    # by a covering station whose facts count where it sits) has nothing towards them, so it ranks below its host.
    quota_pilots, quota_others = (pilots, others) if pilots + others else (0, 1)
    quota_stations = quota_pilots + quota_others
    organisations_target = (quotas.organisations_registered_pilot * quota_pilots
                            + quotas.organisations_incubated_other * quota_others) * share
    components = {
        "township_station": _component(1 if served else 0, Fraction(1), weights["township_station"]),
        "certifications": _component(counts["certifications"],
                                     quotas.certified_per_station * quota_stations * share, weights["certifications"]),
        "organisations": _component(counts["organisations"], organisations_target,
                                    weights["organisations"]),
        "volunteers_trained": _component(counts["volunteers_trained"],
                                         quotas.volunteers_per_station * quota_stations * share,
                                         weights["volunteers_trained"]),
    }
    exact = sum((c.pop("_exact") for c in components.values()), Fraction(0)) * scale(rule)
    figures = {key: value for key, value in figures_of(store, code, year, since, as_of).items() if key not in MONEY}
    return {"area_code": code, "name": name, "served": served, "township_stations": {"pilot": pilots, "other": others},
            "score": str(_dec(exact)), "_exact": exact, "components": components, "figures": figures}


def township_notice(store: ReadModelStore, deployment: Deployment, period: str) -> dict[str, Any]:
    """The county's notice for a quarter: its townships ranked; figures as of the quarter's last day."""
    year, q, start, end = quarter(period)
    since, as_of = start.isoformat(), end.isoformat()
    county = deployment.scope
    codes = townships_of(store, county, as_of)
    served = {code for (code,), n in store.sums("served_townships", county, as_of, by=("area",)).items() if n > 0}
    names = store.names("area", as_of, codes)
    rule = deployment.rules_on(as_of)
    rows = ranked([township_row(store, code, names.get(code, code), code in served, year, q, since, as_of, rule)
                   for code in codes])
    totals: dict[str, Any] = {name: {"actual": sum(r["components"][name]["actual"] for r in rows),
                                     "target": str(sum((Decimal(r["components"][name]["target"]) for r in rows),
                                                       Decimal("0.00")))} for name in COMPONENTS}
    for key in ("cases_opened", "open_cases", "escalations", "referrals", "complaints"):
        totals[key] = sum(r["figures"][key] for r in rows)
    # the county's totals are exact; its townships' person counts are shown under the small-numbers rule
    shown = views.township_case_counts(store, county, as_of, since)
    for row in rows:
        row["figures"] |= shown.get(row["area_code"], {})
    own = figures_of(store, county, year, since, as_of)
    totals |= {key: own[key] for key in MONEY}
    return {
        "report": "quarterly_notice", "period": period, "year": year, "quarter": q, "since": since, "as_of": as_of,
        "area_code": county, "area_name": deployment.title_name, "title": title(deployment.title_name, period),
        "scoring": {"weights": {name: rule.notice_weights[name] for name in COMPONENTS},
                    "labels": {name: LABELS[name] for name in COMPONENTS},
                    "quota_share": f"{q}/4", "scale": f"{scale(rule).numerator}/{scale(rule).denominator}",
                    "formula": formula(rule), "tier_rule": tier_rule(rule)},
        "townships": rows, "totals": totals,
    }


def township_document(content: dict[str, Any]) -> Document:
    """The layout: every component (XLSX), a compact table with the score chart (PDF), the unscored figures."""
    labels = content["scoring"]["labels"]
    weights = content["scoring"]["weights"]
    header = ["排名", "区划代码", "乡镇(街道)", "综合得分"]
    for name in COMPONENTS:
        header += [f"{labels[name]}·实际", f"{labels[name]}·目标", f"{labels[name]}·得分(满分{weights[name]})"]
    header += list(TOWNSHIP_FIGURES.values())
    rows = []
    for township in content["townships"]:
        row: list[Any] = [township["rank"], township["area_code"], township["name"], number(township["score"])]
        for name in COMPONENTS:
            c = township["components"][name]
            row += [c["actual"], number(c["target"]), number(c["points"])]
        row += [number(township["figures"][key]) for key in TOWNSHIP_FIGURES]
        rows.append(row)
    totals = content["totals"]
    total: list[Any] = ["", "", "合计", None]
    for name in COMPONENTS:
        total += [totals[name]["actual"], number(totals[name]["target"]), None]
    total += [number(totals.get(key)) for key in TOWNSHIP_FIGURES]
    compact = [[t["rank"], t["name"], t["score"]]
               + [f"{c['actual']}/{c['target']}\n{c['points']}" for c in (t["components"][n] for n in COMPONENTS)]
               for t in content["townships"]]
    scoring = content["scoring"]
    return Document(
        title=content["title"],
        lines=[f"统计截至 {content['as_of']}（累计自 {content['since']}）", f"版本 v{content.get('version', '')}",
               f"评分：{scoring['formula']}；季度配额按全年的 {scoring['quota_share']} 计",
               f"全县(区)已拨付资金 {totals['disbursed']} 元，"
               f"社会救助购买服务3%余额 {totals['assistance_headroom']} 元"],
        sections=[
            Section("各乡镇(街道)得分与排名", header, rows, total, Chart("各乡镇(街道)综合得分", 2, [3]),
                    sheet="季度通报", pdf=False),
            Section("各乡镇(街道)得分与排名（实际/目标，得分）",
                    ["排名", "乡镇(街道)", "得分"] + [f"{labels[n]}\n(满分{weights[n]})" for n in COMPONENTS],
                    compact, chart=Chart("各乡镇(街道)综合得分", 1, [2], 100)),
            Section("其他工作数据（不计分）", ["乡镇(街道)"] + list(TOWNSHIP_FIGURES.values()),
                    [[t["name"]] + [t["figures"][k] for k in TOWNSHIP_FIGURES] for t in content["townships"]],
                    font_size=7),
            Section("评分办法", ["指标", "权重"], [[labels[n], weights[n]] for n in COMPONENTS],
                    notes=[scoring["formula"], scoring["tier_rule"]], sheet="评分办法", pdf=False),
        ])
