"""The Case aggregate: one client's casework at a station through intake -> assessment -> plan ->
intervention -> evaluation -> closing (A2 §4.4). Stages are taken one at a time in order; the plan
needs a supervisor's approval before intervention starts, and the closing before the case closes.

Every public event carries the case's context (station, area code, service domain, risk level, age
band) so the integration event can be built from the event alone. The client appears only as an
opaque id; narrative notes are sealed with the client's key, like their identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from casework.domain.errors import CaseworkError, Conflict, NotPermitted, StageConflict
from casework.domain.vocabulary import (
    CASE_STAGE_NAMES,
    CASE_STAGES,
    MINOR_BANDS,
    STEP_DAYS,
    URGENT_STEP_DAYS,
    AgeBand,
    AssistanceSubtype,
    CaseStage,
    EscalationKind,
    Policy,
    ReferralOutcome,
    RiskLevel,
    ServiceDomain,
    target_groups,
)


def _name(stage: CaseStage) -> str:
    return f"{CASE_STAGE_NAMES[stage]}({stage.value})"


@dataclass(frozen=True)
class NextStep:
    """What a case waits for next, and by when (the stage deadlines of vocabulary.STEP_DAYS)."""

    step: str  # a key of STEP_DAYS: assessment, plan, plan_approval, intervention, evaluation, closing, ...
    since: date  # the day the wait began: the stage's start, or the approval
    due_on: date
    awaits_approval: bool = False


class Case(Aggregate):
    # The events' apply() methods set the state, so it is declared for the type checker only: annotations at run
    # time would make the library turn the aggregate into a dataclass with a different __init__.
    if TYPE_CHECKING:
        client_id: str
        station_id: str
        area_code: str
        domain: ServiceDomain
        subtype: AssistanceSubtype | None
        risk_level: RiskLevel
        age_band: AgeBand
        opened_on: date
        stage: CaseStage
        stages: list[dict[str, Any]]
        plan_approval: dict[str, Any] | None
        closing_approval: dict[str, Any] | None
        closed_on: date | None
        referrals: dict[str, dict[str, Any]]
        transfers: list[dict[str, Any]]
        escalations: list[dict[str, Any]]
        risk_history: list[dict[str, Any]]
        notes: list[dict[str, Any]]
        worker: str | None
        categories: list[str]

    class Opened(Aggregate.Created):
        client_id: str
        station_id: str
        area_code: str
        domain: str
        subtype: str | None
        risk_level: str
        age_band: str
        opened_on: date
        # The social worker in charge (the X-User who opened it, or whom it names); None in older cases.
        worker: str | None = None
        # The client's categories (TargetGroup values) on the day the case opened; None in older cases.
        categories: list[str] | None = None

        def apply(self, case: Case) -> None:
            case.worker = self.worker
            case.categories = list(self.categories or [])
            case.client_id = self.client_id
            case.station_id = self.station_id
            case.area_code = self.area_code
            case.domain = ServiceDomain(self.domain)
            case.subtype = AssistanceSubtype(self.subtype) if self.subtype else None
            case.risk_level = RiskLevel(self.risk_level)
            case.age_band = AgeBand(self.age_band)
            case.opened_on = self.opened_on
            case.stage = CaseStage.INTAKE
            case.stages = [{"stage": CaseStage.INTAKE.value, "on": self.opened_on}]
            case.plan_approval = None
            case.closing_approval = None
            case.closed_on = None
            case.referrals = {}
            case.transfers = []
            case.escalations = []
            case.risk_history = [{"risk_level": self.risk_level, "on": self.opened_on}]
            case.notes = []

    class ContextEvent(Aggregate.Event):
        """Base of the events that carry the case's public context."""

        station_id: str
        area_code: str
        domain: str
        risk_level: str
        age_band: str

    class StageAdvanced(ContextEvent):
        from_stage: str
        stage: str
        advanced_on: date

        def apply(self, case: Case) -> None:
            case.stage = CaseStage(self.stage)
            case.stages.append({"stage": self.stage, "on": self.advanced_on})

    class PlanApproved(Aggregate.Event):
        supervisor_id: str
        approved_on: date

        def apply(self, case: Case) -> None:
            case.plan_approval = {"supervisor_id": self.supervisor_id, "on": self.approved_on}

    class ClosingApproved(Aggregate.Event):
        supervisor_id: str
        approved_on: date

        def apply(self, case: Case) -> None:
            case.closing_approval = {"supervisor_id": self.supervisor_id, "on": self.approved_on}

    class RiskAssessed(ContextEvent):
        assessed_on: date

        def apply(self, case: Case) -> None:
            case.risk_level = RiskLevel(self.risk_level)
            case.risk_history.append({"risk_level": self.risk_level, "on": self.assessed_on})

    class Referred(ContextEvent):
        referral_id: str
        policy: str
        referred_on: date

        def apply(self, case: Case) -> None:
            case.referrals[self.referral_id] = {
                "referral_id": self.referral_id,
                "policy": self.policy,
                "referred_on": self.referred_on,
                "outcome": None,
                "decided_on": None,
            }

    class ReferralDecided(ContextEvent):
        referral_id: str
        policy: str
        outcome: str
        decided_on: date

        def apply(self, case: Case) -> None:
            case.referrals[self.referral_id].update(outcome=self.outcome, decided_on=self.decided_on)

    class Transferred(ContextEvent):
        from_station_id: str
        from_area_code: str
        transferred_on: date

        def apply(self, case: Case) -> None:
            case.transfers.append({"from_station_id": self.from_station_id, "to_station_id": self.station_id,
                                   "to_area_code": self.area_code, "on": self.transferred_on})
            case.station_id = self.station_id
            case.area_code = self.area_code

    class EscalationRaised(ContextEvent):
        escalation_id: str
        kind: str
        raised_on: date

        def apply(self, case: Case) -> None:
            case.escalations.append(
                {"escalation_id": self.escalation_id, "kind": self.kind, "raised_on": self.raised_on}
            )
            case.risk_level = RiskLevel(self.risk_level)

    class WorkerAssigned(Aggregate.Event):
        worker: str
        assigned_on: date

        def apply(self, case: Case) -> None:
            case.worker = self.worker

    class NoteAdded(Aggregate.Event):
        sealed_note: str
        author: str
        noted_on: date

        def apply(self, case: Case) -> None:
            case.notes.append({"sealed_note": self.sealed_note, "author": self.author, "on": self.noted_on})

    class Closed(ContextEvent):
        closed_on: date
        duration_days: int

        def apply(self, case: Case) -> None:
            case.closed_on = self.closed_on

    # --- opening ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        client_id: UUID | str,
        station_id: str,
        area_code: str,
        domain: ServiceDomain,
        subtype: AssistanceSubtype | None,
        risk_level: RiskLevel,
        age_band: AgeBand,
        opened_on: date,
        worker: str | None = None,
        categories: list[str] | None = None,
    ) -> Case:
        domain = ServiceDomain(domain)
        if subtype is not None and domain is not ServiceDomain.SOCIAL_ASSISTANCE:
            raise CaseworkError("服务子类型仅适用于社会救助(social_assistance)领域")
        return cls._create(
            cls.Opened,
            client_id=str(client_id),
            station_id=str(station_id),
            area_code=area_code,
            domain=domain.value,
            subtype=AssistanceSubtype(subtype).value if subtype else None,
            risk_level=RiskLevel(risk_level).value,
            age_band=AgeBand(age_band).value,
            opened_on=opened_on,
            worker=worker or None,
            categories=target_groups(categories or []),
        )

    # --- helpers ------------------------------------------------------------------------------

    def _context(self, **overrides: str) -> dict[str, str]:
        return {"station_id": self.station_id, "area_code": self.area_code, "domain": self.domain.value,
                "risk_level": self.risk_level.value, "age_band": self.age_band.value, **overrides}

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    def _check_open(self) -> None:
        if self.is_closed:
            raise StageConflict("个案已结案，不能再变更")

    def next_step(self) -> NextStep | None:
        """The step the case waits for and its due date; None once closed. An open case at high or critical
        risk gets the shorter deadlines of URGENT_STEP_DAYS while it has not reached intervention."""
        if self.is_closed:
            return None
        since: date = self.stages[-1]["on"]
        step = "closure"
        if self.stage is not CaseStage.CLOSING:
            step = CASE_STAGES[CASE_STAGES.index(self.stage) + 1].value
        approval = {CaseStage.PLAN: self.plan_approval, CaseStage.CLOSING: self.closing_approval}
        waiting = self.stage in approval and approval[self.stage] is None
        if waiting:
            step = f"{self.stage.value}_approval"
        elif self.stage in approval:
            since = approval[self.stage]["on"]  # type: ignore[index]  # not waiting: the approval is there
        days = STEP_DAYS[step]
        if self.risk_level in (RiskLevel.HIGH, RiskLevel.CRITICAL):
            days = min(days, URGENT_STEP_DAYS.get(step, days))
        return NextStep(step, since, since + timedelta(days=days), waiting)

    def _check_date(self, on: date, what: str) -> None:
        last = max(self.opened_on, self.stages[-1]["on"])
        if on < self.opened_on:
            raise CaseworkError(f"{what}不能早于开案日期")
        if what == "阶段日期" and on < last:
            raise CaseworkError("阶段日期不能早于上一阶段的日期")

    # --- stages -------------------------------------------------------------------------------

    def advance(self, to_stage: CaseStage, advanced_on: date) -> None:
        to_stage = CaseStage(to_stage)
        self._check_open()
        current = CASE_STAGES.index(self.stage)
        target = CASE_STAGES.index(to_stage)
        if target <= current:
            raise StageConflict(f"不能回到或重复阶段{_name(to_stage)}：个案当前处于{_name(self.stage)}阶段")
        if target > current + 1:
            raise StageConflict(
                f"不能跳过阶段：个案当前处于{_name(self.stage)}阶段，下一阶段应为{_name(CASE_STAGES[current + 1])}"
            )
        if to_stage is CaseStage.INTERVENTION and self.plan_approval is None:
            raise StageConflict("服务计划须经督导审批后才能进入介入(intervention)阶段")
        self._check_date(advanced_on, "阶段日期")
        self.trigger_event(
            self.StageAdvanced,
            **self._context(),
            from_stage=self.stage.value,
            stage=to_stage.value,
            advanced_on=advanced_on,
        )

    def approve_plan(self, supervisor_id: str, approved_on: date) -> None:
        self._check_open()
        self._check_approver(supervisor_id, "服务计划")
        if self.stage is not CaseStage.PLAN:
            raise StageConflict(f"只能在计划(plan)阶段审批服务计划：个案当前处于{_name(self.stage)}阶段")
        if self.plan_approval is not None:
            raise StageConflict("服务计划已经督导审批")
        self._check_date(approved_on, "审批日期")
        self.trigger_event(self.PlanApproved, supervisor_id=str(supervisor_id), approved_on=approved_on)

    def approve_closing(self, supervisor_id: str, approved_on: date) -> None:
        self._check_open()
        self._check_approver(supervisor_id, "结案")
        if self.stage is not CaseStage.CLOSING:
            raise StageConflict(f"只能在结案(closing)阶段审批结案：个案当前处于{_name(self.stage)}阶段")
        if self.closing_approval is not None:
            raise StageConflict("结案已经督导审批")
        self._check_date(approved_on, "审批日期")
        self.trigger_event(self.ClosingApproved, supervisor_id=str(supervisor_id), approved_on=approved_on)

    def _check_approver(self, approver: str, what: str) -> None:
        # Separation of duties: the supervisor's approval is a second person's check on the worker's own work.
        if self.worker is not None and approver == self.worker:
            raise NotPermitted(f"个案的负责社工不能审批本个案的{what}：须由本站点或本县(区)的另一名督导审批")

    def close(self, closed_on: date) -> None:
        self._check_open()
        if self.stage is not CaseStage.CLOSING:
            raise StageConflict(f"只能在结案(closing)阶段结案：个案当前处于{_name(self.stage)}阶段")
        if self.closing_approval is None:
            raise StageConflict("结案须经督导审批")
        self._check_date(closed_on, "结案日期")
        self.trigger_event(
            self.Closed, **self._context(), closed_on=closed_on, duration_days=(closed_on - self.opened_on).days
        )

    # --- risk, referrals, transfers, escalations, notes ---------------------------------------

    def assess_risk(self, risk_level: RiskLevel, assessed_on: date) -> None:
        self._check_open()
        risk_level = RiskLevel(risk_level)
        if risk_level is self.risk_level:
            raise Conflict("风险等级未变化")
        self._check_date(assessed_on, "评估日期")
        self.trigger_event(self.RiskAssessed, **self._context(risk_level=risk_level.value), assessed_on=assessed_on)

    def refer(self, policy: Policy, referred_on: date) -> str:
        self._check_open()
        policy = Policy(policy)
        if any(r["policy"] == policy.value and r["outcome"] is None for r in self.referrals.values()):
            raise Conflict("该政策的转介尚未有结果，不能重复转介")
        self._check_date(referred_on, "转介日期")
        referral_id = str(uuid4())
        self.trigger_event(
            self.Referred, **self._context(), referral_id=referral_id, policy=policy.value, referred_on=referred_on
        )
        return referral_id

    def decide_referral(self, referral_id: str, outcome: ReferralOutcome, decided_on: date) -> None:
        referral = self.referrals.get(str(referral_id))
        if referral is None:
            raise CaseworkError("该个案没有这项转介")
        if referral["outcome"] is not None:
            raise Conflict("该转介已记录结果")
        if decided_on < referral["referred_on"]:
            raise CaseworkError("结果日期不能早于转介日期")
        self.trigger_event(
            self.ReferralDecided,
            **self._context(),
            referral_id=referral["referral_id"],
            policy=referral["policy"],
            outcome=ReferralOutcome(outcome).value,
            decided_on=decided_on,
        )

    def transfer(self, to_station_id: str, to_area_code: str, transferred_on: date) -> None:
        self._check_open()
        if str(to_station_id) == self.station_id:
            raise Conflict("个案已在该站点")
        self._check_date(transferred_on, "转移日期")
        self.trigger_event(
            self.Transferred,
            **self._context(station_id=str(to_station_id), area_code=to_area_code),
            from_station_id=self.station_id,
            from_area_code=self.area_code,
            transferred_on=transferred_on,
        )

    def report_suspected_abuse(self, raised_on: date) -> str:
        """Suspected abuse of a child raises an escalation at once, and the case's risk to critical."""
        self._check_open()
        if self.age_band not in MINOR_BANDS:
            raise CaseworkError("儿童虐待疑似报告仅适用于未满18周岁的服务对象")
        self._check_date(raised_on, "报告日期")
        escalation_id = str(uuid4())
        self.trigger_event(
            self.EscalationRaised,
            **self._context(risk_level=RiskLevel.CRITICAL.value),
            escalation_id=escalation_id,
            kind=EscalationKind.SUSPECTED_CHILD_ABUSE.value,
            raised_on=raised_on,
        )
        return escalation_id

    def assign_worker(self, worker: str, assigned_on: date) -> None:
        self._check_open()
        if worker == self.worker:
            raise Conflict("该社会工作者已负责此个案")
        self._check_date(assigned_on, "指派日期")
        self.trigger_event(self.WorkerAssigned, worker=worker, assigned_on=assigned_on)

    def add_note(self, sealed_note: str, author: str, noted_on: date) -> None:
        self._check_open()
        self._check_date(noted_on, "记录日期")
        self.trigger_event(self.NoteAdded, sealed_note=sealed_note, author=author, noted_on=noted_on)
