"""The year-end commendation shortlist (年终表彰): the deployment's counties scored on the quarterly
notice's published scoring with the full-year quota share (as of 31 December, flows from 1
January), ranked, and the top ones shortlisted for the year-end on-site meeting. Rule in
services/reporting/README.md ("Year-end commendation shortlist")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reporting.adapters.store import ReadModelStore
from reporting.deployment import Deployment, NotForArea
from reporting.reports.notice import LABELS, county_row, ranked
from reporting.reports.render import Chart, Document, Section, number
from reporting.reports.years import span

SHORTLIST_RANK = 2  # ranks 1 and 2 (a tie at rank 2 takes every county sharing it)
SHORTLIST_MIN_SCORE = Decimal(60)  # and never a county below a pass mark, however the others did


def title(city_name: str, period: str) -> str:
    return f"{city_name}社会工作服务体系建设{int(period)}年度表彰推荐名单"


def build(store: ReadModelStore, deployment: Deployment, period: str) -> dict[str, Any]:
    if deployment.for_county:  # the year-end on-site meeting is the city's, and it commends counties (§三(二))
        raise NotForArea("年终表彰推荐名单只由市级生成：表彰对象为各县(区)，县(区)请生成季度通报（第四季度即全年排名）")
    start, end = span(period)
    since, as_of = start.isoformat(), end.isoformat()
    rule = deployment.rules_on(as_of)
    rows = ranked([county_row(store, code, name, start.year, 4, since, as_of, rule)
                   for code, name in deployment.counties.items()])
    for row in rows:
        row["shortlisted"] = row["rank"] <= SHORTLIST_RANK and Decimal(row["score"]) >= SHORTLIST_MIN_SCORE
    return {
        "report": "year_end_shortlist",
        "period": period,
        "year": start.year,
        "since": since,
        "as_of": as_of,
        "title": title(deployment.title_name, period),
        "rule": {
            "scoring": "季度通报评分办法，配额按全年（4/4）计，截至 12 月 31 日",
            "shortlist": (
                f"综合得分排名前 {SHORTLIST_RANK} 位（并列同名次者一并列入）"
                f"且得分不低于 {SHORTLIST_MIN_SCORE} 分"
            ),
            "max_rank": SHORTLIST_RANK,
            "min_score": str(SHORTLIST_MIN_SCORE),
            "weights": dict(rule.notice_weights),
        },
        "counties": rows,
        "shortlist": [r["name"] for r in rows if r["shortlisted"]],
    }


def document(content: dict[str, Any]) -> Document:
    weights = content["rule"]["weights"]
    columns = (
        ["排名", "区划代码", "县(区)", "综合得分"]
        + [f"{label}(满分{weights[n]})" for n, label in LABELS.items()]
        + ["推荐表彰"]
    )
    rows = [[c["rank"], c["area_code"], c["name"], number(c["score"]),
             *(number(c["components"][n]["points"]) for n in LABELS), "是" if c["shortlisted"] else "否"]
            for c in content["counties"]]
    detail_columns = ["县(区)"] + [f"{label}·实际/目标" for label in LABELS.values()]
    detail = [[c["name"], *(f"{c['components'][n]['actual']}/{c['components'][n]['target']}" for n in LABELS)]
              for c in content["counties"]]
    shortlist = "、".join(content["shortlist"]) or "无"
    return Document(
        title=content["title"],
        lines=[
            f"统计截至 {content['as_of']}（累计自 {content['since']}）",
            f"版本 v{content.get('version', '')}",
            f"推荐表彰：{shortlist}",
        ],
        sections=[
            Section(
                "各县(区)年度得分与排名",
                columns,
                rows,
                chart=Chart("各县(区)年度综合得分", 2, [3], 100),
                sheet="年终表彰",
                notes=[f"评分：{content['rule']['scoring']}", f"推荐规则：{content['rule']['shortlist']}"],
            ),
            Section("各项实际完成与全年目标", detail_columns, detail, sheet="完成情况"),
        ],
    )
