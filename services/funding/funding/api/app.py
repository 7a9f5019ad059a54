"""The funding service's HTTP app: one router per resource, built on the shared service skeleton
(domain errors mapped to HTTP in one place, Idempotency-Key, GET /health). Field names in English,
messages in Simplified Chinese; amounts are decimal strings in yuan (api/schemas.py)."""

from __future__ import annotations

from fastapi import FastAPI
from pzh_shared.service import create_service_app

from funding.api import budgets, cap, charity, contracts, disbursements, filing, funds, grants, plans
from funding.api.errors import ERRORS, FIELD_LABELS
from funding.application.service import FundingApplication


def create_app(application: FundingApplication) -> FastAPI:
    routers = [budgets.router, cap.router, contracts.router, disbursements.router, filing.router, plans.router,
               grants.router, funds.router, charity.router]
    return create_service_app("funding", "0.1.0", application, routers, ERRORS, FIELD_LABELS)
