"""Volunteers: registration (one, or many from the CSV of the national volunteer system), trainings, hours."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from talent.adapters.volunteer_csv import CsvFormatError, import_volunteers
from talent.api.dependencies import MaxImportBytes, Talent
from talent.api.schemas import (
    ImportedVolunteer,
    ImportProblem,
    ImportResult,
    RegisterVolunteer,
    Status,
    VolunteerHours,
    VolunteerId,
    VolunteerOut,
    VolunteerTraining,
)

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


@router.get("/{volunteer_id}", response_model=VolunteerOut)
def get_volunteer(volunteer_id: UUID, talent: Talent) -> VolunteerOut:
    return VolunteerOut.of(talent.volunteer(volunteer_id))


@router.post("/{volunteer_id}/trainings", status_code=201, response_model=Status)
def train_volunteer(volunteer_id: UUID, body: VolunteerTraining, talent: Talent) -> Status:
    talent.train_volunteer(volunteer_id, str(body.station_id), body.trained_on)
    return Status(status="recorded")


@router.post("/{volunteer_id}/hours", status_code=201, response_model=Status)
def log_hours(volunteer_id: UUID, body: VolunteerHours, talent: Talent) -> Status:
    talent.log_volunteer_hours(volunteer_id, body.hours, body.served_on)
    return Status(status="recorded")
