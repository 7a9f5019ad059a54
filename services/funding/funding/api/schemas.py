"""The funding API's request and response models. Every amount is a decimal string in yuan both ways
("1234.50"): JSON numbers with a fraction are refused, so no amount ever passes through a float."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pzh_shared.areas import AREA_CODE_PATTERN, COUNTY_CODE_PATTERN

from funding.domain.errors import FundingError
from funding.domain.money import yuan
from funding.domain.vocabulary import Purchaser, SourceKind, SpotCheckOutcome

# -- requests ---------------------------------------------------------------------------------------

Today = Field(default_factory=date.today)


def _amount(value: Any) -> Decimal:
    try:
        return yuan(value)
    except FundingError as exc:
        raise ValueError(str(exc)) from None


Yuan = Annotated[Decimal, BeforeValidator(_amount)]
Year = Annotated[int, Field(ge=2000, le=2100)]
AreaCode = Annotated[str, Field(pattern=AREA_CODE_PATTERN)]
CountyCode = Annotated[str, Field(pattern=COUNTY_CODE_PATTERN)]


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


# -- responses --------------------------------------------------------------------------------------


class BudgetOut(BaseModel):
    area_code: str
    year: int
    source: str
    source_name: str
    budget: str
    spent: str
    balance: str
    budgeted_on: date | None


class SourceBalance(BaseModel):
    budget: str
    spent: str
    balance: str


class BalancesOut(BaseModel):
    area_code: str
    year: int
    budgeted: str
    spent: str
    balance: str
    sources: dict[str, SourceBalance]


class HeadroomOut(BaseModel):
    """The 3% cap of a year on social assistance funds for purchased services, and what is left of it."""

    area_code: str
    year: int
    basis_year: int
    rate: str
    hardship_total: str | None
    recorded: bool
    cap: str
    used: str
    headroom: str


class FilingEntry(BaseModel):
    """One step of a filing's history: its other fields (by, with, reasons, on) depend on the step."""

    model_config = ConfigDict(extra="allow")
    status: str


class SpotCheckOut(BaseModel):
    checked_by: str
    outcome: str
    findings: list[str]
    checked_on: date


class EvaluationOut(BaseModel):
    project_id: str
    station_id: str
    score: float
    evaluated_on: date


class ConditionMet(BaseModel):
    project_id: str
    min_score: float
    score: float
    evaluated_on: date


class AmountLine(BaseModel):
    source: str
    amount: str


class DisbursementOut(BaseModel):
    instalment: int
    milestone: str
    amount: str
    sources: list[AmountLine]
    paid_on: date
    evaluation: ConditionMet | None


class ContractSourceBalance(BaseModel):
    amount: str
    paid: str
    balance: str


class ContractBalance(BaseModel):
    amount: str
    paid: str
    balance: str
    sources: dict[str, ContractSourceBalance]


class ContractOut(BaseModel):
    contract_id: str
    purchaser: str
    provider_agency: str
    station_ids: list[str]
    area_code: str
    funding_area_code: str
    filed_with: str = Field(description="受理本合同备案的上一级(乡镇/村的合同由县(区)备案，县(区)的由市，市的由省)")
    service_items: list[str]
    period_start: date
    period_end: date
    signed_on: date
    filing: str
    filing_label: str
    filings: list[FilingEntry]
    spot_checks: list[SpotCheckOut]
    evaluations: list[EvaluationOut]
    disbursements: list[DisbursementOut]
    balance: ContractBalance
    version: int


class ContractRef(BaseModel):
    contract_id: str


class Paid(DisbursementOut, ContractRef):
    """A disbursement just paid (its contract's id first), and the contract's balance after it."""

    balance: ContractBalance


class ProjectOut(BaseModel):
    name: str
    amount: str


class PlanOut(BaseModel):
    plan_id: str
    area_code: str
    year: int
    title: str
    projects: list[ProjectOut]
    total_amount: str
    submitted_on: date
    filing: str
    filing_label: str
    filings: list[FilingEntry]
    version: int


# -- list rows (GET /sources, /contracts, /disbursements, /project-plans, /filing-queue) ------------


class _RowId(BaseModel):
    id: str


class BudgetRow(BudgetOut, _RowId):  # a budget line as a list row: its id first, then BudgetOut's fields
    pass


class ContractRow(BaseModel):
    id: str
    contract_id: str
    provider_agency: str
    purchaser: str
    area_code: str
    funding_area_code: str
    year: int
    signed_on: date
    period_start: date
    period_end: date
    amount: str
    paid: str
    station_count: int
    status: str = Field(description="signed(待备案)、filed(已备案)、returned(已退回)、spot_checked(已抽查)")
    status_label: str
    spot_checks: int


class DisbursementRow(BaseModel):
    id: str = Field(description="合同编号:期次")
    contract_id: str
    instalment: int
    provider_agency: str
    area_code: str
    year: int
    paid_on: date
    milestone: str
    amount: str
    sources: list[AmountLine]
    source_names: str


class PlanRow(BaseModel):
    id: str
    title: str
    area_code: str
    year: int
    project_count: int
    total_amount: str
    submitted_on: date = Field(description="最近一次报送(重新报送)的日期")
    status: str
    status_label: str


class FilingQueueItem(BaseModel):
    """A contract or an annual project plan waiting to be filed, and how long it has waited."""

    id: str = Field(description="合同或年度项目计划的编号")
    type: str = Field(description="contract(购买服务合同) 或 plan(年度项目计划)")
    type_label: str
    title: str = Field(description="合同的承接机构，或计划名称")
    area_code: str
    filed_by: str = Field(description="报送备案的县(区)或市")
    filed_with: str = Field(description="受理备案的上一级")
    year: int
    amount: str
    status: str = Field(description="pending(待备案)，或 returned(已退回的合同：改正后备案)")
    status_label: str
    since: date = Field(description="从这天起等待备案：签订(报送、重新报送)日期，退回的合同为退回日期")
    waiting_days: int
