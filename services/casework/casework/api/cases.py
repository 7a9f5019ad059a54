"""Cases (个案): opened for a client, taken through their stages, referred, transferred, escalated;
every read or export of a case file is audited first."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from casework.api.dependencies import Casework, OptionalUser, Purpose, User, with_id
from casework.api.schemas import (
    AdvanceCase,
    Approval,
    AssessRisk,
    AssignWorker,
    CaseExport,
    CaseFile,
    CaseOpened,
    CaseRow,
    CaseStage,
    CaseState,
    Dated,
    Escalated,
    Note,
    OpenCase,
    Refer,
    ReferralOutcomeBody,
    Referred,
    RiskLevel,
    Transfer,
)
from casework.domain.errors import CaseworkError

router = APIRouter(prefix="/cases")


CASE_COLUMNS = [("case_id", "个案编号"), ("stage_name", "阶段"), ("stage_since", "本阶段开始日期"),
                ("status", "状态"), ("risk_level", "风险等级"), ("worker", "负责社工"), ("station_id", "站点编号"),
                ("area_code", "行政区划代码"), ("opened_on", "开案日期"), ("next_step_name", "下一步"),
                ("due_on", "期限")]


@router.get("", response_model=Page[CaseRow])
def list_cases(cw: Casework, params: ListParamsDep, area: str | None = None, station_id: UUID | None = None,
               stage: CaseStage | None = None, worker: str | None = None, status: str | None = None,
               risk_level: RiskLevel | None = None, opened_year: str | None = None,
               opened_month: str | None = None) -> Any:
    """Cases under an area for supervisors and administrators (sort=stage: in the stages' order), or their 台账:
    stage, risk, worker and deadline, never who the client is."""
    if params.sort in ("stage", "-stage"):
        params.sort = params.sort.replace("stage", "stage_no")
    return list_response(cw.lists, "cases", params, "个案台账", CASE_COLUMNS, with_id("case_id", cw.flagged),
                         area_code=area, station_id=str(station_id) if station_id else None,
                         stage=stage.value if stage else None, worker=worker, status=status,
                         risk_level=risk_level.value if risk_level else None, opened_on_year=opened_year,
                         opened_on_month=opened_month)


@router.post("", status_code=201, response_model=CaseOpened)
def open_case(body: OpenCase, cw: Casework, user: OptionalUser) -> CaseOpened:
    case_id = cw.open_case(
        body.client_id,
        str(body.station_id),
        body.area_code,
        body.domain,
        body.subtype,
        body.risk_level,
        body.opened_on,
        body.suspected_child_abuse,
        body.worker or user,
    )
    case = cw.case(case_id)
    return CaseOpened(
        case_id=case_id,
        stage=case.stage,
        age_band=case.age_band,
        risk_level=case.risk_level,
        escalations=case.escalations,
    )


@router.get("/{case_id}", response_model=CaseFile)
def read_case(case_id: UUID, cw: Casework, user: User, purpose: Purpose) -> CaseFile:
    return CaseFile.model_validate(cw.read_case(case_id, user, purpose))


@router.get("/{case_id}/export", response_model=CaseExport)
def export_case(case_id: UUID, cw: Casework, user: User, purpose: Purpose) -> CaseExport:
    return CaseExport.model_validate(cw.read_case(case_id, user, purpose, action="export"))


@router.post("/{case_id}/stage", response_model=CaseState)
def advance_case(case_id: UUID, body: AdvanceCase, cw: Casework) -> CaseState:
    cw.advance_case(case_id, body.stage, body.on, body.expected_version)
    return CaseState.of(cw.case(case_id))


def _approver(body: Approval, user: str | None) -> str:
    if user:
        return user
    if body.supervisor_id is None:
        raise CaseworkError("请求头 X-User 不能为空：审批须由督导账户登录后办理")
    return str(body.supervisor_id)


@router.post("/{case_id}/plan-approval", response_model=CaseState)
def approve_plan(case_id: UUID, body: Approval, cw: Casework, user: OptionalUser) -> CaseState:
    cw.approve_plan(case_id, _approver(body, user), body.on, body.expected_version)
    return CaseState.of(cw.case(case_id))


@router.post("/{case_id}/closing-approval", response_model=CaseState)
def approve_closing(case_id: UUID, body: Approval, cw: Casework, user: OptionalUser) -> CaseState:
    cw.approve_closing(case_id, _approver(body, user), body.on, body.expected_version)
    return CaseState.of(cw.case(case_id))


@router.post("/{case_id}/worker", response_model=CaseState)
def assign_worker(case_id: UUID, body: AssignWorker, cw: Casework) -> CaseState:
    cw.assign_worker(case_id, body.worker, body.on, body.expected_version)
    return CaseState.of(cw.case(case_id))


@router.post("/{case_id}/closure", response_model=CaseState)
def close_case(case_id: UUID, body: Dated, cw: Casework) -> CaseState:
    cw.close_case(case_id, body.on, body.expected_version)
    return CaseState.of(cw.case(case_id))


@router.post("/{case_id}/risk", response_model=CaseState)
def assess_risk(case_id: UUID, body: AssessRisk, cw: Casework) -> CaseState:
    cw.assess_risk(case_id, body.risk_level, body.on, body.expected_version)
    return CaseState.of(cw.case(case_id))


@router.post("/{case_id}/referrals", status_code=201, response_model=Referred)
def refer(case_id: UUID, body: Refer, cw: Casework) -> Referred:
    referral_id = cw.refer(case_id, body.policy, body.on, body.expected_version)
    return Referred(referral_id=referral_id, **CaseState.of(cw.case(case_id)).model_dump())


@router.post("/{case_id}/referrals/{referral_id}/outcome", response_model=CaseState)
def decide_referral(case_id: UUID, referral_id: UUID, body: ReferralOutcomeBody, cw: Casework) -> CaseState:
    cw.decide_referral(case_id, str(referral_id), body.outcome, body.on, body.expected_version)
    return CaseState.of(cw.case(case_id))


@router.post("/{case_id}/transfer", response_model=CaseState)
def transfer(case_id: UUID, body: Transfer, cw: Casework) -> CaseState:
    cw.transfer_case(case_id, str(body.to_station_id), body.to_area_code, body.on, body.expected_version)
    return CaseState.of(cw.case(case_id))


@router.post("/{case_id}/abuse-reports", status_code=201, response_model=Escalated)
def report_abuse(case_id: UUID, body: Dated, cw: Casework) -> Escalated:
    escalation_id = cw.report_suspected_abuse(case_id, body.on, body.expected_version)
    return Escalated(escalation_id=escalation_id, **CaseState.of(cw.case(case_id)).model_dump())


@router.post("/{case_id}/notes", status_code=201, response_model=CaseState)
def add_note(case_id: UUID, body: Note, cw: Casework, user: User) -> CaseState:
    cw.add_note(case_id, body.text, user, body.on, body.expected_version)
    return CaseState.of(cw.case(case_id))
