"""The casework API's request and response models: field names in English, descriptions in Chinese.
Identity fields appear in replies only to audited reads (X-User and X-Purpose), never in lists."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pzh_shared.areas import AREA_CODE_PATTERN

from casework.domain.case import Case
from casework.domain.feedback import Complaint
from casework.domain.project import KnownContract, Project
from casework.domain.vocabulary import (
    AgeBand,
    AssistanceSubtype,
    CaseStage,
    ComplaintChannel,
    ConsentBasis,
    Policy,
    ProjectStage,
    ReferralOutcome,
    Respondent,
    RiskLevel,
    ServiceDomain,
    SurveyMethod,
    TargetGroup,
)

Today = Field(default_factory=date.today)
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Versioned(_Body):
    expected_version: int | None = Field(default=None, ge=1, description="乐观并发：基于的版本号")


# --- requests ----------------------------------------------------------------------------------


_AREA = Field(default=None, pattern=AREA_CODE_PATTERN, description="站点所在行政区划代码（用于按区域列表与检索）")


class RegisterClient(_Body):
    station_id: UUID
    area_code: str | None = _AREA
    name: str = Field(min_length=1, max_length=100)
    id_number: str | None = Field(default=None, pattern=_ID_NUMBER.pattern)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=300)
    birth_date: date
    registered_on: date = Today
    categories: list[TargetGroup] = Field(default_factory=list, description="服务对象类别（可多选）")


class MergeClient(_Body):
    into: UUID = Field(description="合并目标：保留的服务对象记录编号")
    reason: str = Field(min_length=1, max_length=500, description="合并原因（加密保存）")
    on: date = Today


class DismissDuplicate(_Body):
    other_client_id: UUID = Field(description="被标记为疑似重复的另一条服务对象记录编号")
    on: date = Today


class ChangeCategories(_Versioned):
    categories: list[TargetGroup] = Field(description="服务对象类别：自该日起的全部类别（可为空）")
    on: date = Today


class CategoriesChanged(BaseModel):
    client_id: str
    categories: list[TargetGroup]
    version: int


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
    area_code: str = Field(pattern=AREA_CODE_PATTERN)
    domain: ServiceDomain
    subtype: AssistanceSubtype | None = None
    risk_level: RiskLevel = RiskLevel.LOW
    opened_on: date = Today
    suspected_child_abuse: bool = False
    worker: str | None = Field(default=None, min_length=1, max_length=300, description="负责社工（默认：开案的操作人）")


class AssignWorker(_Versioned):
    worker: str = Field(min_length=1, max_length=300, description="负责社工（账号名）")
    on: date = Today


class SearchClients(_Body):
    """A client search: exact on the name, ID number or phone, within a station's or county's area."""

    by: Literal["name", "id_number", "phone"] = Field(description="检索方式：姓名/身份证号码/联系电话")
    value: str = Field(min_length=1, max_length=100, description="检索内容（精确匹配）")
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="检索范围：站点或县(区)的行政区划代码")
    station_id: UUID | None = None


class AdvanceCase(_Versioned):
    stage: CaseStage
    on: date = Today


class Approval(_Versioned):
    # The approver is the account the gateway names in X-User (it checks the role and the area); an id in the body
    # counts only for a call without X-User, which reaches casework from inside the platform alone.
    supervisor_id: UUID | None = Field(default=None, description="审批督导（仅在无 X-User 时使用；经网关时为登录账户）")
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
    to_area_code: str = Field(pattern=AREA_CODE_PATTERN)
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
    area_code: str | None = _AREA


class AdvanceProject(_Versioned):
    stage: ProjectStage
    on: date = Today


class Beneficiaries(_Versioned):
    beneficiaries: int = Field(ge=0, le=10_000_000)
    on: date = Today


class Evaluation(_Versioned):
    score: float = Field(ge=0, le=100)
    on: date = Today


class ReceiveComplaint(_Body):
    station_id: UUID
    channel: ComplaintChannel
    summary: str = Field(min_length=1, max_length=5000)
    received_at: AwareDatetime
    area_code: str | None = _AREA


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
    area_code: str | None = _AREA


# --- responses ---------------------------------------------------------------------------------


class ClientId(BaseModel):
    client_id: UUID
    possible_duplicates: list[UUID] = Field(
        default=[], description="姓名与出生日期相同的已有服务对象（已登记，待复核：排除或合并）")


class DuplicateDismissed(BaseModel):
    client_id: str
    other_client_id: str
    audit_seq: int


class Merged(BaseModel):
    client_id: str
    merged_into: str
    merged_on: date
    audit_seq: int


class DuplicateRow(BaseModel):
    """A pair of client records that may be one person: ids and places only, never who they are."""

    pair_id: str
    client_id: UUID = Field(description="登记时被发现疑似重复的服务对象")
    other_client_id: UUID = Field(description="已有的服务对象")
    station_id: str
    area_code: str | None
    other_station_id: str
    other_area_code: str | None
    flagged_on: date


class ConsentRecorded(BaseModel):
    client_id: str
    basis: str


class Erased(BaseModel):
    client_id: str
    erased_on: date
    audit_seq: int


class ConsentOut(BaseModel):
    basis: ConsentBasis
    recorded_on: date | None
    detail: Any  # the sealed detail opened again (guardian or statutory reference), or the erased marker


class ClientRecord(BaseModel):
    """An audited read of a client: the identity in clear, or the erased markers."""

    client_id: str
    station_id: str
    registered_on: date
    identity_erased: bool
    identity: dict[str, Any]
    consent: ConsentOut | None
    erased_on: date | None
    merged_into: str | None = Field(description="已合并至的服务对象编号：请改读该记录(GET /clients/{merged_into})")
    merged_on: date | None
    merge_reason: str | None
    merged_from: list[str] = Field(description="已合并入本记录的服务对象编号（其个案即本服务对象的个案）")
    possible_duplicates: list[str] = Field(description="待复核的疑似重复记录")
    categories: list[TargetGroup] = Field(default_factory=list, description="服务对象类别")
    version: int


class CaseOpened(BaseModel):
    case_id: UUID
    stage: CaseStage
    age_band: AgeBand
    risk_level: RiskLevel
    escalations: list[dict[str, Any]]


class CaseState(BaseModel):
    """A case after a command: where it stands, without any personal data."""

    case_id: str
    stage: CaseStage
    status: str
    risk_level: RiskLevel
    station_id: str
    version: int

    @classmethod
    def of(cls, case: Case) -> CaseState:
        return cls(
            case_id=str(case.id),
            stage=case.stage,
            status="closed" if case.is_closed else "open",
            risk_level=case.risk_level,
            station_id=case.station_id,
            version=case.version,
        )


class Referred(CaseState):
    referral_id: str


class Escalated(CaseState):
    escalation_id: str


class CaseFile(BaseModel):
    """An audited read of a case file, with the client's identity and the notes opened again."""

    case_id: str
    client_id: str
    identity_erased: bool
    client: dict[str, Any]
    station_id: str
    area_code: str
    domain: ServiceDomain
    subtype: AssistanceSubtype | None
    age_band: AgeBand
    risk_level: RiskLevel
    stage: CaseStage
    stages: list[dict[str, Any]]
    opened_on: date
    closed_on: date | None
    status: str
    plan_approval: dict[str, Any] | None
    closing_approval: dict[str, Any] | None
    referrals: list[dict[str, Any]]
    transfers: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
    risk_history: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    version: int
    categories: list[TargetGroup] = Field(default_factory=list, description="开案当日服务对象的类别")
    client_categories: list[TargetGroup] = Field(default_factory=list, description="服务对象现在的类别")
    client_version: int = Field(description="服务对象记录的版本（修改类别时作为 expected_version）")


