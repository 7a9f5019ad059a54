"""The community charity needs ledger (慈善服务需求台账) and donation points (慈善捐赠点), under /charity
(domain/charity.py says why they live in funding)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from funding.api.dependencies import AreaFilter, Funding
from funding.api.grant_schemas import ClosePoint, MeetNeed, NeedOut, NeedRow, OpenPoint, PointOut, PointRow, RecordNeed
from funding.application.lists import CHARITY_NEEDS, DONATION_POINTS, columns, presenter
from funding.domain.charity import CharityNeed, DonationPoint
from funding.domain.vocabulary import CharityCategory

router = APIRouter(prefix="/charity")


def need_out(n: CharityNeed) -> NeedOut:
    met = n.met or {}
    return NeedOut(need_id=str(n.id), area_code=n.area_code, station_id=n.station_id, category=n.category.value,
                   category_label=n.category.label, summary=n.summary, recorded_on=n.recorded_on,
                   status="met" if n.met else "open", resource_kind=met.get("resource_kind"),
                   resource_id=met.get("resource_id"), resource_name=met.get("resource_name"),
                   met_on=met.get("met_on"))


def point_out(p: DonationPoint) -> PointOut:
    return PointOut(point_id=str(p.id), name=p.name, area_code=p.area_code, operator=p.operator,
                    location=p.location, opened_on=p.opened_on, status="closed" if p.closed_on else "open",
                    closed_on=p.closed_on)


@router.post("/needs", status_code=201, response_model=NeedOut)
def record_need(body: RecordNeed, funding: Funding) -> NeedOut:
    station = str(body.station_id) if body.station_id else None
    return need_out(funding.record_need(body.area_code, station, body.category, body.summary, body.recorded_on))


@router.get("/needs", response_model=Page[NeedRow])
def list_needs(params: ListParamsDep, funding: Funding, area: AreaFilter = None,
               category: CharityCategory | None = None, status: Literal["open", "met"] | None = None) -> Any:
    """The charity needs ledger under an area (q: the summary), by category and status; or as a file (台账)."""
    return list_response(funding.lists, "charity_needs", params, "社区慈善服务需求台账", columns(CHARITY_NEEDS),
                         presenter("charity_needs"), area_code=area, category=category, status=status)


@router.get("/needs/{charity_need_id}", response_model=NeedOut)
def get_need(charity_need_id: UUID, funding: Funding) -> NeedOut:
    return need_out(funding.need(charity_need_id))


@router.post("/needs/{charity_need_id}/meeting", response_model=NeedOut)
def meet_need(charity_need_id: UUID, body: MeetNeed, funding: Funding) -> NeedOut:
    resource = str(body.resource_id) if body.resource_id else None
    return need_out(funding.meet_need(charity_need_id, body.resource_kind, resource, body.resource_name, body.met_on))


@router.post("/donation-points", status_code=201, response_model=PointOut)
def open_point(body: OpenPoint, funding: Funding) -> PointOut:
    return point_out(funding.open_donation_point(body.name, body.area_code, body.operator, body.location,
                                                 body.opened_on))


@router.get("/donation-points", response_model=Page[PointRow])
def list_points(params: ListParamsDep, funding: Funding, area: AreaFilter = None,
                status: Literal["open", "closed"] | None = None) -> Any:
    """Donation points under an area (q: the name), by status; or their 台账."""
    return list_response(funding.lists, "donation_points", params, "社区慈善捐赠点台账", columns(DONATION_POINTS),
                         presenter("donation_points"), area_code=area, status=status)


@router.get("/donation-points/{charity_point_id}", response_model=PointOut)
def get_point(charity_point_id: UUID, funding: Funding) -> PointOut:
    return point_out(funding.donation_point(charity_point_id))


@router.post("/donation-points/{charity_point_id}/closing", response_model=PointOut)
def close_point(charity_point_id: UUID, body: ClosePoint, funding: Funding) -> PointOut:
    return point_out(funding.close_donation_point(charity_point_id, body.closed_on))
