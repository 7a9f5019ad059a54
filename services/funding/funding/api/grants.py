"""Subsidies and awards (补贴、奖励) and venture philanthropy rounds (公益创投): public money beyond purchase
contracts, each payment drawn on the area's budget of its source (409 when it is spent)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from funding.api.dependencies import AreaFilter, Funding, YearFilter
from funding.api.grant_schemas import (
    ApplicationOut,
    Apply,
    AwardGrant,
    AwardVenture,
    GrantOut,
    GrantRow,
    OpenRound,
    PaymentOut,
    PayVenture,
    RoundOut,
    RoundRow,
)
from funding.application.lists import GRANTS, VENTURE_ROUNDS, columns, presenter
from funding.domain.grant import Grant, VentureRound
from funding.domain.money import text
from funding.domain.vocabulary import GrantKind, SourceKind

router = APIRouter()


def grant_out(g: Grant) -> GrantOut:
    return GrantOut(grant_id=str(g.id), kind=g.kind.value, kind_label=g.kind.label, organisation=g.organisation,
                    purpose=g.purpose, area_code=g.area_code, funding_area_code=g.funding_area,
                    station_id=g.station_id, source=g.source.value, source_name=g.source.label,
                    amount=text(g.amount), awarded_on=g.awarded_on)


def _application_out(a: dict[str, Any]) -> ApplicationOut:
    return ApplicationOut(**{k: a[k] for k in ("application_no", "organisation", "project", "area_code",
                                               "station_id", "applied_on", "awarded_on")},
                          requested=text(a["requested"]), paid=text(a["paid"]),
                          awarded=text(a["awarded"]) if a["awarded"] is not None else None,
                          payments=[PaymentOut(amount=text(p["amount"]), paid_on=p["paid_on"]) for p in a["payments"]])


def round_out(v: VentureRound) -> RoundOut:
    return RoundOut(round_id=str(v.id), area_code=v.area_code, year=v.year, title=v.title, source=v.source.value,
                    source_name=v.source.label, budget=text(v.budget), awarded=text(v.awarded), paid=text(v.paid),
                    opened_on=v.opened_on, closes_on=v.closes_on,
                    applications=[_application_out(a) for a in v.applications], version=v.version)


@router.post("/grants", status_code=201, response_model=GrantOut)
def award_grant(body: AwardGrant, funding: Funding) -> GrantOut:
    station = str(body.station_id) if body.station_id else None
    return grant_out(funding.award_grant(body.kind, body.organisation, body.purpose, body.area_code, station,
                                         body.source, body.amount, body.awarded_on))


@router.get("/grants", response_model=Page[GrantRow])
def list_grants(params: ListParamsDep, funding: Funding, area: AreaFilter = None, year: YearFilter = None,
                kind: GrantKind | None = None, source: SourceKind | None = None) -> Any:
    """Subsidies and awards under an area (q: the organisation), by year, kind and source; or their 台账."""
    return list_response(funding.lists, "grants", params, "补贴奖励台账", columns(GRANTS), presenter("grants"),
                         area_code=area, year=year, kind=kind, source=source)


@router.get("/grants/{grant_id}", response_model=GrantOut)
def get_grant(grant_id: UUID, funding: Funding) -> GrantOut:
    return grant_out(funding.grant(grant_id))


@router.post("/venture-rounds", status_code=201, response_model=RoundOut)
def open_round(body: OpenRound, funding: Funding) -> RoundOut:
    return round_out(funding.open_venture_round(body.area_code, body.year, body.title, body.source, body.budget,
                                                body.opened_on, body.closes_on))


@router.get("/venture-rounds", response_model=Page[RoundRow])
def list_rounds(params: ListParamsDep, funding: Funding, area: AreaFilter = None, year: YearFilter = None) -> Any:
    """Venture philanthropy rounds under an area (q: the title), by year; or their 台账."""
    return list_response(funding.lists, "venture_rounds", params, "公益创投台账", columns(VENTURE_ROUNDS),
                         presenter("venture_rounds"), area_code=area, year=year)


@router.get("/venture-rounds/{round_id}", response_model=RoundOut)
def get_round(round_id: UUID, funding: Funding) -> RoundOut:
    return round_out(funding.venture_round(round_id))


@router.post("/venture-rounds/{round_id}/applications", status_code=201, response_model=RoundOut)
def apply(round_id: UUID, body: Apply, funding: Funding) -> RoundOut:
    station = str(body.station_id) if body.station_id else None
    return round_out(funding.apply_to_round(round_id, body.organisation, body.project, body.area_code, station,
                                            body.requested, body.applied_on))


@router.post("/venture-rounds/{round_id}/applications/{application_no}/award", response_model=RoundOut)
def award(round_id: UUID, application_no: int, body: AwardVenture, funding: Funding) -> RoundOut:
    return round_out(funding.award_venture(round_id, application_no, body.amount, body.awarded_on))


@router.post("/venture-rounds/{round_id}/applications/{application_no}/disbursements", status_code=201,
             response_model=RoundOut)
def disburse(round_id: UUID, application_no: int, body: PayVenture, funding: Funding) -> RoundOut:
    return round_out(funding.disburse_venture(round_id, application_no, body.amount, body.paid_on))
