"""The two metrics added for alerts of deploy/monitoring/alerts.yml that no earlier metric could carry:
`pzh_database_unavailable_responses_total` (PzhPostgresUnavailable) and `pzh_reports_missing_periods`
(PzhReportScheduleMissedPeriod): an app, an archive folder and a registry, and the last test the real reporting-api
process serving the missing periods at GET /metrics."""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.persistence import OperationalError, PersistenceError
from fastapi import FastAPI
from fastapi.testclient import TestClient
from localinfra.platform import Platform
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from pzh_shared.http import install_unavailable_handler
from pzh_shared.idempotency import unavailable
from reporting.consumers.schedule import MissingPeriodsCollector
from reporting.projections.facts import china_today
from reporting.reports.archive import ReportArchive
from reporting.reports.catalogue import KINDS

from .conftest import samples, scrape, wait_for

DB_UNAVAILABLE = "pzh_database_unavailable_responses_total"


def _db_unavailable() -> float:
    value = REGISTRY.get_sample_value(DB_UNAVAILABLE)
    assert value is not None, f"{DB_UNAVAILABLE} is not exported"
    return value


def test_every_database_unavailable_answer_is_counted():
    app = FastAPI()
    install_unavailable_handler(app)

    @app.post("/things")
    def store_thing() -> None:
        raise OperationalError("connection refused")  # what the event store raises while PostgreSQL is down

    before = _db_unavailable()
    client = TestClient(app)
    replies = [client.post("/things") for _ in range(3)]
    assert [r.json()["error"]["code"] for r in replies] == ["database_unavailable"] * 3
    assert _db_unavailable() == before + 3
    # The idempotency key table's own database errors answer the same 503, and count the same.
    status, _, _ = unavailable(PersistenceError("connection refused"))
    assert status == 503
    assert _db_unavailable() == before + 4


def _missing(archive: ReportArchive, today: date) -> dict[str, float]:
    registry = CollectorRegistry()
    registry.register(MissingPeriodsCollector(archive, today=lambda: today))
    text = generate_latest(registry).decode()
    return {s.labels["report"]: s.value for family in text_string_to_metric_families(text)
            for s in family.samples if s.name == "pzh_reports_missing_periods"}


def _closed(today: date) -> dict[str, list[str]]:
    """Every period of this year and last that ended before `today`, per report: what the schedule owes."""
    return {name: [p for year in (today.year - 1, today.year) for p in kind.periods(year) if kind.span(p)[1] < today]
            for name, kind in KINDS.items()}


def _store(archive: ReportArchive, report: str, period: str) -> None:
    archive.store(report, period, lambda version, generated_at: {"json": b'{"title": "t"}'})


def test_missing_periods_are_the_closed_ones_without_a_version(tmp_path):
    today = date(2026, 4, 15)
    archive = ReportArchive(tmp_path / "reports")
    closed = _closed(today)
    # Some periods generated (one of them twice: a version more is still one period), the rest not.
    done = {"quarterly_notice": closed["quarterly_notice"][:2], "monthly_dispatch": closed["monthly_dispatch"][-1:]}
    for report, periods in done.items():
        for period in periods:
            _store(archive, report, period)
    _store(archive, "quarterly_notice", closed["quarterly_notice"][0])
    expected = {name: float(len(periods) - len(done.get(name, []))) for name, periods in closed.items()}
    assert expected["quarterly_notice"] > 0 and expected["station_scorecard"] > 0  # the case is not empty
    assert _missing(archive, today) == expected

    for report, periods in closed.items():
        for period in periods:
            if period not in done.get(report, []):
                _store(archive, report, period)
    assert _missing(archive, today) == dict.fromkeys(KINDS, 0.0)  # every kind still exported, at 0


def test_a_period_counts_from_the_day_after_it_closes(tmp_path):
    """2026-Q1 ends on 31 March and the schedule generates it the day after: missing from 1 April, not before."""
    archive = ReportArchive(tmp_path / "reports")
    assert _missing(archive, date(2026, 3, 31))["quarterly_notice"] == 4  # 2025's four quarters
    assert _missing(archive, date(2026, 4, 1))["quarterly_notice"] == 5  # and 2026-Q1


@pytest.mark.platform  # starts reporting-api itself
def test_reporting_api_serves_the_missing_periods(kafka_bootstrap, tmp_path):
    """A new deployment's archive is empty: every period closed by today (this year and last) is missing."""
    platform = Platform(kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path)
    try:
        platform.start("reporting-api")
        page = wait_for(lambda: scrape(f"{platform.url('reporting-api')}/metrics"), what="reporting-api's metrics")
    finally:
        platform.stop_all()
    served = {dict(key)["report"]: value for key, value in samples(page, "pzh_reports_missing_periods").items()}
    # Computed on the day of the scrape; a test that straddles midnight in China could see one period more.
    assert served == {name: float(len(periods)) for name, periods in _closed(china_today()).items()}
