"""What the talent service's routes are given: the application, and the API's import limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from talent.application.service import TalentApplication

DEFAULT_MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _application(request: Request) -> TalentApplication:
    application: TalentApplication = request.app.state.application
    return application


def _max_import_bytes(request: Request) -> int:
    limit: int = getattr(request.app.state, "max_import_bytes", DEFAULT_MAX_IMPORT_BYTES)
    return limit


Talent = Annotated[TalentApplication, Depends(_application)]
MaxImportBytes = Annotated[int, Depends(_max_import_bytes)]
