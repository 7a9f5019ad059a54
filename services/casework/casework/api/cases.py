"""Cases (个案): opened for a client, taken through their stages, referred, transferred, escalated;
every read or export of a case file is audited first."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from casework.api.dependencies import Casework, Purpose, User
from casework.api.schemas import (
    AdvanceCase,
    Approval,
    AssessRisk,
    CaseExport,
    CaseFile,
    CaseOpened,
    CaseState,
    Dated,
    Escalated,
    Note,
    OpenCase,
    Refer,
    ReferralOutcomeBody,
    Referred,
    Transfer,
)

router = APIRouter(prefix="/cases")


@router.post("", status_code=201, response_model=CaseOpened)
def open_case(body: OpenCase, cw: Casework) -> CaseOpened:
    case_id = cw.open_case(
        body.client_id,
        str(body.station_id),
        body.area_code,
        body.domain,
        body.subtype,
        body.risk_level,
        body.opened_on,
        body.suspected_child_abuse,
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


@router.post("/{case_id}/plan-approval", response_model=CaseState)
def approve_plan(case_id: UUID, body: Approval, cw: Casework) -> CaseState:
    cw.approve_plan(case_id, str(body.supervisor_id), body.on, body.expected_version)
    return CaseState.of(cw.case(case_id))


@router.post("/{case_id}/closing-approval", response_model=CaseState)
def approve_closing(case_id: UUID, body: Approval, cw: Casework) -> CaseState:
    cw.approve_closing(case_id, str(body.supervisor_id), body.on, body.expected_version)
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
