"""The registry's HTTP app: one router per resource, built on the shared service skeleton (domain
errors mapped to HTTP in one place, Idempotency-Key, GET /health)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pzh_shared.service import create_service_app

from registry.api import areas, progress, service_items, stations
from registry.api.errors import ERRORS, FIELD_LABELS
from registry.application.service import RegistryApplication


def create_app(application: RegistryApplication) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        application.seed()  # the city, its counties and the 2021 targets, once
        yield

    return create_service_app("registry", "0.2.0", application, [areas.router, stations.router, progress.router,
                               service_items.router],
                              ERRORS, FIELD_LABELS, lifespan)
