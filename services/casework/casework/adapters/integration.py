"""The casework service's public integration events. Private domain events are translated here, at
the edge, into versioned contracts (`casework.<aggregate>.<verb>.v<N>`); the JSON Schemas generated
from these models are committed under services/casework/schemas/.

No contract carries personal data: clients appear only through a case's opaque id, an age band
(never a birth date) and their target-group codes (casework.case.opened.v2); names, ID numbers, phone
numbers, addresses, narrative notes, consent details
and complaint texts stay in the event store (identity and notes sealed with the
client's own key). Supervisors appear as opaque ids only in private events.

`casework.project.evaluated.v1` is consumed by the funding service: its type and fields are fixed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pzh_shared.areas import AREA_CODE_PATTERN
from pzh_shared.contracts import Contract, Publication, aggregate_id, uuid_field

from casework.domain.case import Case
from casework.domain.feedback import Complaint, Survey
from casework.domain.project import Project
from casework.domain.vocabulary import (
    AgeBand,
    AssistanceSubtype,
    CaseStage,
    ComplaintChannel,
    EscalationKind,
    Policy,
    ProjectStage,
    ReferralOutcome,
    Respondent,
    RiskLevel,
    ServiceDomain,
    SurveyMethod,
    TargetGroup,
)


class _CaseContext(Contract):
    case_id: str = uuid_field("opaque UUID of the case")
    station_id: str = uuid_field("the registry's station UUID now responsible for the case")
    area_code: str = Field(pattern=AREA_CODE_PATTERN, description="administrative area code of the station")
    domain: ServiceDomain
    risk_level: RiskLevel
    age_band: AgeBand = Field(description="the client's age band when the case opened (never a birth date)")


# --- cases ---------------------------------------------------------------------------------------

class CaseOpenedV1(_CaseContext):
    """casework.case.opened.v1: a case opened at a station (intake); superseded by v2 (no longer published)."""

    model_config = ConfigDict(title="casework.case.opened.v1")
    subtype: AssistanceSubtype | None = Field(default=None, description="social assistance sub-type, if any")
    opened_on: date


class CaseOpenedV2(CaseOpenedV1):
    """casework.case.opened.v2: a case opened at a station (intake), with the client's categories that day.

    It supersedes v1 (no longer published; consumers read an old v1 as a v2 without categories)."""

    model_config = ConfigDict(title="casework.case.opened.v2")
    categories: list[TargetGroup] = Field(
        description="the client's target groups (服务对象类别) when the case opened: codes only, not who the client is"
    )


class CaseStageAdvancedV1(_CaseContext):
    """casework.case.stage_advanced.v1: a case moved to its next stage."""

    model_config = ConfigDict(title="casework.case.stage_advanced.v1")
    from_stage: CaseStage
    stage: CaseStage
    advanced_on: date


class CaseRiskAssessedV1(_CaseContext):
    """casework.case.risk_assessed.v1: a case's risk level changed (the new level is `risk_level`)."""

    model_config = ConfigDict(title="casework.case.risk_assessed.v1")
    assessed_on: date


class CaseReferredV1(_CaseContext):
    """casework.case.referred.v1: a case was referred to an assistance policy."""

    model_config = ConfigDict(title="casework.case.referred.v1")
    referral_id: str = uuid_field("opaque UUID of the referral")
    policy: Policy
    referred_on: date


class CaseReferralDecidedV1(_CaseContext):
    """casework.case.referral_decided.v1: the outcome of a referral to an assistance policy."""

    model_config = ConfigDict(title="casework.case.referral_decided.v1")
    referral_id: str = uuid_field("opaque UUID of the referral")
    policy: Policy
    outcome: ReferralOutcome
    decided_on: date


class CaseTransferredV1(_CaseContext):
    """casework.case.transferred.v1: a case moved to another station with its whole history."""

    model_config = ConfigDict(title="casework.case.transferred.v1")
    from_station_id: str = uuid_field("the station the case left")
    from_area_code: str = Field(pattern=AREA_CODE_PATTERN)
    transferred_on: date


class CaseClosedV1(_CaseContext):
    """casework.case.closed.v1: a case closed after the supervisor approved the closing."""

    model_config = ConfigDict(title="casework.case.closed.v1")
    closed_on: date
    duration_days: int = Field(ge=0)


class EscalationRaisedV1(_CaseContext):
    """casework.escalation.raised.v1: suspected abuse of a child was reported on a case: act at once."""

    model_config = ConfigDict(title="casework.escalation.raised.v1")
    escalation_id: str = uuid_field("opaque UUID of the escalation")
    kind: EscalationKind
    raised_on: date


