"""Complaints (投诉): received, handled and closed, with response and resolution times."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from casework.api.dependencies import Casework, with_id
from casework.api.schemas import (
    CloseComplaint,
    ComplaintChannel,
    ComplaintId,
    ComplaintOut,
    ComplaintRow,
    HandleComplaint,
    ReceiveComplaint,
)

router = APIRouter(prefix="/complaints")


@router.post("", status_code=201, response_model=ComplaintId)
def receive_complaint(body: ReceiveComplaint, cw: Casework) -> ComplaintId:
    return ComplaintId(
        complaint_id=cw.receive_complaint(str(body.station_id), body.channel, body.summary, body.received_at,
                                          body.area_code)
    )


COMPLAINT_COLUMNS = [("complaint_id", "投诉编号"), ("station_id", "站点编号"), ("area_code", "行政区划代码"),
                     ("channel", "渠道"), ("status", "状态"), ("received_at", "受理时间"), ("handled_at", "处理时间"),
                     ("closed_at", "办结时间"), ("response_hours", "响应时长(小时)"),
                     ("resolution_hours", "办结时长(小时)")]


@router.get("", response_model=Page[ComplaintRow])
def list_complaints(cw: Casework, params: ListParamsDep, area: str | None = None, station_id: UUID | None = None,
                    status: Literal["received", "handled", "closed"] | None = None,
                    channel: ComplaintChannel | None = None, year: str | None = None,
                    month: str | None = None) -> Any:
    """Complaints under an area by status, channel and when received (never their summaries), or their 台账."""
    return list_response(cw.lists, "complaints", params, "投诉台账", COMPLAINT_COLUMNS, with_id("complaint_id"),
                         area_code=area, station_id=str(station_id) if station_id else None, status=status,
                         channel=channel.value if channel else None, received_at_year=year, received_at_month=month)


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
