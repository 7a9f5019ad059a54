"""Projects under purchase-of-service contracts, and casework's copy of those contracts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from casework.api.dependencies import Casework, with_id
from casework.api.schemas import (
    AdvanceProject,
    Beneficiaries,
    ContractOut,
    Evaluation,
    ProjectId,
    ProjectOut,
    ProjectRow,
    ProjectStage,
    ServiceDomain,
    StartProject,
)

router = APIRouter()


@router.get("/contracts/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: UUID, cw: Casework) -> ContractOut:
    return ContractOut.of(cw.known_contract(str(contract_id)))


@router.post("/projects", status_code=201, response_model=ProjectId)
def start_project(body: StartProject, cw: Casework) -> ProjectId:
    return ProjectId(
        project_id=cw.start_project(
            str(body.contract_id), str(body.station_id), body.domain, body.title, body.started_on, body.area_code
        )
    )


PROJECT_COLUMNS = [("project_id", "项目编号"), ("title", "项目名称"), ("station_id", "站点编号"),
                   ("area_code", "行政区划代码"), ("contract_id", "合同编号"), ("domain", "服务领域"),
                   ("stage", "阶段"), ("started_on", "开始日期"), ("beneficiaries", "受益人数"), ("score", "绩效评分")]


@router.get("/projects", response_model=Page[ProjectRow])
def list_projects(cw: Casework, params: ListParamsDep, area: str | None = None, station_id: UUID | None = None,
                  stage: ProjectStage | None = None, domain: ServiceDomain | None = None,
                  contract_id: UUID | None = None, year: str | None = None, month: str | None = None) -> Any:
    """Projects under an area (q: the title; year/month: when they started), or their 台账 with format=xlsx."""
    if params.sort in ("stage", "-stage"):
        params.sort = params.sort.replace("stage", "stage_no")
    return list_response(cw.lists, "projects", params, "项目台账", PROJECT_COLUMNS, with_id("project_id"),
                         area_code=area, station_id=str(station_id) if station_id else None,
                         stage=stage.value if stage else None, domain=domain.value if domain else None,
                         contract_id=str(contract_id) if contract_id else None, started_on_year=year,
                         started_on_month=month)


@router.get("/projects/{project_id}", response_model=ProjectOut)
def get_project(project_id: UUID, cw: Casework) -> ProjectOut:
    return ProjectOut.of(cw.project(project_id))


@router.post("/projects/{project_id}/stage", response_model=ProjectOut)
def advance_project(project_id: UUID, body: AdvanceProject, cw: Casework) -> ProjectOut:
    cw.advance_project(project_id, body.stage, body.on, body.expected_version)
    return ProjectOut.of(cw.project(project_id))


@router.post("/projects/{project_id}/beneficiaries", response_model=ProjectOut)
def record_beneficiaries(project_id: UUID, body: Beneficiaries, cw: Casework) -> ProjectOut:
    cw.record_beneficiaries(project_id, body.beneficiaries, body.on, body.expected_version)
    return ProjectOut.of(cw.project(project_id))


@router.post("/projects/{project_id}/evaluation", response_model=ProjectOut)
def evaluate_project(project_id: UUID, body: Evaluation, cw: Casework) -> ProjectOut:
    cw.evaluate_project(project_id, body.score, body.on, body.expected_version)
    return ProjectOut.of(cw.project(project_id))
