"""Volunteers: registration (one, or many from the CSV of the national volunteer system), trainings, hours."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pzh_shared.listing import ListParamsDep, Page, list_response

from talent.adapters.volunteer_csv import CsvFormatError, import_volunteers
from talent.api.dependencies import Area, MaxImportBytes, Talent, text
from talent.api.schemas import (
    ImportedVolunteer,
    ImportProblem,
    ImportResult,
    RegisterVolunteer,
    Status,
    VolunteerHours,
    VolunteerId,
    VolunteerOut,
    VolunteerRow,
    VolunteerTraining,
)
from talent.application.lists import COLUMNS, with_people

router = APIRouter(prefix="/volunteers")


@router.post("", status_code=201, response_model=VolunteerId)
def register_volunteer(body: RegisterVolunteer, talent: Talent) -> VolunteerId:
    return VolunteerId(
        volunteer_id=talent.register_volunteer(
            body.name,
            body.id_number,
            body.phone,
            body.volunteer_number,
            str(body.station_id),
            body.registered_on,
            trained_on=body.trained_on,
        )
    )


@router.post("/import", response_model=ImportResult)
async def import_csv(
    request: Request,
    talent: Talent,
    max_import_bytes: MaxImportBytes,
    station_id: UUID | None = None,
    hours_as_of: date | None = None,
) -> ImportResult:
    data = await request.body()
    if len(data) > max_import_bytes:  # the request's size, refused before any row is read
        raise CsvFormatError(f"文件超过 {max_import_bytes // (1024 * 1024)} MiB，请分批导入")
    report = await run_in_threadpool(
        import_volunteers, talent, data, str(station_id) if station_id else None, hours_as_of
    )
    return ImportResult(
        imported=len(report.imported),
        failed=len(report.errors),
        volunteers=[ImportedVolunteer(line=line, volunteer_id=str(vid)) for line, vid in report.imported],
        errors=[ImportProblem(line=e.line, problems=e.problems) for e in report.errors],
    )


@router.get("", response_model=Page[VolunteerRow])
def list_volunteers(
    params: ListParamsDep,
    talent: Talent,
    area: Area = None,
    station_id: UUID | None = None,
    trained: bool | None = None,
    id_number: Annotated[str | None, Query(max_length=32, description="身份证号码：精确匹配")] = None,
    volunteer_number: Annotated[str | None, Query(max_length=32, description="志愿者编号：精确匹配")] = None,
) -> Page[dict[str, Any]] | Response:
    """志愿者台账。q 按姓名检索：姓名属个人信息，加密存储，列表只保存其密钥散列，故只能精确匹配全名；
    id_number、volunteer_number 同样精确匹配。sort：registered_on、hours、area_code（前加 - 为倒序）。"""
    return list_response(talent.lists, "volunteers", params, "志愿者台账", COLUMNS["volunteers"],
                         with_people(talent, "volunteer_id"), area_code=area, station_id=text(station_id),
                         trained=trained, name=params.q, id_number=id_number, volunteer_number=volunteer_number)


@router.get("/{volunteer_id}", response_model=VolunteerOut)
def get_volunteer(volunteer_id: UUID, talent: Talent) -> VolunteerOut:
    volunteer = talent.volunteer(volunteer_id)
    return VolunteerOut.of(volunteer, talent.identity(volunteer))


@router.post("/{volunteer_id}/trainings", status_code=201, response_model=Status)
def train_volunteer(volunteer_id: UUID, body: VolunteerTraining, talent: Talent) -> Status:
    talent.train_volunteer(volunteer_id, str(body.station_id), body.trained_on)
    return Status(status="recorded")


@router.post("/{volunteer_id}/hours", status_code=201, response_model=Status)
def log_hours(volunteer_id: UUID, body: VolunteerHours, talent: Talent) -> Status:
    talent.log_volunteer_hours(volunteer_id, body.hours, body.served_on)
    return Status(status="recorded")
