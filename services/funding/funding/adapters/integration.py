"""The funding service's public integration events. Private domain events are translated here, at
the edge, into versioned contracts (`funding.<aggregate>.<verb>.v<N>`); the JSON Schemas generated
from these models are committed under services/funding/schemas/.

Amounts are exact decimals in yuan carried as strings with two places ("1234.50"), never numbers.
`funding.contract.signed.v1` is consumed by casework: its type and fields are fixed. Budget draws,
cap-ledger uses and evaluations received from casework stay private (the disbursed event carries
what a consumer needs to keep every balance).

Money beyond contracts (subsidies, awards, venture philanthropy, charity and community funds) and the charity
needs ledger and donation points publish amounts, areas, stations, sources, kinds and organisations only: never a
donor's name (an enterprise's either: kinds suffice for the reports), a need's summary, or a venture
application before it is awarded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pzh_shared.areas import AREA_CODE_PATTERN
from pzh_shared.contracts import Contract as EventContract
from pzh_shared.contracts import Publication, aggregate_id, uuid_field

from funding.domain.budget import SourceBudget
from funding.domain.cap import AssistanceCapLedger
from funding.domain.charity import CharityNeed, DonationPoint
from funding.domain.contract import Contract
from funding.domain.fund import Fund
from funding.domain.grant import Grant, VentureRound
from funding.domain.money import text
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

_YUAN = r"^(0|[1-9][0-9]{0,11})\.[0-9]{2}$"
# The shared rule, spelt with [0-9] as funding's published schemas have always spelt it (they stay byte-identical).
_AREA = AREA_CODE_PATTERN.replace(r"\d", "[0-9]")


def _yuan(description: str) -> Any:
    return Field(pattern=_YUAN, description=f"{description}; exact decimal yuan as a string with two places")


def _area(description: str) -> Any:
    return Field(pattern=_AREA, description=description)



class SourceAmount(EventContract):
    source: str = Field(description="source kind code (welfare_lottery, social_assistance, ...)")
    amount: str = _yuan("the part paid from this source")


class SourceBudgetedV1(EventContract):
    """funding.source.budgeted.v1: the year's budget of one source of money for an area (again: revised)."""

    model_config = ConfigDict(title="funding.source.budgeted.v1")
    budget_id: str = uuid_field("opaque UUID of the (area, year, source) budget")
    area_code: str = _area("county-level (or city) area code")
    year: int
    source: SourceKind
    amount: str = _yuan("the budget, replacing any earlier figure")
    budgeted_on: date


class ContractSignedV1(EventContract):
    """funding.contract.signed.v1: a purchase-of-service contract was signed (consumed by casework)."""

    model_config = ConfigDict(title="funding.contract.signed.v1")
    contract_id: str = uuid_field("opaque UUID of the contract")
    purchaser: Purchaser
    provider_agency: str = Field(description="the agency providing the service (name or talent's agency_id)")
    station_ids: list[str] = Field(description="the registry's station UUIDs served")
    area_code: str = _area("area of the purchasing level (county 6 digits, township 9)")
    amount: str = _yuan("the contract amount")
    period_start: date
    period_end: date
    sources: list[SourceAmount] = Field(description="funding source split; the amounts sum to `amount`")
    signed_on: date


class ContractFiledV1(EventContract):
    """funding.contract.filed.v1: the level above accepted the contract on file (备案)."""

    model_config = ConfigDict(title="funding.contract.filed.v1")
    contract_id: str = uuid_field("opaque UUID of the contract")
    area_code: str = _area("the contract's area")
    filed_by: str = _area("whose item it is: the area that submitted it (a township, county or city)")
    filed_with: str = _area("the bureau one level above that files it (a township's: its county)")
    filed_on: date