# --- projects --------------------------------------------------------------------------------------

class ProjectStartedV1(Contract):
    """casework.project.started.v1: a purchased service project started (needs research)."""

    model_config = ConfigDict(title="casework.project.started.v1")
    project_id: str = uuid_field("opaque UUID of the project")
    station_id: str = uuid_field("the registry's station UUID")
    contract_id: str = uuid_field("the funding service's purchase-of-service contract UUID")
    domain: ServiceDomain
    started_on: date


class ProjectStageAdvancedV1(Contract):
    """casework.project.stage_advanced.v1: a project moved to its next stage."""

    model_config = ConfigDict(title="casework.project.stage_advanced.v1")
    project_id: str = uuid_field("opaque UUID of the project")
    station_id: str = uuid_field("the registry's station UUID")
    contract_id: str = uuid_field("the funding service's purchase-of-service contract UUID")
    from_stage: ProjectStage
    stage: ProjectStage
    advanced_on: date


class ProjectBeneficiariesRecordedV1(Contract):
    """casework.project.beneficiaries_recorded.v1: how many people a project has served (latest count)."""

    model_config = ConfigDict(title="casework.project.beneficiaries_recorded.v1")
    project_id: str = uuid_field("opaque UUID of the project")
    station_id: str = uuid_field("the registry's station UUID")
    contract_id: str = uuid_field("the funding service's purchase-of-service contract UUID")
    beneficiaries: int = Field(ge=0)
    recorded_on: date


class ProjectEvaluatedV1(Contract):
    """casework.project.evaluated.v1: a project's performance evaluation score (consumed by funding)."""

    model_config = ConfigDict(title="casework.project.evaluated.v1")
    project_id: str = uuid_field("opaque UUID of the project")
    station_id: str = uuid_field("the registry's station UUID")
    contract_id: str = uuid_field("the funding service's purchase-of-service contract UUID")
    score: float = Field(ge=0, le=100)
    evaluated_on: date


# --- complaints and surveys ----------------------------------------------------------------------------

class ComplaintReceivedV1(Contract):
    """casework.complaint.received.v1: a complaint or feedback about a station was received."""

    model_config = ConfigDict(title="casework.complaint.received.v1")
    complaint_id: str = uuid_field("opaque UUID of the complaint")
    station_id: str = uuid_field("the registry's station UUID")
    channel: ComplaintChannel
    received_at: datetime


class ComplaintClosedV1(Contract):
    """casework.complaint.closed.v1: a complaint was closed, with its response and resolution times."""

    model_config = ConfigDict(title="casework.complaint.closed.v1")
    complaint_id: str = uuid_field("opaque UUID of the complaint")
    station_id: str = uuid_field("the registry's station UUID")
    channel: ComplaintChannel
    received_at: datetime
    closed_at: datetime
    response_hours: float = Field(ge=0, description="hours from receipt to first handling")
    resolution_hours: float = Field(ge=0, description="hours from receipt to closing")


class SurveyRecordedV1(Contract):
    """casework.survey.recorded.v1: a satisfaction score from a client, the purchaser or the implementer."""

    model_config = ConfigDict(title="casework.survey.recorded.v1")
    survey_id: str = uuid_field("opaque UUID of the survey")
    station_id: str = uuid_field("the registry's station UUID")
    respondent: Respondent
    method: SurveyMethod
    score: float = Field(ge=0, le=100)
    surveyed_on: date


CONTRACTS: dict[str, type[BaseModel]] = {
    "casework.case.opened.v1": CaseOpenedV1,
    "casework.case.opened.v2": CaseOpenedV2,
    "casework.case.stage_advanced.v1": CaseStageAdvancedV1,
    "casework.case.risk_assessed.v1": CaseRiskAssessedV1,
    "casework.case.referred.v1": CaseReferredV1,
    "casework.case.referral_decided.v1": CaseReferralDecidedV1,
    "casework.case.transferred.v1": CaseTransferredV1,
    "casework.case.closed.v1": CaseClosedV1,
    "casework.escalation.raised.v1": EscalationRaisedV1,
    "casework.project.started.v1": ProjectStartedV1,
    "casework.project.stage_advanced.v1": ProjectStageAdvancedV1,
    "casework.project.beneficiaries_recorded.v1": ProjectBeneficiariesRecordedV1,
    "casework.project.evaluated.v1": ProjectEvaluatedV1,
    "casework.complaint.received.v1": ComplaintReceivedV1,
    "casework.complaint.closed.v1": ComplaintClosedV1,
    "casework.survey.recorded.v1": SurveyRecordedV1,
}



