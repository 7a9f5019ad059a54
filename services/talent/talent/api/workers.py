"""Social workers: registration, station and agency employment, exams, certificates, trainings."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pzh_shared.listing import ListParamsDep, Page, list_response

from talent.api.dependencies import Area, Talent, text
from talent.api.schemas import (
    AssignWorker,
    Certify,
    ElderlyCare,
    EmployAtAgency,
    ExamRegistration,
    ExamResult,
    ExamSitting,
    RegisterWorker,
    Status,
    Training,
    WorkerId,
    WorkerLeaves,
    WorkerOut,
    WorkerRow,
)
from talent.application.lists import COLUMNS, with_people
from talent.domain.vocabulary import Employment, Level

router = APIRouter(prefix="/workers")


@router.post("", status_code=201, response_model=WorkerId)
def register_worker(body: RegisterWorker, talent: Talent) -> WorkerId:
    return WorkerId(
        worker_id=talent.register_worker(
            body.name, body.id_number, body.phone, body.registered_on, body.role, body.area_code
        )
    )


@router.get("", response_model=Page[WorkerRow])
def list_workers(
    params: ListParamsDep,
    talent: Talent,
    area: Area = None,
    station_id: UUID | None = None,
    employment: Employment | None = None,
    certified: bool | None = None,
    certificate_level: Level | None = None,
    status: Literal["active", "left", "unassigned"] | None = None,
    id_number: Annotated[str | None, Query(max_length=32, description="身份证号码：精确匹配")] = None,
) -> Page[dict[str, Any]] | Response:
    """社工台账。q 按姓名检索：姓名属个人信息，加密存储，列表只保存其密钥散列，故只能精确匹配全名（不支持模糊检索）；
    id_number 同样精确匹配。sort：registered_on、certified_on、area_code（前加 - 为倒序）。"""
    return list_response(talent.lists, "workers", params, "社工台账", COLUMNS["workers"],
                         with_people(talent, "worker_id"), area_code=area, station_id=text(station_id),
                         employment=employment, certified=certified, certificate_level=certificate_level,
                         status=status, name=params.q, id_number=id_number)


@router.get("/{worker_id}", response_model=WorkerOut)
def get_worker(worker_id: UUID, talent: Talent) -> WorkerOut:
    worker = talent.worker(worker_id)
    return WorkerOut.of(worker, talent.identity(worker))


@router.post("/{worker_id}/assignment", response_model=Status)
def assign(worker_id: UUID, body: AssignWorker, talent: Talent) -> Status:
    talent.assign_worker(worker_id, str(body.station_id), body.employment, body.assigned_on)
    return Status(status="assigned")


@router.post("/{worker_id}/agency-employment", response_model=Status)
def employ_at_agency(worker_id: UUID, body: EmployAtAgency, talent: Talent) -> Status:
    talent.employ_at_agency(worker_id, body.agency_id, body.employment, body.employed_on)
    return Status(status="employed")


@router.post("/{worker_id}/departure", response_model=Status)
def leave(worker_id: UUID, body: WorkerLeaves, talent: Talent) -> Status:
    talent.worker_leaves(worker_id, body.left_on)
    return Status(status="left")


@router.post("/{worker_id}/exams", response_model=Status)
def register_for_exam(worker_id: UUID, body: ExamRegistration, talent: Talent) -> Status:
    talent.register_for_exam(worker_id, body.level, body.exam_year)
    return Status(status="registered")


@router.post("/{worker_id}/exams/sitting", response_model=Status)
def sit_exam(worker_id: UUID, body: ExamSitting, talent: Talent) -> Status:
    talent.sit_exam(worker_id, body.level, body.exam_year, body.sat_on)
    return Status(status="sat")


@router.post("/{worker_id}/exams/result", response_model=Status)
def exam_result(worker_id: UUID, body: ExamResult, talent: Talent) -> Status:
    talent.record_exam_result(worker_id, body.level, body.exam_year, body.passed)
    return Status(status="recorded")


@router.post("/{worker_id}/certification", response_model=Status)
def certify(worker_id: UUID, body: Certify, talent: Talent) -> Status:
    talent.certify(worker_id, body.level, body.certified_on)
    return Status(status="certified")


@router.post("/{worker_id}/elderly-care", response_model=Status)
def elderly_care(worker_id: UUID, body: ElderlyCare, talent: Talent) -> Status:
    talent.specialise_in_elderly_care(worker_id, body.specialised_on)
    return Status(status="specialised")


@router.post("/{worker_id}/trainings", status_code=201, response_model=Status)
def training(worker_id: UUID, body: Training, talent: Talent) -> Status:
    station_id = str(body.station_id) if body.station_id else None
    talent.complete_training(worker_id, body.kind, body.hours, body.completed_on, station_id)
    return Status(status="recorded")
