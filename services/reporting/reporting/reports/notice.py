"""The quarterly notice (季度通报): every area one tier down (a city's counties, a province's cities) measured
against its station targets and the stations' yearly quotas at the end of a quarter, scored and ranked; a
county's notice ranks its townships (township_notice.py). The scoring is published in
services/reporting/README.md ("Quarterly notice scoring"); keep the two in step. The weights and quotas are
the deployment's rules in force on the quarter's last day (reports/rules.py), never constants here."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from reporting.adapters.store import ReadModelStore
from reporting.deployment import TIER_LABELS, Deployment
from reporting.reports.render import Chart, Document, Section, number
from reporting.reports.rules import RuleVersion
from reporting.views import average, headroom, yuan

# component -> its Chinese label, in the published order (the weights are the rules'; they add up to 100)
LABELS = {
    "general_station": "社会工作服务总站",
    "township_station": "乡镇(街道)社会工作服务站",
    "village_room": "村(社区)社会工作服务室",
    "certifications": "新增持证社工",
    "organisations": "社区社会组织培育",
    "volunteers_trained": "志愿者培训",
}
# The content's key for the rows of each tier (a city's notice has always listed `counties`).
ROWS = {"county": "counties", "city": "cities"}
FIGURE_LABELS = {
    "cases_opened": "新开个案", "open_cases": "在办个案", "escalations": "儿童虐待疑似上报", "referrals": "政策转介",
    "complaints": "投诉", "average_response_hours": "平均响应时长(小时)", "satisfaction": "满意度平均分",
    "disbursed": "已拨付资金(元)", "assistance_headroom": "社会救助购买服务3%余额(元)",
}
PERIOD = re.compile(r"^(\d{4})-Q([1-4])$")


def quarter(period: str) -> tuple[int, int, date, date]:
    match = PERIOD.match(period)
    if not match:
        raise ValueError(f"季度格式应为 YYYY-Qn，例如 2024-Q1：{period!r}")
    year, q = int(match[1]), int(match[2])
    end = date(year, 3 * q, 31 if q in (1, 4) else 30)
    return year, q, date(year, 1, 1), end


def _dec(value: Fraction, places: str = "0.01") -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _component(actual: int, target: Fraction, weight: int) -> dict[str, Any]:
    ratio = Fraction(1) if target == 0 else min(Fraction(1), Fraction(actual) / target)
    return {"actual": actual, "target": str(_dec(target)), "completion": str(_dec(ratio, "0.0001")),
            "points": str(_dec(ratio * weight)), "_exact": ratio * weight}


def title(city_name: str, period: str) -> str:
    year, q, _, _ = quarter(period)
    return f"{city_name}社会工作服务体系建设{year}年第{'一二三四'[q - 1]}季度通报"


def quota_kind(tier: str, provincial_pilot: bool) -> str:
    """pilot_township | other | none: which quotas a station bears, the rule talent evaluates by
    (talent.domain.quotas.station_kind; tests/test_quota_stations.py checks both on the same stations).
    §二(三)(四) and A2 §3.1.4-3.1.5 set them for the 社會工作服務站, the township (street) tier; village rooms,
    general stations and institution stations bear none."""
    if tier != "township_station":
        return "none"
    return "pilot_township" if provincial_pilot else "other"


def quota_counts(store: ReadModelStore, code: str, as_of: str, since: str) -> dict[str, int]:
    """The area's quota-bearing stations on `as_of` (open that day and of a kind with quotas) as `pilots` and
    `others`, and the quota figures of the period counted at those stations only, as talent counts them per
    station: certifications, volunteers trained, and organisations (incubated at the others, registered at the
    pilots). Facts of a village room or a general station count towards no quota."""
    bearing = {sid: quota_kind(tier, bool(pilot)) for (sid, tier, pilot), n in
               store.sums("stations", code, as_of, by=("station", "k1", "pilot")).items() if n > 0}
    bearing = {sid: kind for sid, kind in bearing.items() if kind != "none"}

    def at(figure: str, kind: str | None = None) -> int:
        return sum(n for (sid,), n in store.sums(figure, code, as_of, since, by=("station",)).items()
                   if sid in bearing and kind in (None, bearing[sid]))

    return {"pilots": sum(kind == "pilot_township" for kind in bearing.values()),
            "others": sum(kind == "other" for kind in bearing.values()),
            "certifications": at("certifications"), "volunteers_trained": at("volunteers_trained"),
            "organisations": at("organisations_incubated", "other") + at("organisations_registered", "pilot_township")}


def county_row(store: ReadModelStore, code: str, name: str, year: int, q: int, since: str, as_of: str,
               rule: RuleVersion) -> dict[str, Any]:
    """An area's scored row (a county, or a city of a province: its counties' targets and stations summed)."""
    share = Fraction(q, 4)
    weights, quotas = rule.notice_weights, rule.station_quotas
    stations = {k1: n for (k1,), n in store.sums("stations", code, as_of, by=("k1",)).items()}
    targets = {k1: n for (k1, k2), n in store.sums("targets", code, as_of).items() if k2 == str(year)}
    counts = quota_counts(store, code, as_of, since)
    pilots, others = counts["pilots"], counts["others"]
    quota_stations = pilots + others
    components = {tier: _component(stations.get(tier, 0), Fraction(targets.get(tier, 0)), weights[tier])
                  for tier in ("general_station", "township_station", "village_room")}
    components["certifications"] = _component(
        counts["certifications"],
        quotas.certified_per_station * quota_stations * share,
        weights["certifications"],
    )
    organisations_target = (quotas.organisations_registered_pilot * pilots
                            + quotas.organisations_incubated_other * others) * share
    components["organisations"] = _component(counts["organisations"], organisations_target, weights["organisations"])
    components["volunteers_trained"] = _component(
        counts["volunteers_trained"],
        quotas.volunteers_per_station * quota_stations * share,
        weights["volunteers_trained"],
    )
    exact = sum((c.pop("_exact") for c in components.values()), Fraction(0))
    return {"area_code": code, "name": name, "quota_stations": {"pilot": pilots, "other": others},
            "score": str(_dec(exact)), "_exact": exact, "components": components,
            "figures": figures_of(store, code, year, since, as_of)}


def figures_of(store: ReadModelStore, code: str, year: int, since: str, as_of: str) -> dict[str, Any]:
    """The notice's unscored figures of an area."""
    closed = store.total("complaints_closed", code, as_of, since)
    surveys = store.total("surveys", code, as_of, since)
    open_cases = sum(n for (_, stage), n in store.sums("cases", code, as_of).items() if stage != "closed")
    figures: dict[str, Any] = {
        "cases_opened": store.total("cases_opened", code, as_of, since),
        "open_cases": open_cases,
        "escalations": store.total("escalations", code, as_of, since),
        "referrals": sum(n for (_, k2), n in store.sums("referrals", code, as_of, since).items() if k2 == "referred"),
        "complaints": store.total("complaints_received", code, as_of, since),
        "average_response_hours": average(store.total("complaint_response_hours", code, as_of, since), closed),
        "satisfaction": average(store.total("survey_score", code, as_of, since), surveys),
        "disbursed": yuan(store.total("disbursed", code, as_of, since)),
        "assistance_headroom": headroom(store, code, year, as_of)["headroom"],
    }
    return figures


def ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Highest exact score first; equal scores share a rank (1, 2, 2, 4), listed by area code."""
    rows.sort(key=lambda r: (-r["_exact"], r["area_code"]))
    rank, previous = 0, None
    for position, row in enumerate(rows, start=1):
        if row["_exact"] != previous:
            rank, previous = position, row["_exact"]
        row["rank"] = rank
        del row["_exact"]
    return rows


def build(store: ReadModelStore, deployment: Deployment, period: str) -> dict[str, Any]:
    """The notice's content for a past (or current) quarter; figures as of the quarter's last day,
    flows from 1 January of its year; the areas one tier down ranked by the rules in force that day."""
    year, q, start, end = quarter(period)
    since, as_of = start.isoformat(), end.isoformat()
    if deployment.child_tier == "township":
        from reporting.reports.township_notice import township_notice  # it builds on this module's rules

        return township_notice(store, deployment, period)
    rule = deployment.rules_on(as_of)
    rows = ranked([county_row(store, code, name, year, q, since, as_of, rule)
                   for code, name in deployment.counties.items()])
    totals = {name: {"actual": sum(r["components"][name]["actual"] for r in rows),
                     "target": str(sum(Decimal(r["components"][name]["target"]) for r in rows))} for name in LABELS}
    totals["disbursed"] = str(sum(Decimal(r["figures"]["disbursed"]) for r in rows))
    for name in ("cases_opened", "open_cases", "escalations", "referrals", "complaints"):
        totals[name] = sum(r["figures"][name] for r in rows)
    return {
        "report": "quarterly_notice", "period": period, "year": year, "quarter": q, "since": since, "as_of": as_of,
        "title": title(deployment.title_name, period),
        "scoring": {"weights": dict(rule.notice_weights),
                    "labels": dict(LABELS),
                    "quota_share": f"{q}/4",
                    "formula": "得分 = Σ 权重 × min(1, 实际完成 / 目标)；目标为 0 的项按完成计"},
        ROWS[deployment.child_tier]: rows, "totals": totals,
    }


def document(content: dict[str, Any]) -> Document:
    """The layout of a city's notice (`counties` ranked), a province's (`cities`) or a county's (`townships`)."""
    if "townships" in content:
        from reporting.reports.township_notice import township_document

        return township_document(content)
    key = next(key for key in ROWS.values() if key in content)
    return _county_document(content, key, TIER_LABELS[next(t for t, k in ROWS.items() if k == key)])


