"""Funding events: budgets and money by source, contracts, disbursements, and the 3% cap on
social-assistance purchases (§三(四)4) with its headroom. Money is in fen."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

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


HANDLERS = {
    "funding.source.budgeted": {1: Handler(Budgeted, "budget", lambda d: d["budget_id"], _budgeted)},
    "funding.hardship_spending.recorded": {
        1: Handler(HardshipRecorded, "hardship", lambda d: f"{d['area_code']}:{d['year']}", _hardship)
    },
    "funding.contract.signed": {1: Handler(ContractSigned, facts=_signed)},
    "funding.funds.disbursed": {1: Handler(Disbursed, facts=_disbursed)},
}
KINDS = {"budget": Kind(budget_facts), "hardship": Kind(hardship_facts)}
