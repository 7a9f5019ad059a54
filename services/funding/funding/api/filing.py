"""The filing queue: contracts and annual project plans waiting to be filed (备案) with the level above,
oldest first, with how long each has waited (a returned contract too: it is filed once corrected).
Filing goes upward (areas.filing_parties): a township's items are filed with its county, a county's with the
city, the city's with the province; so the queue of an area holds the waiting items under it, and `filed_with`
narrows it to those that area files itself."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pzh_shared.listing import ListParamsDep, Page, list_response

from funding.api.dependencies import AreaFilter, Funding
from funding.api.schemas import FilingQueueItem
from funding.application.lists import FILING_QUEUE, columns, presenter

router = APIRouter()

FiledWith = Annotated[str | None, Query(pattern=r"^\d{6}$", description="受理备案的机关(6 位代码)")]


@router.get("/filing-queue", response_model=Page[FilingQueueItem])
def filing_queue(params: ListParamsDep, funding: Funding, area: AreaFilter = None,
                 type: Literal["contract", "plan"] | None = None, status: Literal["pending", "returned"] | None = None,
                 filed_with: FiledWith = None) -> Any:
    """What waits to be filed under an area (q: the agency or plan title); sort=since is oldest first."""
    export = [*columns(FILING_QUEUE), ("waiting_days", "已等待天数")]
    return list_response(funding.lists, "filing_queue", params, "待备案事项", export,
                         presenter("filing_queue", funding.today()), area_code=area, type=type,
                         status=status, filed_with=filed_with)
