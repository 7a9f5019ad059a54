"""The reporting rhythm, pure: which periods have closed without a report (what the schedule must
generate), and each report's status for a year (what the console shows)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from reporting.reports import rules as rules_file
from reporting.reports.catalogue import KINDS
from reporting.reports.rules import ReportingRules

# How far back the schedule catches up: the periods of the current and the previous calendar year.
CATCH_UP_YEARS = 1


def _archived(listing: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in listing:
        out.setdefault((entry["report"], entry["period"]), []).append(entry)
    return out


def due_periods(
    today: date, listing: list[dict[str, Any]], catch_up_years: int = CATCH_UP_YEARS
) -> list[tuple[str, str]]:
    """(report, period) of every period that ended before `today` (China date), in the current
    year or the `catch_up_years` before it, with no archived version yet; oldest period first."""
    archived = _archived(listing)
    due = []
    for year in range(today.year - catch_up_years, today.year + 1):
        for order, kind in enumerate(KINDS.values()):
            for period in kind.periods(year):
                end = kind.span(period)[1]
                if end < today and (kind.name, period) not in archived:
                    due.append((end, order, kind.name, period))
    return [(name, period) for _, _, name, period in sorted(due)]


def status(as_of: date, end: date, due_on: date, versions: int) -> str:
    if versions:
        return "done"
    if as_of <= end:
        return "upcoming"
    return "due" if as_of <= due_on else "overdue"


# What a county reports upward itself: the year-end shortlist is the city's (it commends counties), and the
# monthly dispatch is owed by the provincial pilot counties only.
COUNTY_REPORTS = ("quarterly_notice", "half_year_report", "station_scorecard")
PILOT_REPORTS = ("monthly_dispatch",)


def county_reports(county: str, pilot_counties: Iterable[str]) -> list[str]:
    """The reports a county owes of its own, in the catalogue's order."""
    owed = set(COUNTY_REPORTS) | (set(PILOT_REPORTS) if county in set(pilot_counties) else set())
    return [name for name in KINDS if name in owed]


def rhythm(area_code: str, as_of: date, listing: list[dict[str, Any]], city_name: str,
           reports: Iterable[str] | None = None, reporting_area: str | None = None,
           rules: ReportingRules | None = None) -> dict[str, Any]:
    """Every report of the as_of year (of `reports`, default all): its due date (by the deployment's calendar,
    `rules`, default the default file), status, number of versions and the latest downloads; titles name the
    area whose reports they are (`city_name`: the city's or a county's name), `reporting_area` (default:
    `area_code`)."""
    rules = rules or rules_file.load()
    archived = _archived(listing)
    items = []
    wanted = set(KINDS if reports is None else reports)
    for kind in (kind for kind in KINDS.values() if kind.name in wanted):
        for period in kind.periods(as_of.year):
            end = kind.span(period)[1]
            due_on = kind.due(end, rules)
            versions = sorted(archived.get((kind.name, period), []), key=lambda e: e["version"])
            latest = versions[-1] if versions else None
            items.append(
                {
                    "report": kind.name,
                    "label": kind.label,
                    "period": period,
                    "title": kind.title(city_name, period),
                    "closes_on": end.isoformat(),
                    "due_on": due_on.isoformat(),
                    "status": status(as_of, end, due_on, len(versions)),
                    "versions": len(versions),
                    "latest": None
                    if latest is None
                    else {"version": latest["version"], "generated_at": latest["generated_at"], **latest["files"]},
                }
            )
    items.sort(key=lambda item: (item["due_on"], item["report"]))
    return {"area_code": area_code, "reporting_area_code": reporting_area or area_code, "as_of": as_of.isoformat(),
            "items": items}
