"""What the registry's routes are given: the application, and the day a question is asked of."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from registry.application.service import RegistryApplication


def _application(request: Request) -> RegistryApplication:
    application: RegistryApplication = request.app.state.application
    return application


def _as_of(as_of: Annotated[date | None, Query(description="截至日期 (as of), 默认今天")] = None) -> date:
    return as_of or date.today()


Registry = Annotated[RegistryApplication, Depends(_application)]
AsOf = Annotated[date, Depends(_as_of)]