class ContractReturnedV1(EventContract):
    """funding.contract.returned.v1: the level above returned the contract with reasons (退回)."""

    model_config = ConfigDict(title="funding.contract.returned.v1")
    contract_id: str = uuid_field("opaque UUID of the contract")
    area_code: str = _area("the contract's area")
    returned_by: str = _area("the level above that returned it")
    reasons: list[str]
    returned_on: date


class ContractSpotCheckedV1(EventContract):
    """funding.contract.spot_checked.v1: the level above spot-checked the contract's implementation (抽查)."""

    model_config = ConfigDict(title="funding.contract.spot_checked.v1")
    contract_id: str = uuid_field("opaque UUID of the contract")
    area_code: str = _area("the contract's area")
    checked_by: str = _area("the level above that checked")
    outcome: SpotCheckOutcome
    findings: list[str]
    checked_on: date


class Evaluation(EventContract):
    project_id: str = uuid_field("casework's project UUID")
    min_score: float = Field(ge=0, le=100)
    score: float = Field(ge=0, le=100)
    evaluated_on: date


class FundsDisbursedV1(EventContract):
    """funding.funds.disbursed.v1: an instalment of a contract was paid, split by source."""

    model_config = ConfigDict(title="funding.funds.disbursed.v1")
    contract_id: str = uuid_field("opaque UUID of the contract")
    area_code: str = _area("the contract's area")
    funding_area_code: str = _area("the county-level (or city) area whose budgets and 3% cap it draws on")
    year: int = Field(description="the budget year: the year of paid_on")
    instalment: int = Field(ge=1, description="1 for the contract's first payment, and so on")
    milestone: str
    amount: str = _yuan("paid in this instalment")
    sources: list[SourceAmount] = Field(description="the instalment's split by source; sums to `amount`")
    paid_on: date
    contract_amount: str = _yuan("the contract amount")
    paid_to_date: str = _yuan("paid on the contract including this instalment")
    evaluation: Evaluation | None = Field(
        default=None, description="the performance evaluation the payment was conditioned on"
    )


class HardshipSpendingRecordedV1(EventContract):
    # The docstring is the published schema's description, one line: hence the concatenated form.
    (
        "funding.hardship_spending.recorded.v1: an area's total hardship-assistance spending of a year, "
        "the basis of next year's 3% cap."
    )

    model_config = ConfigDict(title="funding.hardship_spending.recorded.v1")
    area_code: str = _area("county-level (or city) area code")
    year: int = Field(description="the year the money was spent")
    total: str = _yuan(
        "total hardship-assistance spending (困难群众救助资金) of the year, replacing any earlier figure"
    )
    cap_year: int = Field(description="year + 1: the year whose cap this sets")
    cap: str = _yuan("3% of total, rounded down to the fen")
    recorded_on: date


class ProjectLine(EventContract):
    name: str
    amount: str = _yuan("planned amount")


class ProjectPlanSubmittedV1(EventContract):
    # The docstring is the published schema's description, one line: hence the concatenated form.
    (
        "funding.project_plan.submitted.v1: an annual project plan was submitted for filing "
        "(again: resubmitted after a return)."
    )

    model_config = ConfigDict(title="funding.project_plan.submitted.v1")
    plan_id: str = uuid_field("opaque UUID of the plan")
    area_code: str = _area("the planning area")
    year: int
    projects: list[ProjectLine]
    total_amount: str = _yuan("sum of the projects")
    submitted_on: date


class ProjectPlanFiledV1(EventContract):
    """funding.project_plan.filed.v1: the level above accepted the annual project plan on file."""

    model_config = ConfigDict(title="funding.project_plan.filed.v1")
    plan_id: str = uuid_field("opaque UUID of the plan")
    area_code: str = _area("the planning area")
    year: int
    filed_by: str = _area("whose item it is: the area that submitted it (a township, county or city)")
    filed_with: str = _area("the bureau one level above that files it (a township's: its county)")
    filed_on: date


