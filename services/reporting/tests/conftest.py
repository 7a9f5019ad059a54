"""Fixtures shared by the reporting service's test modules."""

from __future__ import annotations

import pytest
from reporting.adapters.store import ReadModelStore
from reporting.projections.router import project
from reporting.reports.archive import ReportArchive
from reporting.scenario import build
from reporting.settings import ReportingSettings


@pytest.fixture(scope="module")
def scenario_reports(tmp_path_factory):
    """The synthetic year (seed 2024) in a fresh read model, an empty archive and the city's settings."""
    root = tmp_path_factory.mktemp("reports")
    store = ReadModelStore(root / "rm.sqlite")
    store.apply((e.id, e.type, project(e.type, e.data)) for _, e in build(seed=2024).events)
    return store, ReportArchive(root / "reports", "510400"), ReportingSettings(city_code="510400")
