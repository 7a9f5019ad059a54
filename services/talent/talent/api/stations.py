"""What talent knows per station: its head (任免) and its yearly quotas."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from talent.api.dependencies import Talent
from talent.api.schemas import AppointHead, HeadAppointed, HeadOut, HeadRelieved, QuotasOut, RelieveHead

router = APIRouter(prefix="/stations/{station_id}")


@router.put("/head", response_model=HeadAppointed)
def appoint_head(station_id: UUID, body: AppointHead, talent: Talent) -> HeadAppointed:
    staffing = talent.appoint_head(str(station_id), body.worker_id, body.appointed_on, body.designated_by)
    return HeadAppointed(station_id=str(station_id), worker_id=str(body.worker_id), appointed_on=body.appointed_on,
                         designated_by=staffing.designated_by)


@router.post("/head/relief", response_model=HeadRelieved)
def relieve_head(station_id: UUID, body: RelieveHead, talent: Talent) -> HeadRelieved:
    worker_id = talent.relieve_head(str(station_id), body.relieved_on)
    return HeadRelieved(station_id=str(station_id), worker_id=str(worker_id), relieved_on=body.relieved_on)


@router.get("/head", response_model=HeadOut)
def get_head(station_id: UUID, talent: Talent) -> HeadOut:
    staffing = talent.head_of(str(station_id))
    return HeadOut(
        station_id=str(station_id),
        worker_id=staffing.head_id if staffing else None,
        since=staffing.head_since if staffing else None,
        designated_by=staffing.designated_by if staffing else None,
    )


@router.get("/quotas/{year}", response_model=QuotasOut)
def quotas(station_id: UUID, year: int, talent: Talent) -> QuotasOut:
    """The kind (pilot_township: 省级试点乡镇站; other: 其他站点) follows from the registry's facts
    about the station (tier, provincial_pilot), consumed from registry.events; 404 until known."""
    profile, results = talent.station_quotas(str(station_id), year)
    return QuotasOut.of(str(station_id), year, profile, results)
