"""The read API's app: one router per resource, mounted here in the order their paths need."""

from __future__ import annotations

from fastapi import FastAPI
from pzh_shared.http import install_error_handlers
from pzh_shared.listing import ListError
from pzh_shared.service import Health

from reporting.adapters.store import ReadModelStore
from reporting.api import dossiers, read_models, reports, rhythm, rules
from reporting.deployment import rules_of
from reporting.reports.archive import ReportArchive
from reporting.settings import ReportingSettings


def _health() -> Health:
    return Health(status="ok")


def create_app(store: ReadModelStore, archive: ReportArchive | None = None, cjk_font: str = "",
               settings: ReportingSettings | None = None) -> FastAPI:
    """`settings` name the deployment's city (else read from the environment now); `cjk_font`, when
    given, is the font of PDF reports in place of the settings' own."""
    settings = settings or ReportingSettings()
    app = FastAPI(title=f"{settings.system_name} · reporting", version="0.2.0")
    install_error_handlers(app, {ListError: (422, "invalid_query")},  # a list query no list can answer
                           {"effective_from": "生效日期", "version": "规则版本", "expected_version": "期望版本"})
    rules_of(settings)  # a missing or malformed rules file stops the start, not the first report
    if cjk_font:
        settings = settings.model_copy(update={"cjk_font": cjk_font})
    if archive is not None and not archive.root_area:
        archive.root_area = settings.city_code  # the reports at the archive's root are the city's
    app.state.store, app.state.archive, app.state.settings = store, archive, settings
    app.include_router(reports.router)
    app.include_router(rhythm.router)
    app.include_router(dossiers.router)
    app.include_router(rules.router)
    app.include_router(read_models.router)  # last: its /read-models/{figure}/{area} would take the others' paths
    app.add_api_route("/health", _health, methods=["GET"], response_model=Health)
    return app
