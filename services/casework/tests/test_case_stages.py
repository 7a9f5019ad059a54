"""The case stage machine: every illegal transition is refused with its reason (409), approvals
gate the plan and the closing, and a closed case changes no more."""

from datetime import date
from itertools import product

import pytest
from casework.domain.case import Case
from casework.domain.errors import CaseworkError, Conflict, StageConflict
from casework.domain.vocabulary import CASE_STAGES, CaseStage

D = date(2021, 3, 2)
SUP = "9c8b7a65-4321-4fed-8cba-098765432101"


def case_at(stage: CaseStage) -> Case:
    case = Case.open("c1", "s1", "510402001", "elderly_care", None, "low", "60-79", D)
    for s in CASE_STAGES[1:CASE_STAGES.index(stage) + 1]:
        if s is CaseStage.INTERVENTION:
            case.approve_plan(SUP, D)
        case.advance(s, D)
    return case


ILLEGAL = [(a, b) for a, b in product(CASE_STAGES, CASE_STAGES) if CASE_STAGES.index(b) != CASE_STAGES.index(a) + 1]


@pytest.mark.parametrize(("current", "target"), ILLEGAL, ids=[f"{a.value}->{b.value}" for a, b in ILLEGAL])
def test_every_illegal_transition_is_refused_with_its_reason(current, target):
    case = case_at(current)
    version = case.version
    with pytest.raises(StageConflict) as refused:
        case.advance(target, D)
    reason = str(refused.value)
    assert current.value in reason
    assert ("跳过" in reason) if CASE_STAGES.index(target) > CASE_STAGES.index(current) else ("回到或重复" in reason)
    assert case.version == version and case.stage is current


@pytest.mark.parametrize("current", CASE_STAGES[:-1])
def test_each_next_stage_is_legal(current):
    case = case_at(current)
    if current is CaseStage.PLAN:
        case.approve_plan(SUP, D)
    nxt = CASE_STAGES[CASE_STAGES.index(current) + 1]
    case.advance(nxt, D)
    assert case.stage is nxt and case.stages[-1] == {"stage": nxt.value, "on": D}


def test_intervention_needs_the_supervisors_approval_of_the_plan():
    case = case_at(CaseStage.PLAN)
    with pytest.raises(StageConflict, match="督导审批"):
        case.advance(CaseStage.INTERVENTION, D)
    case.approve_plan(SUP, D)
    case.advance(CaseStage.INTERVENTION, D)
    assert case.plan_approval == {"supervisor_id": SUP, "on": D}


@pytest.mark.parametrize("stage", [s for s in CASE_STAGES if s is not CaseStage.PLAN])
def test_the_plan_is_approved_only_at_the_plan_stage(stage):
    with pytest.raises(StageConflict, match="计划"):
        case_at(stage).approve_plan(SUP, D)


def test_the_plan_is_approved_once():
    case = case_at(CaseStage.PLAN)
    case.approve_plan(SUP, D)
    with pytest.raises(StageConflict, match="已经督导审批"):
        case.approve_plan(SUP, D)


@pytest.mark.parametrize("stage", CASE_STAGES[:-1])
def test_the_closing_is_approved_only_at_the_closing_stage(stage):
    with pytest.raises(StageConflict, match="结案"):
        case_at(stage).approve_closing(SUP, D)


@pytest.mark.parametrize("stage", CASE_STAGES[:-1])
def test_a_case_closes_only_from_the_closing_stage(stage):
    with pytest.raises(StageConflict, match="结案"):
        case_at(stage).close(D)


def test_closing_needs_the_supervisors_approval_then_nothing_changes():
    case = case_at(CaseStage.CLOSING)
    with pytest.raises(StageConflict, match="结案须经督导审批"):
        case.close(D)
    case.approve_closing(SUP, D)
    case.close(date(2021, 5, 1))
    assert case.is_closed and case.closed_on == date(2021, 5, 1)
    for command, args in (
        ("advance", (CaseStage.CLOSING, D)),
        ("close", (D,)),
        ("approve_closing", (SUP, D)),
        ("assess_risk", ("high", D)),
        ("refer", ("legal_aid", D)),
        ("transfer", ("s2", "510403001", D)),
        ("add_note", ("x", "u", D)),
    ):
        with pytest.raises(StageConflict, match="已结案"):
            getattr(case, command)(*args)
    events = [type(e).__name__ for e in case.collect_events()]
    assert events[-2:] == ["ClosingApproved", "Closed"]


def test_stage_dates_cannot_go_backwards():
    case = case_at(CaseStage.ASSESSMENT)
    case.advance(CaseStage.PLAN, date(2021, 4, 1))
    case.approve_plan(SUP, date(2021, 4, 1))
    with pytest.raises(CaseworkError, match="早于上一阶段"):
        case.advance(CaseStage.INTERVENTION, date(2021, 3, 31))


def test_subtypes_belong_to_social_assistance_only():
    Case.open("c", "s", "510402", "social_assistance", "vagrants_beggars", "low", "35-59", D)
    with pytest.raises(CaseworkError, match="子类型"):
        Case.open("c", "s", "510402", "elderly_care", "vagrants_beggars", "low", "60-79", D)


def test_referrals_with_outcomes_and_transfer_keeping_history():
    case = case_at(CaseStage.INTERVENTION)
    first = case.refer("minimum_living_allowance", D)
    with pytest.raises(Conflict, match="尚未有结果"):
        case.refer("minimum_living_allowance", D)
    case.decide_referral(first, "granted", date(2021, 5, 1))
    with pytest.raises(Conflict, match="已记录结果"):
        case.decide_referral(first, "refused", date(2021, 5, 2))
    case.refer("minimum_living_allowance", date(2021, 6, 1))  # again, after the first one's outcome
    case.transfer("s2", "510403001", date(2021, 6, 2))
    assert case.station_id == "s2" and case.area_code == "510403001"
    assert case.transfers == [
        {"from_station_id": "s1", "to_station_id": "s2", "to_area_code": "510403001", "on": date(2021, 6, 2)}
    ]
    assert len(case.stages) == 4 and len(case.referrals) == 2  # the whole history travels with the case
    with pytest.raises(Conflict):
        case.transfer("s2", "510403001", date(2021, 6, 3))


def test_suspected_abuse_of_a_child_escalates_at_once_but_not_for_adults():
    child = Case.open("c", "s", "510402", "child_welfare", None, "low", "6-13", D)
    escalation = child.report_suspected_abuse(D)
    assert child.escalations == [{"escalation_id": escalation, "kind": "suspected_child_abuse", "raised_on": D}]
    assert child.risk_level == "critical"
    adult = Case.open("c", "s", "510402", "marriage_family", None, "low", "35-59", D)
    with pytest.raises(CaseworkError, match="未满18周岁"):
        adult.report_suspected_abuse(D)
