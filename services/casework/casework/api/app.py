"""HTTP entry point: thin routers, request -> command -> application. Field names in English,
messages in Simplified Chinese.

Every read of a case file or a client record names who reads (`X-User`) and why (`X-Purpose`): both
headers are required (422 without them) and each read is written to the append-only read audit
before it is answered."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import unquote
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from fastapi import Depends, FastAPI, Header, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pzh_shared.areas import AREA_CODE_PATTERN
from pzh_shared.http import install_error_handlers
from pzh_shared.idempotency import install_idempotency

from casework.api.errors import FIELD_LABELS
from casework.application.service import CaseworkApplication
from casework.domain.errors import CaseworkError, Conflict, ConsentRequired, NotFound, StageConflict, StaleVersion, UnknownContract
from casework.domain.vocabulary import (
    AssistanceSubtype,
    CaseStage,
    ComplaintChannel,
    ConsentBasis,
    NeedCategory,
    Policy,
    ProjectStage,
    ReferralOutcome,
    Respondent,
    RiskLevel,
    ServiceDomain,
    SurveyMethod,
)

Today = Field(default_factory=date.today)
AREA = AREA_CODE_PATTERN
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Versioned(_Body):
    expected_version: int | None = Field(default=None, ge=1, description="乐观并发：基于的版本号")


# --- requests ----------------------------------------------------------------------------------

class RegisterClient(_Body):
    station_id: UUID
    name: str = Field(min_length=1, max_length=100)
    id_number: str | None = Field(default=None, pattern=_ID_NUMBER.pattern)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=300)
    birth_date: date
    registered_on: date = Today


class RecordConsent(_Versioned):
    basis: ConsentBasis
    guardian_name: str | None = Field(default=None, max_length=100)
    guardian_relationship: str | None = Field(default=None, max_length=50)
    guardian_phone: str | None = Field(default=None, max_length=32)
    statutory_reference: str | None = Field(default=None, max_length=300)
    on: date = Today


class Erase(_Body):
    on: date = Today


class OpenCase(_Body):
    client_id: UUID
    station_id: UUID
    area_code: str = Field(pattern=AREA)
    domain: ServiceDomain
    subtype: AssistanceSubtype | None = None
    risk_level: RiskLevel = RiskLevel.LOW
    opened_on: date = Today
    suspected_child_abuse: bool = False


class AdvanceCase(_Versioned):
    stage: CaseStage
    on: date = Today


class Approval(_Versioned):
    supervisor_id: UUID
    on: date = Today


class Dated(_Versioned):
    on: date = Today


class AssessRisk(_Versioned):
    risk_level: RiskLevel
    on: date = Today


class Refer(_Versioned):
    policy: Policy
    on: date = Today


class ReferralOutcomeBody(_Versioned):
    outcome: ReferralOutcome
    on: date = Today


class Transfer(_Versioned):
    to_station_id: UUID
    to_area_code: str = Field(pattern=AREA)
    on: date = Today


class Note(_Versioned):
    text: str = Field(min_length=1, max_length=20_000)
    on: date = Today


class StartProject(_Body):
    contract_id: UUID
    station_id: UUID
    domain: ServiceDomain
    title: str = Field(min_length=1, max_length=200)
    started_on: date = Today


class AdvanceProject(_Versioned):
    stage: ProjectStage
    on: date = Today


class Beneficiaries(_Versioned):
    beneficiaries: int = Field(ge=0, le=10_000_000)
    on: date = Today


class Evaluation(_Versioned):
    score: float = Field(ge=0, le=100)
    on: date = Today


class RegisterDonationPoint(_Body):
    station_id: UUID
    name: str = Field(min_length=1, max_length=200)
    on: date = Today


class RecordNeed(_Body):
    station_id: UUID
    category: NeedCategory
    summary: str = Field(min_length=1, max_length=2000)
    quantity: int = Field(default=1, ge=1, le=1_000_000)
    on: date = Today


class MatchNeed(_Body):
    donation_point_id: UUID | None = None
    donor_kind: str = Field(min_length=1, max_length=50, description="个人/企业/基金会/社区基金等")
    amount: str | None = Field(default=None, pattern=r"^\d+(\.\d{1,2})?$")
    on: date = Today


class ReceiveComplaint(_Body):
    station_id: UUID
    channel: ComplaintChannel
    summary: str = Field(min_length=1, max_length=5000)
    received_at: AwareDatetime


class HandleComplaint(_Body):
    action: str = Field(min_length=1, max_length=5000)
    handled_at: AwareDatetime


class CloseComplaint(_Body):
    response: str = Field(min_length=1, max_length=5000)
    closed_at: AwareDatetime


class RecordSurvey(_Body):
    station_id: UUID
    respondent: Respondent
    method: SurveyMethod
    score: float = Field(ge=0, le=100)
    surveyed_on: date = Today


def _application(request: Request) -> CaseworkApplication:
    return request.app.state.application


Casework = Annotated[CaseworkApplication, Depends(_application)]
# HTTP header values are Latin-1: a purpose in Chinese is sent percent-encoded UTF-8 (quote("督导复核")).
_User = Annotated[str, Header(alias="X-User", min_length=1, max_length=300)]
_Purpose = Annotated[str, Header(alias="X-Purpose", min_length=1, max_length=900)]


def _user(x_user: _User) -> str:
    return unquote(x_user).strip() or _missing("X-User")


def _purpose(x_purpose: _Purpose) -> str:
    return unquote(x_purpose).strip() or _missing("X-Purpose")


def _missing(header: str) -> str:
    raise CaseworkError(f"请求头 {header} 不能为空：查阅个案须写明操作人与目的")


User = Annotated[str, Depends(_user)]
Purpose = Annotated[str, Depends(_purpose)]


def _project_view(p: Any) -> dict[str, Any]:
    return {"project_id": str(p.id), "station_id": p.station_id, "contract_id": p.contract_id, "domain": p.domain, "title": p.title,
            "stage": p.stage, "stages": p.stages, "beneficiaries": p.beneficiaries, "score": p.score, "evaluated_on": p.evaluated_on,
            "version": p.version}


def create_app(application: CaseworkApplication) -> FastAPI:
    app = FastAPI(title="攀枝花市社会工作服务体系 · casework", version="0.1.0")
    app.state.application = application
    install_idempotency(app, application)  # Idempotency-Key: a repeated command runs once
    install_error_handlers(app, {
        NotFound: (404, "not_found"),
        StageConflict: (409, "stage_conflict"),
        StaleVersion: (409, "stale_version"),
        Conflict: (409, "conflict"),
        ConsentRequired: (422, "consent_required"),
        UnknownContract: (422, "unknown_contract"),
        CaseworkError: (422, "rule_violated"),
        IntegrityError: (409, "concurrent_change"),
    }, FIELD_LABELS)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # --- clients -------------------------------------------------------------------------------

    @app.post("/clients", status_code=201)
    def register_client(body: RegisterClient, cw: Casework) -> dict[str, UUID]:
        identity = body.model_dump(include={"name", "id_number", "phone", "address", "birth_date"})
        if identity["id_number"]:
            identity["id_number"] = identity["id_number"].upper()
        return {"client_id": cw.register_client(str(body.station_id), identity, body.registered_on)}

    @app.get("/clients/{client_id}")
    def read_client(client_id: UUID, cw: Casework, user: User, purpose: Purpose) -> dict:
        return cw.read_client(client_id, user, purpose)

    @app.post("/clients/{client_id}/consent")
    def record_consent(client_id: UUID, body: RecordConsent, cw: Casework) -> dict[str, str]:
        if body.basis is ConsentBasis.GUARDIAN_CONSENT and not body.guardian_name:
            raise CaseworkError("监护人同意须写明监护人姓名(guardian_name)")
        if body.basis is ConsentBasis.STATUTORY_BASIS and not body.statutory_reference:
            raise CaseworkError("法定依据须写明依据(statutory_reference)")
        detail = body.model_dump(include={"guardian_name", "guardian_relationship", "guardian_phone", "statutory_reference"}, exclude_none=True)
        cw.record_consent(client_id, body.basis, detail, body.on, body.expected_version)
        return {"client_id": str(client_id), "basis": body.basis.value}

    @app.post("/clients/{client_id}/erasure")
    def erase_client(client_id: UUID, body: Erase, cw: Casework, user: User, purpose: Purpose) -> dict[str, Any]:
        record = cw.erase_client(client_id, body.on, user, purpose)
        return {"client_id": str(client_id), "erased_on": body.on, "audit_seq": record.seq}

    # --- cases ---------------------------------------------------------------------------------

    @app.post("/cases", status_code=201)
    def open_case(body: OpenCase, cw: Casework) -> dict[str, Any]:
        case_id = cw.open_case(body.client_id, str(body.station_id), body.area_code, body.domain, body.subtype, body.risk_level, body.opened_on,
                               body.suspected_child_abuse)
        case = cw.case(case_id)
        return {"case_id": case_id, "stage": case.stage, "age_band": case.age_band, "risk_level": case.risk_level,
                "escalations": case.escalations}

    @app.get("/cases/{case_id}")
    def read_case(case_id: UUID, cw: Casework, user: User, purpose: Purpose) -> dict:
        return cw.read_case(case_id, user, purpose)

    @app.get("/cases/{case_id}/export")
    def export_case(case_id: UUID, cw: Casework, user: User, purpose: Purpose) -> dict:
        return cw.read_case(case_id, user, purpose, action="export")

    def _state(cw: CaseworkApplication, case_id: UUID) -> dict[str, Any]:
        case = cw.case(case_id)
        return {"case_id": str(case.id), "stage": case.stage, "status": "closed" if case.is_closed else "open", "risk_level": case.risk_level,
                "station_id": case.station_id, "version": case.version}

    @app.post("/cases/{case_id}/stage")
    def advance_case(case_id: UUID, body: AdvanceCase, cw: Casework) -> dict:
        cw.advance_case(case_id, body.stage, body.on, body.expected_version)
        return _state(cw, case_id)

    @app.post("/cases/{case_id}/plan-approval")
    def approve_plan(case_id: UUID, body: Approval, cw: Casework) -> dict:
        cw.approve_plan(case_id, str(body.supervisor_id), body.on, body.expected_version)
        return _state(cw, case_id)

    @app.post("/cases/{case_id}/closing-approval")
    def approve_closing(case_id: UUID, body: Approval, cw: Casework) -> dict:
        cw.approve_closing(case_id, str(body.supervisor_id), body.on, body.expected_version)
        return _state(cw, case_id)

    @app.post("/cases/{case_id}/closure")
    def close_case(case_id: UUID, body: Dated, cw: Casework) -> dict:
        cw.close_case(case_id, body.on, body.expected_version)
        return _state(cw, case_id)

    @app.post("/cases/{case_id}/risk")
    def assess_risk(case_id: UUID, body: AssessRisk, cw: Casework) -> dict:
        cw.assess_risk(case_id, body.risk_level, body.on, body.expected_version)
        return _state(cw, case_id)

    @app.post("/cases/{case_id}/referrals", status_code=201)
    def refer(case_id: UUID, body: Refer, cw: Casework) -> dict:
        return {"referral_id": cw.refer(case_id, body.policy, body.on, body.expected_version), **_state(cw, case_id)}

    @app.post("/cases/{case_id}/referrals/{referral_id}/outcome")
    def decide_referral(case_id: UUID, referral_id: UUID, body: ReferralOutcomeBody, cw: Casework) -> dict:
        cw.decide_referral(case_id, str(referral_id), body.outcome, body.on, body.expected_version)
        return _state(cw, case_id)

    @app.post("/cases/{case_id}/transfer")
    def transfer(case_id: UUID, body: Transfer, cw: Casework) -> dict:
        cw.transfer_case(case_id, str(body.to_station_id), body.to_area_code, body.on, body.expected_version)
        return _state(cw, case_id)

    @app.post("/cases/{case_id}/abuse-reports", status_code=201)
    def report_abuse(case_id: UUID, body: Dated, cw: Casework) -> dict:
        return {"escalation_id": cw.report_suspected_abuse(case_id, body.on, body.expected_version), **_state(cw, case_id)}

    @app.post("/cases/{case_id}/notes", status_code=201)
    def add_note(case_id: UUID, body: Note, cw: Casework, user: User) -> dict:
        cw.add_note(case_id, body.text, user, body.on, body.expected_version)
        return _state(cw, case_id)

    # --- read audit ----------------------------------------------------------------------------

    @app.get("/audit/reads")
    def audit_records(cw: Casework, subject_id: UUID | None = None) -> dict:
        records = cw.audit.records(str(subject_id) if subject_id else None)
        return {"records": [vars(r) for r in records], "count": len(records)}

    @app.get("/audit/verification")
    def audit_verification(cw: Casework) -> dict:
        broken = cw.audit.verify()
        return {"intact": not broken, "broken_seqs": broken}

    # --- contracts and projects ----------------------------------------------------------------

    @app.get("/contracts/{contract_id}")
    def get_contract(contract_id: UUID, cw: Casework) -> dict:
        try:
            c = cw.contract(str(contract_id))
        except UnknownContract as exc:
            raise NotFound(str(exc)) from None
        return {"contract_id": c.contract_id, "purchaser": c.purchaser, "provider_agency": c.provider_agency, "station_ids": c.station_ids,
                "area_code": c.area_code, "amount": c.amount, "period_start": c.period_start, "period_end": c.period_end, "signed_on": c.signed_on}

    @app.post("/projects", status_code=201)
    def start_project(body: StartProject, cw: Casework) -> dict:
        return {"project_id": cw.start_project(str(body.contract_id), str(body.station_id), body.domain, body.title, body.started_on)}

    @app.get("/projects/{project_id}")
    def get_project(project_id: UUID, cw: Casework) -> dict:
        return _project_view(cw.project(project_id))

    @app.post("/projects/{project_id}/stage")
    def advance_project(project_id: UUID, body: AdvanceProject, cw: Casework) -> dict:
        cw.advance_project(project_id, body.stage, body.on, body.expected_version)
        return _project_view(cw.project(project_id))

    @app.post("/projects/{project_id}/beneficiaries")
    def record_beneficiaries(project_id: UUID, body: Beneficiaries, cw: Casework) -> dict:
        cw.record_beneficiaries(project_id, body.beneficiaries, body.on, body.expected_version)
        return _project_view(cw.project(project_id))

    @app.post("/projects/{project_id}/evaluation")
    def evaluate_project(project_id: UUID, body: Evaluation, cw: Casework) -> dict:
        cw.evaluate_project(project_id, body.score, body.on, body.expected_version)
        return _project_view(cw.project(project_id))

    # --- charity -------------------------------------------------------------------------------

    @app.post("/donation-points", status_code=201)
    def register_donation_point(body: RegisterDonationPoint, cw: Casework) -> dict:
        return {"donation_point_id": cw.register_donation_point(str(body.station_id), body.name, body.on)}

    @app.post("/needs", status_code=201)
    def record_need(body: RecordNeed, cw: Casework) -> dict:
        return {"need_id": cw.record_need(str(body.station_id), body.category, body.summary, body.quantity, body.on)}

    @app.get("/needs/{need_id}")
    def get_need(need_id: UUID, cw: Casework) -> dict:
        n = cw.need(need_id)
        return {"need_id": str(n.id), "station_id": n.station_id, "category": n.category, "summary": n.summary, "quantity": n.quantity,
                "recorded_on": n.recorded_on, "matched_on": n.matched_on, "donation_point_id": n.donation_point_id, "donor_kind": n.donor_kind,
                "amount": n.amount, "status": "matched" if n.matched_on else "open"}

    @app.post("/needs/{need_id}/match")
    def match_need(need_id: UUID, body: MatchNeed, cw: Casework) -> dict:
        cw.match_need(need_id, body.donation_point_id, body.donor_kind, body.amount, body.on)
        return get_need(need_id, cw)

    # --- complaints and surveys ----------------------------------------------------------------

    def _complaint_view(c: Any) -> dict:
        return {"complaint_id": str(c.id), "station_id": c.station_id, "channel": c.channel, "status": c.status, "summary": c.summary,
                "received_at": c.received_at, "handled_at": c.handled_at, "action": c.action, "closed_at": c.closed_at, "response": c.response,
                "response_hours": c.response_hours, "resolution_hours": c.resolution_hours}

    @app.post("/complaints", status_code=201)
    def receive_complaint(body: ReceiveComplaint, cw: Casework) -> dict:
        return {"complaint_id": cw.receive_complaint(str(body.station_id), body.channel, body.summary, body.received_at)}

    @app.get("/complaints/{complaint_id}")
    def get_complaint(complaint_id: UUID, cw: Casework) -> dict:
        return _complaint_view(cw.complaint(complaint_id))

    @app.post("/complaints/{complaint_id}/handling")
    def handle_complaint(complaint_id: UUID, body: HandleComplaint, cw: Casework) -> dict:
        cw.handle_complaint(complaint_id, body.action, body.handled_at)
        return _complaint_view(cw.complaint(complaint_id))

    @app.post("/complaints/{complaint_id}/closure")
    def close_complaint(complaint_id: UUID, body: CloseComplaint, cw: Casework) -> dict:
        cw.close_complaint(complaint_id, body.response, body.closed_at)
        return _complaint_view(cw.complaint(complaint_id))

    @app.post("/surveys", status_code=201)
    def record_survey(body: RecordSurvey, cw: Casework) -> dict:
        return {"survey_id": cw.record_survey(str(body.station_id), body.respondent, body.method, body.score, body.surveyed_on)}

    @app.get("/surveys/{survey_id}")
    def get_survey(survey_id: UUID, cw: Casework) -> dict:
        s = cw.survey(survey_id)
        return {"survey_id": str(s.id), "station_id": s.station_id, "respondent": s.respondent, "method": s.method, "score": s.score,
                "surveyed_on": s.surveyed_on}

    return app