class StoredEventOut(BaseModel):
    type: str
    version: int
    timestamp: datetime


class CaseExport(CaseFile):
    events: list[StoredEventOut]
    audit_seq: int


class ContractOut(BaseModel):
    """Casework's copy of a purchase-of-service contract, as funding.contract.signed.v1 announced it."""

    contract_id: str
    purchaser: str
    provider_agency: str
    station_ids: list[str]
    area_code: str
    amount: str
    period_start: date
    period_end: date
    signed_on: date

    @classmethod
    def of(cls, c: KnownContract) -> ContractOut:
        return cls(
            contract_id=c.contract_id,
            purchaser=c.purchaser,
            provider_agency=c.provider_agency,
            station_ids=c.station_ids,
            area_code=c.area_code,
            amount=c.amount,
            period_start=c.period_start,
            period_end=c.period_end,
            signed_on=c.signed_on,
        )


class ProjectId(BaseModel):
    project_id: UUID


class ProjectOut(BaseModel):
    project_id: str
    station_id: str
    contract_id: str
    domain: ServiceDomain
    title: str
    stage: ProjectStage
    stages: list[dict[str, Any]]
    beneficiaries: int | None
    score: float | None
    evaluated_on: date | None
    version: int

    @classmethod
    def of(cls, p: Project) -> ProjectOut:
        return cls(
            project_id=str(p.id),
            station_id=p.station_id,
            contract_id=p.contract_id,
            domain=p.domain,
            title=p.title,
            stage=p.stage,
            stages=p.stages,
            beneficiaries=p.beneficiaries,
            score=p.score,
            evaluated_on=p.evaluated_on,
            version=p.version,
        )