def _county_document(content: dict[str, Any], key: str = "counties", label: str = "县(区)") -> Document:
    """The layout: a wide table with every component (XLSX), a compact one (PDF), the score chart,
    the unscored figures and the scoring rule; the weights are the content's own (its rules' version)."""
    weights = content["scoring"]["weights"]
    header = ["排名", "区划代码", label, "综合得分"]
    for name, caption in LABELS.items():
        header += [f"{caption}·实际", f"{caption}·目标", f"{caption}·得分(满分{weights[name]})"]
    header += list(FIGURE_LABELS.values())
    rows = []
    for county in content[key]:
        row: list[Any] = [county["rank"], county["area_code"], county["name"], number(county["score"])]
        for name in LABELS:
            c = county["components"][name]
            row += [c["actual"], number(c["target"]), number(c["points"])]
        row += [number(county["figures"][k]) for k in FIGURE_LABELS]
        rows.append(row)
    totals = content["totals"]
    total: list[Any] = ["", "", "合计", None]
    for name in LABELS:
        total += [totals[name]["actual"], number(totals[name]["target"]), None]
    total += [number(totals.get(key)) for key in FIGURE_LABELS]
    compact = [[county["rank"], county["name"], county["score"]]
               + [f"{c['actual']}/{c['target']}\n{c['points']}" for c in (county["components"][n] for n in LABELS)]
               for county in content[key]]
    scoring = content["scoring"]
    return Document(
        title=content["title"],
        lines=[
            f"统计截至 {content['as_of']}（累计自 {content['since']}）",
            f"版本 v{content.get('version', '')}",
            f"评分：{scoring['formula']}；季度配额按全年的 {scoring['quota_share']} 计",
        ],
        sections=[
            Section(
                f"各{label}得分与排名",
                header,
                rows,
                total,
                Chart(f"各{label}综合得分", 2, [3]),
                sheet="季度通报",
                pdf=False,
            ),
            Section(
                f"各{label}得分与排名（实际/目标，得分）",
                ["排名", label, "得分"] + [f"{caption}\n(满分{weights[n]})" for n, caption in LABELS.items()],
                compact,
                chart=Chart(f"各{label}综合得分", 1, [2], 100),
            ),
            Section(
                "其他工作数据（不计分）",
                [label] + list(FIGURE_LABELS.values()),
                [[county["name"]] + [county["figures"][k] for k in FIGURE_LABELS] for county in content[key]],
                font_size=7,
            ),
            Section(
                "评分办法",
                ["指标", "权重"],
                [[caption, weights[n]] for n, caption in LABELS.items()],
                notes=[scoring["formula"]],
                sheet="评分办法",
                pdf=False,
            ),
        ],
    )
