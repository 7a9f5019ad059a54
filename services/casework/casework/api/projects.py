"""Projects under purchase-of-service contracts, and casework's copy of those contracts."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from casework.api.dependencies import Casework
from casework.api.schemas import (
    AdvanceProject,
    Beneficiaries,
    ContractOut,
    Evaluation,
    ProjectId,
    ProjectOut,
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
            str(body.contract_id), str(body.station_id), body.domain, body.title, body.started_on
        )
    )


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
