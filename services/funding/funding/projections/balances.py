"""Balances from the integration events alone: a small pure fold, so any consumer (reporting, an
auditor's script, a test) can rebuild every balance the service reports by replaying
`funding.events` from the start. Duplicates (the relay publishes at least once) are dropped by
envelope id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")


def _d(value: str) -> Decimal:
    return Decimal(value)


def _s(value: Decimal) -> str:
    return f"{value:.2f}"


@dataclass
class Balances:
    seen: set[str] = field(default_factory=set)
    # contract_id -> {"amount": D, "sources": {source: D}, "paid": {source: D}}
    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (area, year, source) -> [budget, spent]
    budgets: dict[tuple[str, int, str], list[Decimal]] = field(default_factory=dict)
    # (area, cap year) -> [hardship total of the year before, cap]
    caps: dict[tuple[str, int], list[Decimal]] = field(default_factory=dict)
    # (area, year) -> used of the social assistance cap
    assistance_used: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    # fund_id -> [received, paid]
    funds: dict[str, list[Decimal]] = field(default_factory=dict)

    def apply(self, event_id: str, event_type: str, data: dict[str, Any]) -> None:
        if event_id in self.seen:
            return
        self.seen.add(event_id)
        if event_type == "funding.source.budgeted.v1":
            self.budgets.setdefault((data["area_code"], data["year"], data["source"]), [ZERO, ZERO])[0] = _d(
                data["amount"]
            )
        elif event_type == "funding.contract.signed.v1":
            self.contracts[data["contract_id"]] = {"amount": _d(data["amount"]),
                                                   "sources": {s["source"]: _d(s["amount"]) for s in data["sources"]},
                                                   "paid": {s["source"]: ZERO for s in data["sources"]}}
        elif event_type == "funding.funds.disbursed.v1":
            contract = self.contracts.setdefault(
                data["contract_id"], {"amount": _d(data["contract_amount"]), "sources": {}, "paid": {}}
            )
            area, year = data["funding_area_code"], data["year"]
            for line in data["sources"]:
                amount = _d(line["amount"])
                contract["paid"][line["source"]] = contract["paid"].get(line["source"], ZERO) + amount
                self.budgets.setdefault((area, year, line["source"]), [ZERO, ZERO])[1] += amount
                if line["source"] == "social_assistance":
                    self.assistance_used[(area, year)] = self.assistance_used.get((area, year), ZERO) + amount
        elif event_type in ("funding.grant.awarded.v1", "funding.venture.disbursed.v1"):
            # subsidies, awards and venture payments draw on the budget of their source, as instalments do
            key = (data["funding_area_code"], data["year"], data["source"])
            self.budgets.setdefault(key, [ZERO, ZERO])[1] += _d(data["amount"])
        elif event_type in ("funding.fund.received.v1", "funding.fund.paid.v1"):
            self.funds.setdefault(data["fund_id"], [ZERO, ZERO])[event_type == "funding.fund.paid.v1"] += _d(
                data["amount"])
        elif event_type == "funding.hardship_spending.recorded.v1":
            self.caps[(data["area_code"], data["cap_year"])] = [_d(data["total"]), _d(data["cap"])]

    # --- views, in the shapes the service's API reports ------------------------------------------

    def contract(self, contract_id: str) -> dict[str, Any]:
        c = self.contracts[contract_id]
        paid = sum(c["paid"].values(), ZERO)
        return {
            "amount": _s(c["amount"]),
            "paid": _s(paid),
            "balance": _s(c["amount"] - paid),
            "sources": {
                s: {"amount": _s(a), "paid": _s(c["paid"].get(s, ZERO)), "balance": _s(a - c["paid"].get(s, ZERO))}
                for s, a in c["sources"].items()
            },
        }

    def area(self, area_code: str, year: int) -> dict[str, Any]:
        lines = {
            source: (budget, spent)
            for (a, y, source), (budget, spent) in self.budgets.items()
            if (a, y) == (area_code, year)
        }
        budgeted = sum((b for b, _ in lines.values()), ZERO)
        spent = sum((s for _, s in lines.values()), ZERO)
        return {
            "budgeted": _s(budgeted),
            "spent": _s(spent),
            "balance": _s(budgeted - spent),
            "sources": {
                source: {"budget": _s(b), "spent": _s(s), "balance": _s(b - s)}
                for source, (b, s) in sorted(lines.items())
            },
        }

    def fund(self, fund_id: str) -> dict[str, str]:
        received, paid = self.funds.get(fund_id, [ZERO, ZERO])
        return {"received": _s(received), "paid": _s(paid), "balance": _s(received - paid)}

    def headroom(self, area_code: str, year: int) -> dict[str, str]:
        _, cap = self.caps.get((area_code, year), [None, ZERO])
        used = self.assistance_used.get((area_code, year), ZERO)
        return {"cap": _s(cap), "used": _s(used), "headroom": _s(max(cap - used, ZERO))}


def fold(events: Iterable[tuple[str, str, dict[str, Any]]], balances: Balances | None = None) -> Balances:
    """(event id, type, data) triples in log order -> balances."""
    balances = balances or Balances()
    for event_id, event_type, data in events:
        balances.apply(event_id, event_type, data)
    return balances