def _ctx(e: Any) -> dict[str, Any]:
    return dict(
        case_id=aggregate_id(e),
        station_id=e.station_id,
        area_code=e.area_code,
        domain=e.domain,
        risk_level=e.risk_level,
        age_band=e.age_band,
    )


def _project(e: Any) -> dict[str, Any]:
    return dict(project_id=aggregate_id(e), station_id=e.station_id, contract_id=e.contract_id)


# domain event class -> (integration type, data built from the event alone). Built field by field on
# purpose: a new attribute on a domain event (a sealed note, a summary) never leaks by accident.
_TRANSLATIONS: dict[type, tuple[str, Any]] = {
    Case.Opened: (
        "casework.case.opened.v2",
        lambda e: dict(_ctx(e), subtype=e.subtype, opened_on=e.opened_on, categories=list(e.categories or [])),
    ),
    Case.StageAdvanced: (
        "casework.case.stage_advanced.v1",
        lambda e: dict(_ctx(e), from_stage=e.from_stage, stage=e.stage, advanced_on=e.advanced_on),
    ),
    Case.RiskAssessed: ("casework.case.risk_assessed.v1", lambda e: dict(_ctx(e), assessed_on=e.assessed_on)),
    Case.Referred: (
        "casework.case.referred.v1",
        lambda e: dict(_ctx(e), referral_id=e.referral_id, policy=e.policy, referred_on=e.referred_on),
    ),
    Case.ReferralDecided: (
        "casework.case.referral_decided.v1",
        lambda e: dict(_ctx(e), referral_id=e.referral_id, policy=e.policy, outcome=e.outcome, decided_on=e.decided_on),
    ),
    Case.Transferred: (
        "casework.case.transferred.v1",
        lambda e: dict(
            _ctx(e), from_station_id=e.from_station_id, from_area_code=e.from_area_code, transferred_on=e.transferred_on
        ),
    ),
    Case.Closed: (
        "casework.case.closed.v1",
        lambda e: dict(_ctx(e), closed_on=e.closed_on, duration_days=e.duration_days),
    ),
    Case.EscalationRaised: (
        "casework.escalation.raised.v1",
        lambda e: dict(_ctx(e), escalation_id=e.escalation_id, kind=e.kind, raised_on=e.raised_on),
    ),
    Project.Started: (
        "casework.project.started.v1",
        lambda e: dict(_project(e), domain=e.domain, started_on=e.started_on),
    ),
    Project.StageAdvanced: (
        "casework.project.stage_advanced.v1",
        lambda e: dict(_project(e), from_stage=e.from_stage, stage=e.stage, advanced_on=e.advanced_on),
    ),
    Project.BeneficiariesRecorded: (
        "casework.project.beneficiaries_recorded.v1",
        lambda e: dict(_project(e), beneficiaries=e.beneficiaries, recorded_on=e.recorded_on),
    ),
    Project.Evaluated: (
        "casework.project.evaluated.v1",
        lambda e: dict(_project(e), score=e.score, evaluated_on=e.evaluated_on),
    ),
    Complaint.Received: (
        "casework.complaint.received.v1",
        lambda e: dict(
            complaint_id=aggregate_id(e), station_id=e.station_id, channel=e.channel, received_at=e.received_at
        ),
    ),
    Complaint.Closed: (
        "casework.complaint.closed.v1",
        lambda e: dict(
            complaint_id=aggregate_id(e),
            station_id=e.station_id,
            channel=e.channel,
            received_at=e.received_at,
            closed_at=e.closed_at,
            response_hours=e.response_hours,
            resolution_hours=e.resolution_hours,
        ),
    ),
    Survey.Recorded: (
        "casework.survey.recorded.v1",
        lambda e: dict(
            survey_id=aggregate_id(e),
            station_id=e.station_id,
            respondent=e.respondent,
            method=e.method,
            score=e.score,
            surveyed_on=e.surveyed_on,
        ),
    ),
}


# What the relay publishes: PUBLICATION.translate gives (integration type, JSON data) for a public event and
# None for private ones (clients, consent, erasure, approvals, notes, contracts learnt from funding, complaint
# handling).
PUBLICATION = Publication(_TRANSLATIONS, CONTRACTS)