class ComplaintId(BaseModel):
    complaint_id: UUID


class ComplaintOut(BaseModel):
    complaint_id: str
    station_id: str
    channel: ComplaintChannel
    status: str
    summary: str
    received_at: datetime
    handled_at: datetime | None
    action: str | None
    closed_at: datetime | None
    response: str | None
    response_hours: int | float | None
    resolution_hours: int | float | None

    @classmethod
    def of(cls, c: Complaint) -> ComplaintOut:
        return cls(
            complaint_id=str(c.id),
            station_id=c.station_id,
            channel=c.channel,
            status=c.status,
            summary=c.summary,
            received_at=c.received_at,
            handled_at=c.handled_at,
            action=c.action,
            closed_at=c.closed_at,
            response=c.response,
            response_hours=c.response_hours,
            resolution_hours=c.resolution_hours,
        )


class SurveyId(BaseModel):
    survey_id: UUID


class SurveyOut(BaseModel):
    survey_id: str
    station_id: str
    respondent: Respondent
    method: SurveyMethod
    score: float
    surveyed_on: date


# --- search, lists and work queues (pzh_shared.listing: Page[<row>]) -------------------------------


class ClientHit(BaseModel):
    """A client found by a search: masked, with what decides whom the worker has found."""

    client_id: UUID
    name: str | None = Field(description="姓名（脱敏）")
    id_number: str | None = Field(description="身份证号码（脱敏）")
    phone: str | None = Field(description="联系电话（脱敏）")
    minor: bool = Field(description="是否未满18周岁")
    area_code: str | None
    station_id: str
    registered_on: date
    open_cases: int = Field(description="在办个案数")


class ClientSearchResult(BaseModel):
    items: list[ClientHit]
    total: int


DueFlag = Literal["overdue", "due_today", "upcoming"]


class CaseRow(BaseModel):
    """A case in a list: where it stands and who has it, never who the client is."""

    case_id: UUID
    stage: CaseStage
    stage_name: str | None
    stage_since: date
    status: str
    risk_level: RiskLevel
    domain: ServiceDomain
    worker: str | None
    station_id: str
    area_code: str
    opened_on: date
    next_step: str | None = Field(description="下一步（closed：无）")
    next_step_name: str | None
    due_on: date | None = Field(description="下一步的期限")
    due: DueFlag | None = Field(description="overdue 已逾期 / due_today 今日到期 / upcoming 未到期")


class CaseloadRow(CaseRow):
    client_name: str | None = Field(description="服务对象姓名（脱敏）")


class CaseloadCounts(BaseModel):
    due: dict[str, int] = Field(description="按期限：overdue/due_today/upcoming")
    stages: dict[str, int] = Field(description="按阶段")


class Caseload(BaseModel):
    items: list[CaseloadRow]
    total: int
    next_cursor: str | None = None
    counts: CaseloadCounts


class ApprovalRow(BaseModel):
    case_id: UUID
    awaiting: Literal["plan", "closing"] = Field(description="plan 服务计划 / closing 结案")
    awaiting_since: date
    due_on: date | None
    due: DueFlag | None
    stage: CaseStage
    risk_level: RiskLevel
    worker: str | None
    station_id: str
    area_code: str
    opened_on: date


class ProjectRow(BaseModel):
    project_id: UUID
    title: str
    station_id: str
    area_code: str | None
    contract_id: str
    domain: ServiceDomain
    stage: ProjectStage
    started_on: date
    beneficiaries: int | None
    score: float | None


class ComplaintRow(BaseModel):
    """A complaint in a list: its course and times, never its summary (which may name people)."""

    complaint_id: UUID
    station_id: str
    area_code: str | None
    channel: ComplaintChannel
    status: str
    received_at: datetime
    handled_at: datetime | None
    closed_at: datetime | None
    response_hours: float | None
    resolution_hours: float | None


class SurveyRow(BaseModel):
    survey_id: UUID
    station_id: str
    area_code: str | None
    respondent: Respondent
    method: SurveyMethod
    score: float
    surveyed_on: date
