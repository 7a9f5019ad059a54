"""Funding events: budgets and money by source, contracts, disbursements, and the 3% cap on
social-assistance purchases (§三(四)4) with its headroom; money beyond purchases (subsidies, awards,
venture philanthropy, charity and community funds) by mode and source; the charity needs ledger,
donation points and funds per area and tier. Money is in fen.

money_paid (k1 the mode, k2 the source) is what reached the work in the area on the day it was paid:
a grant when awarded, a venture payment, a fund's payment to a project (source "charity"); purchases
are the contracts' disbursements (figure disbursed). Charity figures carry the tier of their area
(township or village, from the code's length) so a county's figure splits by tier."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from pzh_shared.areas import level_of

from reporting.projections.base import Consumed, Handler, Kind, State
from reporting.projections.facts import Facts, add, fen

ASSISTANCE = "social_assistance"


class SourceAmount(BaseModel):
    source: str
    amount: str


class Budgeted(Consumed):
    budget_id: str
    area_code: str
    year: int
    source: str
    amount: str
    budgeted_on: date


class ContractSigned(Consumed):
    contract_id: str
    purchaser: str
    area_code: str
    amount: str
    sources: list[SourceAmount]
    signed_on: date


class Disbursed(Consumed):
    contract_id: str
    area_code: str
    funding_area_code: str
    year: int
    amount: str
    sources: list[SourceAmount]
    paid_on: date


class HardshipRecorded(Consumed):
    area_code: str
    year: int
    total: str
    cap_year: int
    cap: str
    recorded_on: date


def _budgeted(state: State, d: dict) -> State:
    state.update(area_code=d["area_code"], year=d["year"], source=d["source"])
    state.setdefault("history", []).append([d["budgeted_on"], fen(d["amount"])])
    return state


def budget_facts(state: State) -> Facts:
    """budget (k1 source, k2 year): each revision replaces the figure."""
    facts: Facts = {}
    previous = 0
    for on, amount in state.get("history", []):
        add(facts, ("budget", state["area_code"], None, state["source"], str(state["year"]), on), amount - previous)
        previous = amount
    return facts


def _hardship(state: State, d: dict) -> State:
    state.update(area_code=d["area_code"], year=d["year"], cap_year=d["cap_year"])
    state.setdefault("history", []).append([d["recorded_on"], fen(d["total"]), fen(d["cap"])])
    return state


def hardship_facts(state: State) -> Facts:
    """hardship_total (k2 the year spent) and assistance_cap (k2 the year capped), latest figure."""
    facts: Facts = {}
    total = cap = 0
    area = state["area_code"]
    for on, new_total, new_cap in state.get("history", []):
        add(facts, ("hardship_total", area, None, "", str(state["year"]), on), new_total - total)
        add(facts, ("assistance_cap", area, None, "", str(state["cap_year"]), on), new_cap - cap)
        total, cap = new_total, new_cap
    return facts


def _signed(d: dict) -> Facts:
    area, on = d["area_code"], d["signed_on"]
    facts: Facts = {}
    add(facts, ("contracts_signed", area, None, d["purchaser"], "", on), 1)
    add(facts, ("contract_amount", area, None, d["purchaser"], "", on), fen(d["amount"]))
    for line in d["sources"]:
        add(facts, ("contract_sources", area, None, line["source"], "", on), fen(line["amount"]))
    return facts


def _disbursed(d: dict) -> Facts:
    """disbursed (k1 source, k2 budget year) in the contract's area; assistance_used (k2 year) in
    the funding area whose 3% cap the social-assistance part draws on."""
    facts: Facts = {}
    on, year = d["paid_on"], str(d["year"])
    add(facts, ("disbursements", d["area_code"], None, "", year, on), 1)
    for line in d["sources"]:
        amount = fen(line["amount"])
        add(facts, ("disbursed", d["area_code"], None, line["source"], year, on), amount)
        if line["source"] == ASSISTANCE:
            add(facts, ("assistance_used", d["funding_area_code"], None, "", year, on), amount)
    return facts


class GrantAwarded(Consumed):
    kind: str
    area_code: str
    source: str
    amount: str
    awarded_on: date


class VentureDisbursed(Consumed):
    area_code: str
    source: str
    amount: str
    paid_on: date


class FundEstablished(Consumed):
    kind: str
    area_code: str
    established_on: date


class FundReceived(Consumed):
    kind: str
    area_code: str
    donor_kind: str
    amount: str
    received_on: date


class FundPaid(Consumed):
    kind: str
    area_code: str
    amount: str
    paid_on: date


class NeedRecorded(Consumed):
    area_code: str
    category: str
    recorded_on: date


class NeedMet(Consumed):
    area_code: str
    category: str
    met_on: date


class PointOpened(Consumed):
    area_code: str
    opened_on: date


class PointClosed(Consumed):
    area_code: str
    closed_on: date


CHARITY_SOURCE = "charity"  # what a fund pays out is charity money, whoever gave it


def tier(area_code: str) -> str:
    return level_of(area_code).value


def _one(figure: str, area: str, k1: str, k2: str, on: str, amount: int) -> Facts:
    facts: Facts = {}
    add(facts, (figure, area, None, k1, k2, on), amount)
    return facts


def _fund_received(d: dict) -> Facts:
    area, on, amount = d["area_code"], d["received_on"], fen(d["amount"])
    facts = _one("fund_received", area, d["kind"], d["donor_kind"], on, amount)
    add(facts, ("fund_balance", area, None, d["kind"], tier(area), on), amount)
    return facts


def _fund_paid(d: dict) -> Facts:
    area, on, amount = d["area_code"], d["paid_on"], fen(d["amount"])
    facts = _one("money_paid", area, d["kind"], CHARITY_SOURCE, on, amount)
    add(facts, ("fund_balance", area, None, d["kind"], tier(area), on), -amount)
    return facts


HANDLERS = {
    "funding.source.budgeted": {1: Handler(Budgeted, "budget", lambda d: d["budget_id"], _budgeted)},
    "funding.hardship_spending.recorded": {
        1: Handler(HardshipRecorded, "hardship", lambda d: f"{d['area_code']}:{d['year']}", _hardship)
    },
    "funding.contract.signed": {1: Handler(ContractSigned, facts=_signed)},
    "funding.funds.disbursed": {1: Handler(Disbursed, facts=_disbursed)},
    "funding.grant.awarded": {1: Handler(GrantAwarded, facts=lambda d: _one(
        "money_paid", d["area_code"], d["kind"], d["source"], d["awarded_on"], fen(d["amount"])))},
    "funding.venture.disbursed": {1: Handler(VentureDisbursed, facts=lambda d: _one(
        "money_paid", d["area_code"], "venture", d["source"], d["paid_on"], fen(d["amount"])))},
    "funding.fund.established": {1: Handler(FundEstablished, facts=lambda d: _one(
        "funds", d["area_code"], d["kind"], tier(d["area_code"]), d["established_on"], 1))},
    "funding.fund.received": {1: Handler(FundReceived, facts=_fund_received)},
    "funding.fund.paid": {1: Handler(FundPaid, facts=_fund_paid)},
    "funding.charity_need.recorded": {1: Handler(NeedRecorded, facts=lambda d: _one(
        "charity_needs_recorded", d["area_code"], d["category"], tier(d["area_code"]), d["recorded_on"], 1))},
    "funding.charity_need.met": {1: Handler(NeedMet, facts=lambda d: _one(
        "charity_needs_met", d["area_code"], d["category"], tier(d["area_code"]), d["met_on"], 1))},
    # a stock: +1 from the day a point opens, -1 from the day it closes
    "funding.donation_point.opened": {1: Handler(PointOpened, facts=lambda d: _one(
        "donation_points", d["area_code"], tier(d["area_code"]), "", d["opened_on"], 1))},
    "funding.donation_point.closed": {1: Handler(PointClosed, facts=lambda d: _one(
        "donation_points", d["area_code"], tier(d["area_code"]), "", d["closed_on"], -1))},
}
KINDS = {"budget": Kind(budget_facts), "hardship": Kind(hardship_facts)}
