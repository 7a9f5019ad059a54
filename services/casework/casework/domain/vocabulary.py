"""The casework vocabulary (A2 §3, §4.4 of the city's plan): values in English, labels in Chinese."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from pzh_shared.target_groups import TARGET_GROUPS


class ServiceDomain(StrEnum):
    SOCIAL_ASSISTANCE = "social_assistance"
    ELDERLY_CARE = "elderly_care"
    CHILD_WELFARE = "child_welfare"
    MARRIAGE_FAMILY = "marriage_family"
    FUNERAL = "funeral"
    DISABILITY = "disability"
    RURAL_REVITALISATION = "rural_revitalisation"
    COMMUNITY_GOVERNANCE = "community_governance"


class AssistanceSubtype(StrEnum):
    """Sub-types of social assistance (A2 §3.2)."""

    POLICY_PUBLICITY = "policy_publicity"
    IDENTIFICATION = "identification"
    RESOURCE_LINKING = "resource_linking"
    COUNSELLING = "counselling"
    CAPACITY_BUILDING = "capacity_building"
    SOCIAL_INTEGRATION = "social_integration"
    VAGRANTS_BEGGARS = "vagrants_beggars"


class TargetGroup(StrEnum):
    """A client's categories (服务对象类别), the closed vocabulary of the plan's special groups: §二(五)2 "重点为辖区内
    困难家庭、留守空巢老人、困境儿童、残疾人、流动人口等特殊群体", A2 §3.2.5.2 "易地搬迁群众"."""

    HARDSHIP_FAMILY = "hardship_family"
    LEFT_BEHIND_ELDERLY = "left_behind_elderly"
    EMPTY_NEST_ELDERLY = "empty_nest_elderly"
    CHILD_IN_DIFFICULTY = "child_in_difficulty"
    DISABLED = "disabled"
    MIGRANT = "migrant"
    RELOCATED = "relocated"


TARGET_GROUP_NAMES = {TargetGroup(code): label for code, label in TARGET_GROUPS.items()}


def target_groups(values: Iterable[str]) -> list[str]:
    """The categories as stored: each a TargetGroup value, once, in the vocabulary's order (ValueError otherwise)."""
    chosen = {TargetGroup(v).value for v in values}
    return [g.value for g in TargetGroup if g.value in chosen]


class CaseStage(StrEnum):
    INTAKE = "intake"
    ASSESSMENT = "assessment"
    PLAN = "plan"
    INTERVENTION = "intervention"
    EVALUATION = "evaluation"
    CLOSING = "closing"


CASE_STAGES = list(CaseStage)
CASE_STAGE_NAMES = {CaseStage.INTAKE: "接案", CaseStage.ASSESSMENT: "预估", CaseStage.PLAN: "计划",
                    CaseStage.INTERVENTION: "介入", CaseStage.EVALUATION: "评估", CaseStage.CLOSING: "结案"}

# The stage deadlines of the caseload (the service's working rule, A2 §4.4 gives the order, not the days): each
# next step is due this many days after the stage began (an approval's step: after the approval was given).
STEP_DAYS = {"assessment": 7, "plan": 14, "plan_approval": 7, "intervention": 7, "evaluation": 90, "closing": 14,
             "closing_approval": 7, "closure": 7}
# A case at high or critical risk (a suspected abuse report is critical) is assessed and planned sooner.
URGENT_STEP_DAYS = {"assessment": 1, "plan": 3, "plan_approval": 2, "intervention": 2}
STEP_NAMES = {"assessment": "完成预估", "plan": "制定服务计划", "plan_approval": "督导审批服务计划",
              "intervention": "开始介入", "evaluation": "开展评估", "closing": "进入结案",
              "closing_approval": "督导审批结案", "closure": "办理结案"}


class ProjectStage(StrEnum):
    NEEDS_RESEARCH = "needs_research"
    DESIGN = "design"
    REVIEW = "review"
    IMPLEMENTATION = "implementation"
    MONITORING = "monitoring"
    PERFORMANCE_EVALUATION = "performance_evaluation"


PROJECT_STAGES = list(ProjectStage)
PROJECT_STAGE_NAMES = {
    ProjectStage.NEEDS_RESEARCH: "需求调研",
    ProjectStage.DESIGN: "项目设计",
    ProjectStage.REVIEW: "项目论证",
    ProjectStage.IMPLEMENTATION: "项目实施",
    ProjectStage.MONITORING: "项目监测",
    ProjectStage.PERFORMANCE_EVALUATION: "绩效评估",
}


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Policy(StrEnum):
    """Assistance policies a case can be referred to (A2 §3.2)."""

    MINIMUM_LIVING_ALLOWANCE = "minimum_living_allowance"  # 低保
    EXTREME_POVERTY_SUPPORT = "extreme_poverty_support"  # 特困
    DISABILITY_ALLOWANCE = "disability_allowance"
    MEDICAL = "medical"
    EDUCATION = "education"
    HOUSING = "housing"
    EMPLOYMENT = "employment"
    TEMPORARY_ASSISTANCE = "temporary_assistance"  # 临时救助
    LEGAL_AID = "legal_aid"


class ReferralOutcome(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ConsentBasis(StrEnum):
    GUARDIAN_CONSENT = "guardian_consent"
    STATUTORY_BASIS = "statutory_basis"


class EscalationKind(StrEnum):
    SUSPECTED_CHILD_ABUSE = "suspected_child_abuse"


class ComplaintChannel(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    ONLINE = "online"
    LETTER = "letter"
    SUGGESTION_BOX = "suggestion_box"


class Respondent(StrEnum):
    CLIENT = "client"
    PURCHASER = "purchaser"
    IMPLEMENTER = "implementer"


class SurveyMethod(StrEnum):
    INTERVIEW = "interview"
    PHONE = "phone"
    QUESTIONNAIRE = "questionnaire"


class AgeBand(StrEnum):
    """What leaves the service instead of a birth date."""

    UNDER_6 = "0-5"
    CHILD = "6-13"
    ADOLESCENT = "14-17"
    YOUNG_ADULT = "18-34"
    ADULT = "35-59"
    OLDER = "60-79"
    OLDEST = "80+"


CONSENT_AGE = 14
ADULT_AGE = 18


def age_on(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def age_band(age: int) -> AgeBand:
    for limit, band in ((6, AgeBand.UNDER_6), (14, AgeBand.CHILD), (18, AgeBand.ADOLESCENT), (35, AgeBand.YOUNG_ADULT),
                        (60, AgeBand.ADULT), (80, AgeBand.OLDER)):
        if age < limit:
            return band
    return AgeBand.OLDEST


MINOR_BANDS = {AgeBand.UNDER_6, AgeBand.CHILD, AgeBand.ADOLESCENT}
