"""The five reports of the plan's rhythm (§三(二) "four ones" plus the annual station evaluation):
how each names its periods and when a period closes (the schedule generates it the day after). When it is
due is the deployment's calendar (reports/rules.py, the version in force on the period's last day); the
default calendar is published in services/reporting/README.md ("Reporting rhythm")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from reporting.adapters.store import ReadModelStore
from reporting.deployment import Deployment
from reporting.reports import halfyear, monthly_dispatch, notice, scorecard, shortlist, years
from reporting.reports.render import Document
from reporting.reports.rules import ReportingRules


@dataclass(frozen=True)
class ReportKind:
    name: str  # archive name
    label: str
    span: Callable[[str], tuple[date, date]]  # period -> first and last day; ValueError (in Chinese) if malformed
    periods: Callable[[int], list[str]]  # the periods of a calendar year, in order
    title: Callable[[str, str], str]  # (the city's name, period) -> the report's title
    build: Callable[[ReadModelStore, Deployment, str], dict[str, Any]]
    document: Callable[[dict[str, Any]], Document]

    @property
    def slug(self) -> str:
        return self.name.replace("_", "-")

    def due(self, end: date, rules: ReportingRules) -> date:
        """The day the period ending on `end` is due, by the calendar in force on that day."""
        return rules.at(end).due_on(self.name, end)


def _quarter_span(period: str) -> tuple[date, date]:
    _, _, start, end = notice.quarter(period)
    return date(end.year, end.month - 2, 1), end


KINDS: dict[str, ReportKind] = {
    kind.name: kind
    for kind in (
        ReportKind(
            "monthly_dispatch",
            "月度调度",
            monthly_dispatch.span,
            monthly_dispatch.periods,
            monthly_dispatch.title,
            monthly_dispatch.build,
            monthly_dispatch.document,
        ),
        ReportKind(
            "quarterly_notice",
            "季度通报",
            _quarter_span,
            lambda y: [f"{y}-Q{q}" for q in range(1, 5)],
            notice.title,
            notice.build,
            notice.document,
        ),
        ReportKind(
            "half_year_report",
            "半年报告",
            halfyear.span,
            halfyear.periods,
            halfyear.title,
            halfyear.build,
            halfyear.document,
        ),
        ReportKind(
            "year_end_shortlist",
            "年终表彰",
            years.span,
            years.periods,
            shortlist.title,
            shortlist.build,
            shortlist.document,
        ),
        ReportKind(
            "station_scorecard",
            "乡镇社工站年度评估",
            years.span,
            years.periods,
            scorecard.title,
            scorecard.build,
            scorecard.document,
        ),
    )
}
BY_SLUG = {kind.slug: kind for kind in KINDS.values()}
