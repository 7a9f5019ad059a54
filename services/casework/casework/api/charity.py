"""Charity (慈善): donation points at stations and the ledger of needs matched to donors."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from casework.api.dependencies import Casework
from casework.api.schemas import DonationPointId, MatchNeed, NeedId, NeedOut, RecordNeed, RegisterDonationPoint

router = APIRouter()


@router.post("/donation-points", status_code=201, response_model=DonationPointId)
def register_donation_point(body: RegisterDonationPoint, cw: Casework) -> DonationPointId:
    return DonationPointId(donation_point_id=cw.register_donation_point(str(body.station_id), body.name, body.on))


@router.post("/needs", status_code=201, response_model=NeedId)
def record_need(body: RecordNeed, cw: Casework) -> NeedId:
    return NeedId(need_id=cw.record_need(str(body.station_id), body.category, body.summary, body.quantity, body.on))


@router.get("/needs/{need_id}", response_model=NeedOut)
def get_need(need_id: UUID, cw: Casework) -> NeedOut:
    return NeedOut.of(cw.need(need_id))


@router.post("/needs/{need_id}/match", response_model=NeedOut)
def match_need(need_id: UUID, body: MatchNeed, cw: Casework) -> NeedOut:
    cw.match_need(need_id, body.donation_point_id, body.donor_kind, body.amount, body.on)
    return NeedOut.of(cw.need(need_id))
