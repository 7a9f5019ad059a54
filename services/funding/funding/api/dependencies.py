"""What the funding service's routes are given: the application."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from funding.application.service import FundingApplication


def _application(request: Request) -> FundingApplication:
    application: FundingApplication = request.app.state.application
    return application


Funding = Annotated[FundingApplication, Depends(_application)]
