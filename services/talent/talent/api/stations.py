"""What talent knows per station: its head (任免), its yearly quotas, and who guides it with the log of their visits
(指导, 督导记录)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from talent.api.dependencies import Talent
from talent.api.schemas import (
    AppointHead,
    AssignGuidance,
    EndGuidance,
    GuidanceOut,
    HeadAppointed,
    HeadOut,
    HeadRelieved,
    QuotasOut,
    RecordVisit,
    RelieveHead,
    VisitRecorded,
)

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


@router.put("/guidance", response_model=GuidanceOut)
def assign_guidance(station_id: UUID, body: AssignGuidance, talent: Talent) -> GuidanceOut:
    """From `guided_from` the station is guided by these certified workers, or this agency, of its county."""
    talent.assign_guidance(str(station_id), body.guide_kind, [str(g) for g in body.guide_ids], body.guided_from)
    return GuidanceOut.of(str(station_id), talent.station_guidance(str(station_id)))


@router.post("/guidance/end", response_model=GuidanceOut)
def end_guidance(station_id: UUID, body: EndGuidance, talent: Talent) -> GuidanceOut:
    talent.end_guidance(str(station_id), body.on)
    return GuidanceOut.of(str(station_id), talent.station_guidance(str(station_id)))


@router.post("/guidance/visits", status_code=201, response_model=VisitRecorded)
def record_visit(station_id: UUID, body: RecordVisit, talent: Talent) -> VisitRecorded:
    visit_id = talent.record_guidance_visit(str(station_id), body.visited_on, str(body.guide_id), body.mode,
                                            body.hours, body.topics)
    return VisitRecorded(visit_id=visit_id)


@router.get("/guidance", response_model=GuidanceOut)
def get_guidance(station_id: UUID, talent: Talent) -> GuidanceOut:
    """Who guides the station (and guided it), and every guidance visit recorded."""
    return GuidanceOut.of(str(station_id), talent.station_guidance(str(station_id)))