class ProjectPlanReturnedV1(EventContract):
    """funding.project_plan.returned.v1: the level above returned the annual project plan with reasons."""

    model_config = ConfigDict(title="funding.project_plan.returned.v1")
    plan_id: str = uuid_field("opaque UUID of the plan")
    area_code: str = _area("the planning area")
    year: int
    returned_by: str = _area("the level above that returned it")
    reasons: list[str]
    returned_on: date


def _station() -> Any:
    return Field(default=None, description="the registry's station UUID, when the money or item is a station's")


class GrantAwardedV1(EventContract):
    """funding.grant.awarded.v1: a subsidy (补贴) or an award (奖励) was paid, from the area's budget of its source."""

    model_config = ConfigDict(title="funding.grant.awarded.v1")
    grant_id: str = uuid_field("opaque UUID of the grant")
    kind: GrantKind
    organisation: str = Field(description="the organisation paid")
    area_code: str = _area("the area of the work paid for")
    funding_area_code: str = _area("the county-level (or city) area whose budget it draws on")
    station_id: str | None = _station()
    source: SourceKind
    amount: str = _yuan("paid")
    year: int = Field(description="the budget year: the year of awarded_on")
    awarded_on: date


class VentureRoundOpenedV1(EventContract):
    """funding.venture_round.opened.v1: a bureau opened a venture philanthropy (公益创投) round with its pot."""

    model_config = ConfigDict(title="funding.venture_round.opened.v1")
    round_id: str = uuid_field("opaque UUID of the round")
    area_code: str = _area("the county (or city) that runs the round and whose budget it draws on")
    year: int
    title: str
    source: SourceKind
    budget: str = _yuan("the round's pot")
    opened_on: date
    closes_on: date


class VentureAwardedV1(EventContract):
    """funding.venture.awarded.v1: an application of a venture philanthropy round was awarded."""

    model_config = ConfigDict(title="funding.venture.awarded.v1")
    round_id: str = uuid_field("opaque UUID of the round")
    application_no: int = Field(ge=1)
    organisation: str
    area_code: str = _area("the area of the project")
    station_id: str | None = _station()
    amount: str = _yuan("awarded")
    awarded_on: date


class VentureDisbursedV1(EventContract):
    """funding.venture.disbursed.v1: a payment against a venture philanthropy award."""

    model_config = ConfigDict(title="funding.venture.disbursed.v1")
    round_id: str = uuid_field("opaque UUID of the round")
    application_no: int = Field(ge=1)
    area_code: str = _area("the area of the project")
    funding_area_code: str = _area("the round's area, whose budget it draws on")
    source: SourceKind
    amount: str = _yuan("paid")
    year: int = Field(description="the budget year: the year of paid_on")
    paid_on: date
    awarded: str = _yuan("the award")
    paid_to_date: str = _yuan("paid against the award including this payment")


class FundEstablishedV1(EventContract):
    """funding.fund.established.v1: a charity special fund (at a station) or a community fund was set up."""

    model_config = ConfigDict(title="funding.fund.established.v1")
    fund_id: str = uuid_field("opaque UUID of the fund")
    kind: FundKind
    name: str
    area_code: str = _area("the fund's village/community, township, or its station's area")
    station_id: str | None = _station()
    organisation: str | None = Field(default=None, description="the charity organisation that set it up")
    purposes: list[CharityCategory]
    established_on: date


class FundReceivedV1(EventContract):
    """funding.fund.received.v1: money came into a fund; the donor by kind only."""

    model_config = ConfigDict(title="funding.fund.received.v1")
    fund_id: str = uuid_field("opaque UUID of the fund")
    kind: FundKind
    area_code: str = _area("the fund's area")
    donor_kind: DonorKind
    amount: str = _yuan("received")
    received_on: date
    balance: str = _yuan("the fund's balance after it")


