"""The one line CI shows when the KurrentDB part of the event-store contract suite was not run."""

from __future__ import annotations

import os

import pytest

NOT_RUN = "KurrentDB event-store contract suite NOT RUN: no KURRENTDB_URI (no KurrentDB server can run on this machine)"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # pytest -q hides prints; the summary is shown at any verbosity. Only when the contract suite or the services'
    # KurrentDB tests (test_kurrent_service.py, skipped without a server) were collected.
    reports = [r for kind in ("passed", "failed", "error", "skipped") for r in terminalreporter.stats.get(kind, [])]
    ran_contract = any(name in getattr(r, "nodeid", "") for r in reports
                       for name in ("test_event_store_contract", "test_kurrent_service"))
    if ran_contract and not os.environ.get("KURRENTDB_URI"):
        terminalreporter.write_line(NOT_RUN)
