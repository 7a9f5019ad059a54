"""The casework service's HTTP app: one router per resource, built on the shared service skeleton
(domain errors mapped to HTTP in one place, Idempotency-Key, GET /health). Field names in English,
messages in Simplified Chinese.

Every read of a case file or a client record names who reads (`X-User`) and why (`X-Purpose`): both
headers are required (422 without them) and each read is written to the append-only read audit
before it is answered."""

from __future__ import annotations

from fastapi import FastAPI
from pzh_shared.service import create_service_app

from casework.api import audit, cases, clients, complaints, projects, queues, surveys
from casework.api.errors import ERRORS, FIELD_LABELS
from casework.application.service import CaseworkApplication


def create_app(application: CaseworkApplication) -> FastAPI:
    routers = [
        clients.router,
        cases.router,
        audit.router,
        projects.router,
        complaints.router,
        surveys.router,
        queues.router,
    ]
    return create_service_app("casework", "0.1.0", application, routers, ERRORS, FIELD_LABELS)
