"""The funding service's use cases. A disbursement is saved together with every aggregate whose
rule it passed (the contract, each source budget it draws on, and for social assistance funds the
area's cap ledger of the year), in one transaction: if any of them changed since it was read, the
event store refuses the whole save (IntegrityError, 409) and nothing is paid."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Tracking
from pzh_shared.eventstore import ServiceApplication
from pzh_shared.listing import ListIndex, ListQuery

from funding.application import lists as list_specs
from funding.domain import areas
from funding.domain.budget import SourceBudget, budget_id
from funding.domain.cap import AssistanceCapLedger, Headroom, cap_ledger_id, not_recorded, refusal
from funding.domain.charity import CharityNeed, DonationPoint
from funding.domain.contract import Contract
from funding.domain.errors import ConcurrentChange, FundingError, NotFound
from funding.domain.fund import Fund
from funding.domain.grant import Grant, VentureRound
from funding.domain.money import ZERO, positive
from funding.domain.plan import ProjectPlan
from funding.domain.vocabulary import (
    CharityCategory,
    DonorKind,
    FundKind,
    GrantKind,
    Purchaser,
    ResourceKind,
    SourceKind,
    SpotCheckOutcome,
)


class FundingApplication(ServiceApplication):
    name = "funding"
    not_found = NotFound

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The service's lists, caught up from its notification log before each read (application/lists.py);
        # built here, not on first use, so two first requests cannot build two indexes.
        self.lists = ListIndex(self, list_specs.SPECS, list_specs.projector(self.repository.get))

    # --- helpers ----------------------------------------------------------------------------------

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        try:
            return super().save(*objs, **kwargs)
        except IntegrityError:
            raise ConcurrentChange(
                "数据已被同时进行的另一操作修改(例如同一合同、预算或救助资金上限的另一笔拨付)，本次未保存，请刷新后重试"
            ) from None

    # --- lists -------------------------------------------------------------------------------------

    def contracts_serving(self, station_id: str) -> list[str]:
        """The ids of the contracts that name the station (a contract serves many stations), as a filter of the
        contracts list: never empty, since an empty IN () is an SQL error on PostgreSQL; "-" matches no contract."""
        rows = self.lists.everything("contract_stations", ListQuery(filters={"station_id": station_id}))
        return [str(row["contract_id"]) for row in rows] or ["-"]

    @staticmethod
    def today() -> date:
        """Today in China: how long an item has waited is counted in the officials' days."""
        return datetime.now(ZoneInfo("Asia/Shanghai")).date()

    # --- sources and budgets ----------------------------------------------------------------------

    def budget_source(
        self, area_code: str, year: int, source: SourceKind, amount: Decimal, budgeted_on: date
    ) -> SourceBudget:
        """Sets (or revises) the budget of a source for an area and year."""
        area_code, year, source = areas.budget_area(area_code), areas.year(year), SourceKind(source)
        budget = self.find(budget_id(area_code, year, source)) or SourceBudget.open(area_code, year, source)
        budget.budget(amount, budgeted_on)
        self.save(budget)
        return budget

    def budget(self, area_code: str, year: int, source: SourceKind) -> SourceBudget:
        found = self.find(budget_id(areas.budget_area(area_code), areas.year(year), SourceKind(source)))
        if found is None:
            raise NotFound(f"{area_code} 尚未登记 {year} 年度{SourceKind(source).label}预算")
        return found

    def budgets(self, area_code: str, year: int) -> list[SourceBudget]:
        area_code, year = areas.budget_area(area_code), areas.year(year)
        found = (self.find(budget_id(area_code, year, kind), SourceBudget) for kind in SourceKind)
        return [b for b in found if b is not None]

    # --- hardship spending and the 3% cap ---------------------------------------------------------

    def record_hardship_spending(
        self, area_code: str, year: int, total: Decimal, recorded_on: date
    ) -> AssistanceCapLedger:
        """Year `year`'s total hardship-assistance spending of the area: the basis of year+1's cap."""
        area_code, year = areas.budget_area(area_code), areas.year(year)
        ledger = self.find(cap_ledger_id(area_code, year + 1)) or AssistanceCapLedger.open(area_code, year + 1)
        ledger.record_hardship_spending(total, recorded_on)
        self.save(ledger)
        return ledger

    def headroom(self, area_code: str, year: int) -> Headroom:
        area_code, year = areas.budget_area(area_code), areas.year(year)
        ledger = self.find(cap_ledger_id(area_code, year))
        return ledger.headroom if ledger is not None else not_recorded(area_code, year)

    # --- contracts --------------------------------------------------------------------------------

    def sign_contract(self, purchaser: Purchaser, provider_agency: str, station_ids: list[str], area_code: str,
                      service_items: list[str], amount: Decimal, period_start: date, period_end: date,
                      sources: list[tuple[str, Any]], signed_on: date) -> UUID:
        contract = Contract.sign(
            purchaser,
            provider_agency,
            station_ids,
            area_code,
            service_items,
            amount,
            period_start,
            period_end,
            sources,
            signed_on,
        )
        self.save(contract)
        return contract.id

    def contract(self, contract_id: UUID | str) -> Contract:
        return self.get_existing(Contract, contract_id, "合同")

    def _change_contract(self, contract_id: UUID | str, change: Callable[[Contract], object]) -> Contract:
        contract = self.contract(contract_id)
        change(contract)
        self.save(contract)
        return contract

    def file_contract(self, contract_id: UUID | str, filed_on: date) -> Contract:
        return self._change_contract(contract_id, lambda contract: contract.file(filed_on))

    def return_contract(self, contract_id: UUID | str, reasons: list[str], returned_on: date) -> Contract:
        return self._change_contract(contract_id, lambda contract: contract.return_(reasons, returned_on))

    def spot_check_contract(self, contract_id: UUID | str, outcome: SpotCheckOutcome, findings: list[str],
                            checked_on: date) -> Contract:
        return self._change_contract(contract_id, lambda contract: contract.spot_check(outcome, findings, checked_on))

    def disburse(
        self,
        contract_id: UUID | str,
        amount: Decimal,
        paid_on: date,
        milestone: str,
        sources: list[tuple[str, Any]] | None = None,
        condition: tuple[str, float] | None = None,
    ) -> dict[str, Any]:
        """Pays an instalment: within the contract, within each source's budget of the paid year, and for
        social assistance funds within the area's 3% cap of that year, all saved at once."""
        contract = self.contract(contract_id)
        amount = positive(amount, "拨付金额")
        split, _ = contract.plan_disbursement(amount, paid_on, sources, condition)
        area_code, year = contract.funding_area, areas.year(paid_on.year)
        changed: list[Aggregate] = []
        assistance = split.get(SourceKind.SOCIAL_ASSISTANCE)
        if assistance:
            ledger = self.find(cap_ledger_id(area_code, year))
            if ledger is None:
                raise refusal(not_recorded(area_code, year), assistance)
            ledger.use(str(contract.id), assistance)
            changed.append(ledger)
        for kind, part in split.items():
            budget = self.budget(area_code, year, kind)
            budget.draw(str(contract.id), part)
            changed.append(budget)
        instalment = contract.disburse(amount, paid_on, milestone, [(k.value, v) for k, v in split.items()], condition)
        self.save(contract, *changed)
        return contract.disbursements[instalment - 1]

    # --- annual project plans ---------------------------------------------------------------------

    def submit_plan(
        self, area_code: str, year: int, title: str, projects: list[tuple[str, Any]], submitted_on: date
    ) -> UUID:
        plan = ProjectPlan.submit(area_code, year, title, projects, submitted_on)
        self.save(plan)
        return plan.id

    def plan(self, plan_id: UUID | str) -> ProjectPlan:
        return self.get_existing(ProjectPlan, plan_id, "年度项目计划")

    def _change_plan(self, plan_id: UUID | str, change: Callable[[ProjectPlan], object]) -> ProjectPlan:
        plan = self.plan(plan_id)
        change(plan)
        self.save(plan)
        return plan

    def file_plan(self, plan_id: UUID | str, filed_on: date) -> ProjectPlan:
        return self._change_plan(plan_id, lambda plan: plan.file(filed_on))

    def return_plan(self, plan_id: UUID | str, reasons: list[str], returned_on: date) -> ProjectPlan:
        return self._change_plan(plan_id, lambda plan: plan.return_(reasons, returned_on))

    def resubmit_plan(self, plan_id: UUID | str, projects: list[tuple[str, Any]], resubmitted_on: date) -> ProjectPlan:
        return self._change_plan(plan_id, lambda plan: plan.resubmit(projects, resubmitted_on))

    # --- subsidies, awards and venture philanthropy (public money: each payment draws on a budget) ----

    def _draw(self, area_code: str, year: int, source: SourceKind, whose: UUID, amount: Decimal) -> SourceBudget:
        budget = self.budget(area_code, year, source)
        budget.draw(str(whose), amount)
        return budget

    def award_grant(self, kind: GrantKind, organisation: str, purpose: str, area_code: str, station_id: str | None,
                    source: SourceKind, amount: Decimal, awarded_on: date) -> Grant:
        """A subsidy or award, paid at once from the area's budget of its source in the year it is awarded."""
        grant = Grant.award(kind, organisation, purpose, area_code, station_id, source, amount, awarded_on)
        budget = self._draw(grant.funding_area, awarded_on.year, grant.source, grant.id, grant.amount)
        self.save(grant, budget)
        return grant

    def grant(self, grant_id: UUID | str) -> Grant:
        return self.get_existing(Grant, grant_id, "补贴奖励")

    def open_venture_round(self, area_code: str, year: int, title: str, source: SourceKind, budget: Decimal,
                           opened_on: date, closes_on: date) -> VentureRound:
        venture = VentureRound.open(area_code, year, title, source, budget, opened_on, closes_on)
        self.save(venture)
        return venture

    def venture_round(self, round_id: UUID | str) -> VentureRound:
        return self.get_existing(VentureRound, round_id, "公益创投")

    def _change_round(self, round_id: UUID | str, change: Callable[[VentureRound], object]) -> VentureRound:
        venture = self.venture_round(round_id)
        change(venture)
        self.save(venture)
        return venture

    def apply_to_round(self, round_id: UUID | str, organisation: str, project: str, area_code: str,
                       station_id: str | None, requested: Decimal, applied_on: date) -> VentureRound:
        return self._change_round(round_id, lambda v: v.apply(organisation, project, area_code, station_id,
                                                              requested, applied_on))

    def award_venture(self, round_id: UUID | str, application_no: int, amount: Decimal,
                      awarded_on: date) -> VentureRound:
        return self._change_round(round_id, lambda v: v.award(application_no, amount, awarded_on))

    def disburse_venture(self, round_id: UUID | str, application_no: int, amount: Decimal,
                         paid_on: date) -> VentureRound:
        """Pays against an award: within it, and within the round area's budget of the round's source that year."""
        venture = self.venture_round(round_id)
        paying = venture.check_payment(application_no, amount, paid_on)
        budget = self._draw(venture.area_code, paid_on.year, venture.source, venture.id, paying)
        venture.disburse(application_no, paying, paid_on)
        self.save(venture, budget)
        return venture

    # --- charity special funds and community funds ---------------------------------------------------

    def establish_fund(self, kind: FundKind, name: str, area_code: str, station_id: str | None,
                       organisation: str | None, purposes: list[str], established_on: date) -> Fund:
        fund = Fund.establish(kind, name, area_code, station_id, organisation, purposes, established_on)
        self.save(fund)
        return fund

    def fund(self, fund_id: UUID | str) -> Fund:
        return self.get_existing(Fund, fund_id, "基金")

    def _change_fund(self, fund_id: UUID | str, change: Callable[[Fund], object]) -> Fund:
        fund = self.fund(fund_id)
        change(fund)
        self.save(fund)
        return fund

    def receive_into_fund(self, fund_id: UUID | str, donor_kind: DonorKind, donor_name: str | None, amount: Decimal,
                          received_on: date) -> Fund:
        return self._change_fund(fund_id, lambda f: f.receive(donor_kind, donor_name, amount, received_on))

    def pay_from_fund(self, fund_id: UUID | str, project: str, category: CharityCategory, amount: Decimal,
                      paid_on: date) -> Fund:
        return self._change_fund(fund_id, lambda f: f.pay(project, category, amount, paid_on))

    # --- the charity needs ledger and donation points ------------------------------------------------

    def record_need(self, area_code: str, station_id: str | None, category: CharityCategory, summary: str,
                    recorded_on: date) -> CharityNeed:
        need = CharityNeed.record(area_code, station_id, category, summary, recorded_on)
        self.save(need)
        return need

    def need(self, need_id: UUID | str) -> CharityNeed:
        return self.get_existing(CharityNeed, need_id, "慈善服务需求")

    def meet_need(self, need_id: UUID | str, resource_kind: ResourceKind, resource_id: str | None,
                  resource_name: str, met_on: date) -> CharityNeed:
        need = self.need(need_id)
        need.meet(resource_kind, resource_id, resource_name, met_on)
        self.save(need)
        return need

    def open_donation_point(self, name: str, area_code: str, operator: str, location: str,
                            opened_on: date) -> DonationPoint:
        point = DonationPoint.open(name, area_code, operator, location, opened_on)
        self.save(point)
        return point

    def donation_point(self, point_id: UUID | str) -> DonationPoint:
        return self.get_existing(DonationPoint, point_id, "慈善捐赠点")

    def close_donation_point(self, point_id: UUID | str, closed_on: date) -> DonationPoint:
        point = self.donation_point(point_id)
        point.close(closed_on)
        self.save(point)
        return point

    # --- balances ---------------------------------------------------------------------------------

    def area_balances(self, area_code: str, year: int) -> dict[str, Any]:
        """Budget, spent and balance per source of an area and year, and their totals."""
        budgets = self.budgets(area_code, year)
        budgeted = sum((b.amount for b in budgets), ZERO)
        spent = sum((b.drawn for b in budgets), ZERO)
        return {"sources": {b.source.value: (b.amount, b.drawn) for b in budgets}, "budgeted": budgeted, "spent": spent}

    # --- project evaluations from casework --------------------------------------------------------

    def record_evaluation(self, tracking: Tracking, contract_id: UUID, project_id: str, station_id: str, score: float,
                          evaluated_on: date) -> None:
        """Records casework's evaluation of a project on its contract, with the message's tracking record
        in one transaction; a republished evaluation changes nothing (the contract already has it)."""
        contract = self.find(contract_id)
        if not isinstance(contract, Contract):
            raise FundingError(f"项目评估所属的合同 {contract_id} 不存在")
        changed = [contract] if contract.receive_evaluation(project_id, station_id, score, evaluated_on) else []
        self.save_tracked(tracking, *changed)
