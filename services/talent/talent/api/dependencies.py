"""What the talent service's routes are given: the application, and the API's import limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from pzh_shared.areas import AREA_CODE_PATTERN

from talent.application.service import TalentApplication

DEFAULT_MAX_IMPORT_BYTES = 10 * 1024 * 1024


def application(request: Request) -> TalentApplication:
    application: TalentApplication = request.app.state.application
    return application


def _max_import_bytes(request: Request) -> int:
    limit: int = getattr(request.app.state, "max_import_bytes", DEFAULT_MAX_IMPORT_BYTES)
    return limit


Talent = Annotated[TalentApplication, Depends(application)]
MaxImportBytes = Annotated[int, Depends(_max_import_bytes)]
# Every list's area filter: that area code and everything under it (the gateway defaults it to the caller's area).
Area = Annotated[str | None, Query(pattern=AREA_CODE_PATTERN, description="行政区划代码：该地区及其所有下级")]


def text(value: object | None) -> str | None:
    """A query parameter as the list index stores it (UUIDs and enums as text); None stays None (no filter)."""
    return None if value is None else str(value)
