"""The talent service's HTTP app: one router per resource, built on the shared service skeleton
(domain errors mapped to HTTP in one place, Idempotency-Key, GET /health). Field names in English,
messages in Simplified Chinese."""

from __future__ import annotations

from fastapi import FastAPI
from pzh_shared.service import create_service_app

from talent.api import agencies, guidance, interns, organisations, personal, quotas, stations, volunteers, workers
from talent.api.dependencies import DEFAULT_MAX_IMPORT_BYTES
from talent.api.errors import ERRORS, FIELD_LABELS
from talent.application.service import TalentApplication


def create_app(application: TalentApplication, max_import_bytes: int = DEFAULT_MAX_IMPORT_BYTES) -> FastAPI:
    routers = [
        workers.router,
        stations.router,
        volunteers.router,
        interns.router,
        organisations.router,
        agencies.router,
        guidance.router,
        quotas.router,
        personal.router,
        personal.audit_router,
    ]
    app = create_service_app("talent", "0.1.0", application, routers, ERRORS, FIELD_LABELS)
    app.state.max_import_bytes = max_import_bytes  # the volunteer CSV import's limit (dependencies.MaxImportBytes)
    return app
