"""Complaints (投诉): received, handled and closed, with response and resolution times."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from casework.api.dependencies import Casework
from casework.api.schemas import CloseComplaint, ComplaintId, ComplaintOut, HandleComplaint, ReceiveComplaint

router = APIRouter(prefix="/complaints")


@router.post("", status_code=201, response_model=ComplaintId)
def receive_complaint(body: ReceiveComplaint, cw: Casework) -> ComplaintId:
    return ComplaintId(
        complaint_id=cw.receive_complaint(str(body.station_id), body.channel, body.summary, body.received_at)
    )


@router.get("/{complaint_id}", response_model=ComplaintOut)
def get_complaint(complaint_id: UUID, cw: Casework) -> ComplaintOut:
    return ComplaintOut.of(cw.complaint(complaint_id))


@router.post("/{complaint_id}/handling", response_model=ComplaintOut)
def handle_complaint(complaint_id: UUID, body: HandleComplaint, cw: Casework) -> ComplaintOut:
    cw.handle_complaint(complaint_id, body.action, body.handled_at)
    return ComplaintOut.of(cw.complaint(complaint_id))


@router.post("/{complaint_id}/closure", response_model=ComplaintOut)
def close_complaint(complaint_id: UUID, body: CloseComplaint, cw: Casework) -> ComplaintOut:
    cw.close_complaint(complaint_id, body.response, body.closed_at)
    return ComplaintOut.of(cw.complaint(complaint_id))