class FundPaidV1(EventContract):
    """funding.fund.paid.v1: a fund paid money to a project; the balance never goes below zero."""

    model_config = ConfigDict(title="funding.fund.paid.v1")
    fund_id: str = uuid_field("opaque UUID of the fund")
    kind: FundKind
    area_code: str = _area("the fund's area")
    category: CharityCategory
    amount: str = _yuan("paid")
    paid_on: date
    balance: str = _yuan("the fund's balance after it")


class CharityNeedRecordedV1(EventContract):
    """funding.charity_need.recorded.v1: a need was entered in a community's charity needs ledger."""

    model_config = ConfigDict(title="funding.charity_need.recorded.v1")
    need_id: str = uuid_field("opaque UUID of the need")
    area_code: str = _area("the village/community or township")
    station_id: str | None = _station()
    category: CharityCategory
    recorded_on: date


class CharityNeedMetV1(EventContract):
    """funding.charity_need.met.v1: a need of the ledger was met with a charity resource."""

    model_config = ConfigDict(title="funding.charity_need.met.v1")
    need_id: str = uuid_field("opaque UUID of the need")
    area_code: str = _area("the need's area")
    category: CharityCategory
    resource_kind: ResourceKind
    met_on: date


class DonationPointOpenedV1(EventContract):
    """funding.donation_point.opened.v1: a community charity donation point (慈善捐赠点) was set up."""

    model_config = ConfigDict(title="funding.donation_point.opened.v1")
    point_id: str = uuid_field("opaque UUID of the point")
    area_code: str = _area("the village/community or township")
    operator: str = Field(description="the charity organisation that runs it")
    opened_on: date


class DonationPointClosedV1(EventContract):
    """funding.donation_point.closed.v1: a donation point was closed."""

    model_config = ConfigDict(title="funding.donation_point.closed.v1")
    point_id: str = uuid_field("opaque UUID of the point")
    area_code: str = _area("the point's area")
    closed_on: date


CONTRACTS: dict[str, type[BaseModel]] = {
    "funding.source.budgeted.v1": SourceBudgetedV1,
    "funding.contract.signed.v1": ContractSignedV1,
    "funding.contract.filed.v1": ContractFiledV1,
    "funding.contract.returned.v1": ContractReturnedV1,
    "funding.contract.spot_checked.v1": ContractSpotCheckedV1,
    "funding.funds.disbursed.v1": FundsDisbursedV1,
    "funding.hardship_spending.recorded.v1": HardshipSpendingRecordedV1,
    "funding.project_plan.submitted.v1": ProjectPlanSubmittedV1,
    "funding.project_plan.filed.v1": ProjectPlanFiledV1,
    "funding.project_plan.returned.v1": ProjectPlanReturnedV1,
    "funding.grant.awarded.v1": GrantAwardedV1,
    "funding.venture_round.opened.v1": VentureRoundOpenedV1,
    "funding.venture.awarded.v1": VentureAwardedV1,
    "funding.venture.disbursed.v1": VentureDisbursedV1,
    "funding.fund.established.v1": FundEstablishedV1,
    "funding.fund.received.v1": FundReceivedV1,
    "funding.fund.paid.v1": FundPaidV1,
    "funding.charity_need.recorded.v1": CharityNeedRecordedV1,
    "funding.charity_need.met.v1": CharityNeedMetV1,
    "funding.donation_point.opened.v1": DonationPointOpenedV1,
    "funding.donation_point.closed.v1": DonationPointClosedV1,
}


def _money(value: Decimal) -> str:
    return text(value)


def _lines(lines: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"source": line["source"], "amount": _money(line["amount"])} for line in lines]


def _projects(lines: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"name": line["name"], "amount": _money(line["amount"])} for line in lines]


