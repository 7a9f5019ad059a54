"""HTTP entry point: thin routers, request -> command -> application. Field names in English,
messages in Simplified Chinese; every amount is a decimal string in yuan both ways ("1234.50"):
JSON numbers with a fraction are refused, so no amount ever passes through a float."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pzh_shared.http import install_error_handlers
from pzh_shared.idempotency import install_idempotency

from funding.api.errors import FIELD_LABELS
from funding.application.service import FundingApplication
from funding.domain.budget import SourceBudget
from funding.domain.contract import Contract
from funding.domain.errors import AssistanceCapExceeded, ConcurrentChange, Conflict, FundingError, NotFound
from funding.domain.money import text, yuan
from funding.domain.plan import ProjectPlan
from funding.domain.vocabulary import Purchaser, SourceKind, SpotCheckOutcome

Today = Field(default_factory=date.today)


def _amount(value: Any) -> Decimal:
    try:
        return yuan(value)
    except FundingError as exc:
        raise ValueError(str(exc)) from None


Yuan = Annotated[Decimal, BeforeValidator(_amount)]
Year = Annotated[int, Field(ge=2000, le=2100)]
AreaCode = Annotated[str, Field(pattern=r"^\d{6}(\d{3}){0,2}$")]
CountyCode = Annotated[str, Field(pattern=r"^\d{6}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BudgetSource(_Body):
    area_code: CountyCode = Field(description="县(区)或市的 6 位行政区划代码")
    year: Year
    source: SourceKind
    amount: Yuan
    budgeted_on: date = Today


class HardshipSpending(_Body):
    area_code: CountyCode
    year: Year = Field(description="支出年度：决定下一年度的 3% 上限")
    total: Yuan
    recorded_on: date = Today


class SourceLine(_Body):
    source: SourceKind
    amount: Yuan


class SignContract(_Body):
    purchaser: Purchaser
    provider_agency: str = Field(min_length=1, max_length=200)
    station_ids: list[UUID] = Field(min_length=1, max_length=500)
    area_code: AreaCode
    service_items: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=100)
    amount: Yuan
    period_start: date
    period_end: date
    sources: list[SourceLine] = Field(min_length=1, max_length=len(SourceKind))
    signed_on: date = Today


class FileBody(_Body):
    filed_on: date = Today


class ReturnBody(_Body):
    reasons: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=50)
    returned_on: date = Today


class SpotCheck(_Body):
    outcome: SpotCheckOutcome
    findings: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(default_factory=list, max_length=50)
    checked_on: date = Today


class Condition(_Body):
    project_id: UUID
    min_score: float = Field(ge=0, le=100)


class Disburse(_Body):
    amount: Yuan
    milestone: str = Field(min_length=1, max_length=100, description="拨付节点，例如“首期”“中期评估后”")
    paid_on: date = Today
    sources: list[SourceLine] | None = Field(default=None, max_length=len(SourceKind))
    condition: Condition | None = None


class ProjectLine(_Body):
    name: str = Field(min_length=1, max_length=200)
    amount: Yuan


class SubmitPlan(_Body):
    area_code: AreaCode
    year: Year
    title: str = Field(min_length=1, max_length=200)
    projects: list[ProjectLine] = Field(min_length=1, max_length=500)
    submitted_on: date = Today


class ResubmitPlan(_Body):
    projects: list[ProjectLine] = Field(min_length=1, max_length=500)
    resubmitted_on: date = Today


def _application(request: Request) -> FundingApplication:
    return request.app.state.application


Funding = Annotated[FundingApplication, Depends(_application)]


def _lines(lines: list[SourceLine] | None) -> list[tuple[str, Decimal]] | None:
    return None if lines is None else [(line.source.value, line.amount) for line in lines]


def budget_out(b: SourceBudget) -> dict[str, Any]:
    return {"area_code": b.area_code, "year": b.year, "source": b.source.value, "source_name": b.source.label,
            "budget": text(b.amount), "spent": text(b.drawn), "balance": text(b.balance), "budgeted_on": b.budgeted_on}


def contract_balance(c: Contract) -> dict[str, Any]:
    return {"amount": text(c.amount), "paid": text(c.paid), "balance": text(c.balance),
            "sources": {kind.value: {"amount": text(amount), "paid": text(c.paid_by_source[kind]), "balance": text(amount - c.paid_by_source[kind])}
                        for kind, amount in c.sources.items()}}


def _disbursement_out(d: dict[str, Any]) -> dict[str, Any]:
    return {**d, "amount": text(d["amount"]), "sources": [{"source": s["source"], "amount": text(s["amount"])} for s in d["sources"]]}


def contract_out(c: Contract) -> dict[str, Any]:
    return {"contract_id": str(c.id), "purchaser": c.purchaser.value, "provider_agency": c.provider_agency, "station_ids": c.station_ids,
            "area_code": c.area_code, "funding_area_code": c.funding_area, "service_items": c.service_items,
            "period_start": c.period_start, "period_end": c.period_end, "signed_on": c.signed_on,
            "filing": c.filing.value, "filing_label": c.filing.label, "filings": c.filings, "spot_checks": c.spot_checks,
            "evaluations": c.evaluations, "disbursements": [_disbursement_out(d) for d in c.disbursements],
            "balance": contract_balance(c), "version": c.version}


def plan_out(p: ProjectPlan) -> dict[str, Any]:
    return {"plan_id": str(p.id), "area_code": p.area_code, "year": p.year, "title": p.title,
            "projects": [{"name": x["name"], "amount": text(x["amount"])} for x in p.projects], "total_amount": text(p.total_amount),
            "submitted_on": p.submitted_on, "filing": p.filing.value, "filing_label": p.filing.label, "filings": p.filings, "version": p.version}


def create_app(application: FundingApplication) -> FastAPI:
    app = FastAPI(title="攀枝花市社会工作服务体系 · funding", version="0.1.0")
    app.state.application = application
    install_idempotency(app, application)  # Idempotency-Key: a repeated command runs once
    install_error_handlers(app, {
        NotFound: (404, "not_found"),
        ConcurrentChange: (409, "concurrent_change"),
        Conflict: (409, "conflict"),
        AssistanceCapExceeded: (422, "assistance_cap_exceeded"),
        FundingError: (422, "rule_violated"),
        IntegrityError: (409, "concurrent_change"),
    }, FIELD_LABELS)

    # --- sources, budgets, balances ----------------------------------------------------------------

    @app.post("/sources", status_code=201)
    def budget_source(body: BudgetSource, funding: Funding) -> dict:
        return budget_out(funding.budget_source(body.area_code, body.year, body.source, body.amount, body.budgeted_on))

    @app.get("/sources/{area_code}/{year}/{source}")
    def get_budget(area_code: str, year: int, source: SourceKind, funding: Funding) -> dict:
        return budget_out(funding.budget(area_code, year, source))

    @app.get("/balances/{area_code}/{year}")
    def balances(area_code: str, year: int, funding: Funding) -> dict:
        """Per source of the area and year: budget, spent and balance, and the totals."""
        view = funding.area_balances(area_code, year)
        return {"area_code": area_code, "year": year, "budgeted": text(view["budgeted"]), "spent": text(view["spent"]),
                "balance": text(view["budgeted"] - view["spent"]),
                "sources": {source: {"budget": text(b), "spent": text(s), "balance": text(b - s)} for source, (b, s) in sorted(view["sources"].items())}}

    # --- hardship spending and the 3% cap ----------------------------------------------------------

    @app.post("/hardship-spending", status_code=201)
    def hardship_spending(body: HardshipSpending, funding: Funding) -> dict:
        """Records the year's total hardship-assistance spending; replies with the cap it sets for year+1."""
        return funding.record_hardship_spending(body.area_code, body.year, body.total, body.recorded_on).headroom.as_json()

    @app.get("/assistance-cap/{area_code}/{year}")
    def assistance_cap(area_code: str, year: int, funding: Funding) -> dict:
        """The year's cap on social assistance funds for purchased services, the amount used and the headroom."""
        return funding.headroom(area_code, year).as_json()

    # --- contracts ----------------------------------------------------------------------------------

    @app.post("/contracts", status_code=201)
    def sign_contract(body: SignContract, funding: Funding) -> dict:
        contract_id = funding.sign_contract(body.purchaser, body.provider_agency, [str(s) for s in body.station_ids], body.area_code,
                                            body.service_items, body.amount, body.period_start, body.period_end, _lines(body.sources),
                                            body.signed_on)
        return contract_out(funding.contract(contract_id))

    @app.get("/contracts/{contract_id}")
    def get_contract(contract_id: UUID, funding: Funding) -> dict:
        return contract_out(funding.contract(contract_id))

    @app.post("/contracts/{contract_id}/filing")
    def file_contract(contract_id: UUID, body: FileBody, funding: Funding) -> dict:
        return contract_out(funding.file_contract(contract_id, body.filed_on))

    @app.post("/contracts/{contract_id}/return")
    def return_contract(contract_id: UUID, body: ReturnBody, funding: Funding) -> dict:
        return contract_out(funding.return_contract(contract_id, body.reasons, body.returned_on))

    @app.post("/contracts/{contract_id}/spot-checks", status_code=201)
    def spot_check(contract_id: UUID, body: SpotCheck, funding: Funding) -> dict:
        return contract_out(funding.spot_check_contract(contract_id, body.outcome, body.findings, body.checked_on))

    @app.post("/contracts/{contract_id}/disbursements", status_code=201)
    def disburse(contract_id: UUID, body: Disburse, funding: Funding) -> dict:
        condition = (str(body.condition.project_id), body.condition.min_score) if body.condition else None
        paid = funding.disburse(contract_id, body.amount, body.paid_on, body.milestone, _lines(body.sources), condition)
        contract = funding.contract(contract_id)
        return {"contract_id": str(contract_id), **_disbursement_out(paid), "balance": contract_balance(contract)}

    # --- annual project plans -----------------------------------------------------------------------

    @app.post("/project-plans", status_code=201)
    def submit_plan(body: SubmitPlan, funding: Funding) -> dict:
        plan_id = funding.submit_plan(body.area_code, body.year, body.title, [(p.name, p.amount) for p in body.projects], body.submitted_on)
        return plan_out(funding.plan(plan_id))

    @app.get("/project-plans/{plan_id}")
    def get_plan(plan_id: UUID, funding: Funding) -> dict:
        return plan_out(funding.plan(plan_id))

    @app.post("/project-plans/{plan_id}/filing")
    def file_plan(plan_id: UUID, body: FileBody, funding: Funding) -> dict:
        return plan_out(funding.file_plan(plan_id, body.filed_on))

    @app.post("/project-plans/{plan_id}/return")
    def return_plan(plan_id: UUID, body: ReturnBody, funding: Funding) -> dict:
        return plan_out(funding.return_plan(plan_id, body.reasons, body.returned_on))

    @app.post("/project-plans/{plan_id}/resubmission")
    def resubmit_plan(plan_id: UUID, body: ResubmitPlan, funding: Funding) -> dict:
        return plan_out(funding.resubmit_plan(plan_id, [(p.name, p.amount) for p in body.projects], body.resubmitted_on))

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
