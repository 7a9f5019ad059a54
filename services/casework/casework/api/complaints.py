"""Complaints (投诉): received, handled and closed, with response and resolution times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from pzh_shared.areas import AREA_CODE_PATTERN
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

# The longest text a resident may send from the public page (characters); staff may write more (5000).
RESIDENT_SUMMARY_MAX = 2000


class ResidentComplaint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    station_id: UUID
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="站点所在行政区划代码")
    summary: str = Field(min_length=1, max_length=RESIDENT_SUMMARY_MAX)


class Receipt(BaseModel):
    receipt: str
    received_at: datetime


class ReceiptStatus(BaseModel):
    """What a receipt shows a resident: the complaint's course, never its text nor the answer."""

    status: str = Field(description="received（已受理）、handled（处理中）或 closed（已办结）")
    received_at: datetime
    handled_at: datetime | None
    closed_at: datetime | None


# Reached only by the gateway's public complaint pages (gateway/public/), which check the township and the station
# first; the gateway forwards no /api route to them, so they stay out of the API document.
@router.post("/public", status_code=201, response_model=Receipt, include_in_schema=False)
def receive_resident_complaint(body: ResidentComplaint, cw: Casework) -> Receipt:
    received_at = datetime.now(UTC)
    receipt = cw.receive_resident_complaint(str(body.station_id), body.summary, received_at, body.area_code)
    return Receipt(receipt=receipt, received_at=received_at)


@router.get("/receipts/{receipt}", response_model=ReceiptStatus, include_in_schema=False)
def complaint_by_receipt(receipt: str, cw: Casework) -> ReceiptStatus:
    c = cw.complaint_by_receipt(receipt)
    return ReceiptStatus(status=c.status, received_at=c.received_at, handled_at=c.handled_at, closed_at=c.closed_at)


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
