"""The read-model store's adapters and the choice between them (REPORTING_READ_MODEL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reporting.adapters.store import SqlReadModel
    from reporting.settings import ReportingSettings


def open_store(settings: ReportingSettings) -> SqlReadModel:
    """The live read models the settings name: <DATA_DIR>/reporting.sqlite, or the live schema of PostgreSQL."""
    if settings.read_model == "postgres":
        from reporting.adapters.postgres import PostgresReadModelStore, conninfo_of

        return PostgresReadModelStore(conninfo_of(settings))
    from reporting.adapters.store import ReadModelStore

    return ReadModelStore(settings.data_dir / "reporting.sqlite")
