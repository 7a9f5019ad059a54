"""Scheduled reports: a Faust crontab on the worker generates every report whose period has closed
(China time) and has no version yet; the rhythm (reports/rhythm.py) says which. Idempotent: a
period with a version is left alone, so runs can repeat (every hour by default) and a worker that
was down catches up on its next run. Only the group leader runs it, so two workers do not race."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from datetime import date

import faust
from prometheus_client.core import GaugeMetricFamily

from reporting.adapters import open_store
from reporting.adapters.store import ReadModel
from reporting.projections.facts import CHINA, china_today
from reporting.reports.archive import ReportArchive, archive_for
from reporting.reports.catalogue import KINDS
from reporting.reports.render import FontMissing
from reporting.reports.rhythm import CATCH_UP_YEARS, due_periods
from reporting.reports.service import generate_if_missing
from reporting.settings import ReportingSettings

log = logging.getLogger(__name__)


def generate_due(store: ReadModel, archive: ReportArchive, today: date, font: str = "",
                 catch_up_years: int = CATCH_UP_YEARS, settings: ReportingSettings | None = None) -> list[dict]:
    """Generates every due report (blocking: run it in a thread); returns the versions written."""
    written = []
    for report, period in due_periods(today, archive.listing(), catch_up_years):
        meta = generate_if_missing(store, archive, report, period, font, settings)
        if meta is not None:
            log.info("scheduled report generated: %s %s v%s", report, period, meta["version"])
            written.append(meta)
    return written


class MissingPeriodsCollector:
    """`pzh_reports_missing_periods{report}`: the periods the schedule's next run would generate (closed, China time,
    in its catch-up window, no version in the archive), read from the archive at each scrape. reporting-api registers
    it, so the count stands while the worker that runs the schedule is down (alert PzhReportScheduleMissedPeriod,
    deploy/monitoring/alerts.yml). A failed read of the archive fails the scrape: the target goes down, loudly."""

    NAME = "pzh_reports_missing_periods"

    def __init__(self, archive: ReportArchive, today: Callable[[], date] = china_today):
        self.archive = archive
        self.today = today

    def describe(self) -> Iterable[GaugeMetricFamily]:
        yield GaugeMetricFamily(self.NAME, "", labels=["report"])

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(self.NAME, "Closed report periods (this year and last) without a version in the "
                                   "archive: the schedule's next run generates them", labels=["report"])
        missing = Counter(report for report, _ in due_periods(self.today(), self.archive.listing()))
        for report in KINDS:  # every kind, 0 included: a series that is there says the count was read
            family.add_metric([report], missing[report])
        return [family]


async def run_schedule(store: ReadModel, archive: ReportArchive, font: str = "", today: date | None = None,
                       catch_up_years: int = CATCH_UP_YEARS, settings: ReportingSettings | None = None) -> list[dict]:
    """The timer's job (called directly by tests with a fixed day)."""
    day = today or china_today()
    try:
        return await asyncio.to_thread(generate_due, store, archive, day, font, catch_up_years, settings)
    except FontMissing as exc:  # keep the worker projecting; the next run tries again
        log.error("scheduled reports not generated: %s", exc)
        return []


def register_schedule(app: faust.App, settings: ReportingSettings) -> Callable[..., Awaitable[list[dict]]] | None:
    """Adds the reporting crontab (REPORTING_SCHEDULE_CRON, Asia/Shanghai; empty: no schedule) and
    returns its job, which tests call directly."""
    if not settings.schedule_cron:
        return None
    archive = archive_for(settings)
    readers: list[ReadModel] = []

    async def generate_scheduled_reports(today: date | None = None) -> list[dict]:
        # Its own connection to the read models the agents write (the file `python -m reporting worker`
        # opens): on the agents' connection a report could read a batch halfway through its transaction.
        if not readers:
            readers.append(open_store(settings))
        return await run_schedule(readers[0], archive, settings.cjk_font, today, settings=settings)

    async def on_schedule() -> None:
        # No parameters: Faust passes the app to a task whose function takes one, which would arrive as `today`.
        await generate_scheduled_reports()

    app.crontab(settings.schedule_cron, timezone=CHINA, on_leader=True)(on_schedule)
    return generate_scheduled_reports