def _evaluation(e: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if e is None else {k: e[k] for k in ("project_id", "min_score", "score", "evaluated_on")}


def _plan_submitted(e: Any, submitted_on: date) -> dict[str, Any]:
    """A plan's first submission and each resubmission publish the same contract."""
    return dict(
        plan_id=aggregate_id(e),
        area_code=e.area_code,
        year=e.year,
        projects=_projects(e.projects),
        total_amount=_money(e.total_amount),
        submitted_on=submitted_on,
    )


# domain event class -> (integration type, data built from the event alone), field by field on purpose.
_TRANSLATIONS: dict[type, tuple[str, Any]] = {
    SourceBudget.Budgeted: (
        "funding.source.budgeted.v1",
        lambda e: dict(
            budget_id=aggregate_id(e),
            area_code=e.area_code,
            year=e.year,
            source=e.source,
            amount=_money(e.amount),
            budgeted_on=e.budgeted_on,
        ),
    ),
    Contract.Signed: (
        "funding.contract.signed.v1",
        lambda e: dict(
            contract_id=aggregate_id(e),
            purchaser=e.purchaser,
            provider_agency=e.provider_agency,
            station_ids=list(e.station_ids),
            area_code=e.area_code,
            amount=_money(e.amount),
            period_start=e.period_start,
            period_end=e.period_end,
            sources=_lines(e.sources),
            signed_on=e.signed_on,
        ),
    ),
    Contract.Filed: (
        "funding.contract.filed.v1",
        lambda e: dict(
            contract_id=aggregate_id(e),
            area_code=e.area_code,
            filed_by=e.filed_by,
            filed_with=e.filed_with,
            filed_on=e.filed_on,
        ),
    ),
    Contract.Returned: (
        "funding.contract.returned.v1",
        lambda e: dict(
            contract_id=aggregate_id(e),
            area_code=e.area_code,
            returned_by=e.returned_by,
            reasons=list(e.reasons),
            returned_on=e.returned_on,
        ),
    ),
    Contract.SpotChecked: (
        "funding.contract.spot_checked.v1",
        lambda e: dict(
            contract_id=aggregate_id(e),
            area_code=e.area_code,
            checked_by=e.checked_by,
            outcome=e.outcome,
            findings=list(e.findings),
            checked_on=e.checked_on,
        ),
    ),
    Contract.Disbursed: (
        "funding.funds.disbursed.v1",
        lambda e: dict(
            contract_id=aggregate_id(e),
            area_code=e.area_code,
            funding_area_code=e.funding_area_code,
            year=e.paid_on.year,
            instalment=e.instalment,
            milestone=e.milestone,
            amount=_money(e.amount),
            sources=_lines(e.sources),
            paid_on=e.paid_on,
            contract_amount=_money(e.contract_amount),
            paid_to_date=_money(e.paid_to_date),
            evaluation=_evaluation(e.evaluation),
        ),
    ),
    AssistanceCapLedger.HardshipSpendingRecorded: (
        "funding.hardship_spending.recorded.v1",
        lambda e: dict(
            area_code=e.area_code,
            year=e.spending_year,
            total=_money(e.total),
            cap_year=e.cap_year,
            cap=_money(e.cap),
            recorded_on=e.recorded_on,
        ),
    ),
    ProjectPlan.Submitted: ("funding.project_plan.submitted.v1", lambda e: _plan_submitted(e, e.submitted_on)),
    ProjectPlan.Resubmitted: ("funding.project_plan.submitted.v1", lambda e: _plan_submitted(e, e.resubmitted_on)),
    ProjectPlan.Filed: (
        "funding.project_plan.filed.v1",
        lambda e: dict(
            plan_id=aggregate_id(e),
            area_code=e.area_code,
            year=e.year,
            filed_by=e.filed_by,
            filed_with=e.filed_with,
            filed_on=e.filed_on,
        ),
    ),
    ProjectPlan.Returned: (
        "funding.project_plan.returned.v1",
        lambda e: dict(
            plan_id=aggregate_id(e),
            area_code=e.area_code,
            year=e.year,
            returned_by=e.returned_by,
            reasons=list(e.reasons),
            returned_on=e.returned_on,
        ),
    ),
    Grant.Awarded: (
        "funding.grant.awarded.v1",
        lambda e: dict(
            grant_id=aggregate_id(e),
            kind=e.kind,
            organisation=e.organisation,
            area_code=e.area_code,
            funding_area_code=e.funding_area_code,
            station_id=e.station_id,
            source=e.source,
            amount=_money(e.amount),
            year=e.awarded_on.year,
            awarded_on=e.awarded_on,
        ),
    ),
    VentureRound.Opened: (
        "funding.venture_round.opened.v1",
        lambda e: dict(
            round_id=aggregate_id(e),
            area_code=e.area_code,
            year=e.year,
            title=e.title,
            source=e.source,
            budget=_money(e.budget),
            opened_on=e.opened_on,
            closes_on=e.closes_on,
        ),
    ),
    VentureRound.Awarded: (
        "funding.venture.awarded.v1",
        lambda e: dict(
            round_id=aggregate_id(e),
            application_no=e.application_no,
            organisation=e.organisation,
            area_code=e.area_code,
            station_id=e.station_id,
            amount=_money(e.amount),
            awarded_on=e.awarded_on,
        ),
    ),
    VentureRound.Disbursed: (
        "funding.venture.disbursed.v1",
        lambda e: dict(
            round_id=aggregate_id(e),
            application_no=e.application_no,
            area_code=e.area_code,
            funding_area_code=e.funding_area_code,
            source=e.source,
            amount=_money(e.amount),
            year=e.paid_on.year,
            paid_on=e.paid_on,
            awarded=_money(e.awarded),
            paid_to_date=_money(e.paid_to_date),
        ),
    ),
    Fund.Established: (
        "funding.fund.established.v1",
        lambda e: dict(
            fund_id=aggregate_id(e),
            kind=e.kind,
            name=e.name,
            area_code=e.area_code,
            station_id=e.station_id,
            organisation=e.organisation,
            purposes=list(e.purposes),
            established_on=e.established_on,
        ),
    ),
    Fund.Received: (
        "funding.fund.received.v1",
        lambda e: dict(
            fund_id=aggregate_id(e),
            kind=e.kind,
            area_code=e.area_code,
            donor_kind=e.donor_kind,
            amount=_money(e.amount),
            received_on=e.received_on,
            balance=_money(e.balance),
        ),
    ),
    Fund.Paid: (
        "funding.fund.paid.v1",
        lambda e: dict(
            fund_id=aggregate_id(e),
            kind=e.kind,
            area_code=e.area_code,
            category=e.category,
            amount=_money(e.amount),
            paid_on=e.paid_on,
            balance=_money(e.balance),
        ),
    ),
    CharityNeed.Recorded: (
        "funding.charity_need.recorded.v1",
        lambda e: dict(
            need_id=aggregate_id(e),
            area_code=e.area_code,
            station_id=e.station_id,
            category=e.category,
            recorded_on=e.recorded_on,
        ),
    ),
    CharityNeed.Met: (
        "funding.charity_need.met.v1",
        lambda e: dict(
            need_id=aggregate_id(e),
            area_code=e.area_code,
            category=e.category,
            resource_kind=e.resource_kind,
            met_on=e.met_on,
        ),
    ),
    DonationPoint.Opened: (
        "funding.donation_point.opened.v1",
        lambda e: dict(point_id=aggregate_id(e), area_code=e.area_code, operator=e.operator, opened_on=e.opened_on),
    ),
    DonationPoint.Closed: (
        "funding.donation_point.closed.v1",
        lambda e: dict(point_id=aggregate_id(e), area_code=e.area_code, closed_on=e.closed_on),
    ),
}


# What the relay publishes; draws, cap uses, evaluations and venture applications stay private.
PUBLICATION = Publication(_TRANSLATIONS, CONTRACTS)
