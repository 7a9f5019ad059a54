"""The one line CI shows when the KurrentDB part of the event-store contract suite was not run."""

from __future__ import annotations

import os

import pytest

NOT_RUN = "KurrentDB event-store contract suite NOT RUN: no KURRENTDB_URI (no KurrentDB server can run on this machine)"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # pytest -q hides prints; the summary is shown at any verbosity. Only when the contract suite was collected.
    reports = [r for kind in ("passed", "failed", "error") for r in terminalreporter.stats.get(kind, [])]
    ran_contract = any("test_event_store_contract" in getattr(r, "nodeid", "") for r in reports)
    if ran_contract and not os.environ.get("KURRENTDB_URI"):
        terminalreporter.write_line(NOT_RUN)
