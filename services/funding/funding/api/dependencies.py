"""What the funding service's routes are given: the application."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from pzh_shared.areas import AREA_CODE_PATTERN

from funding.application.service import FundingApplication


def _application(request: Request) -> FundingApplication:
    application: FundingApplication = request.app.state.application
    return application


Funding = Annotated[FundingApplication, Depends(_application)]


# The filters every funding list offers: an area code (that area and everything under it) and a year.
AreaFilter = Annotated[str | None, Query(pattern=AREA_CODE_PATTERN, description="行政区划代码：该区划及其下级")]
YearFilter = Annotated[int | None, Query(ge=2000, le=2100, description="年度")]
