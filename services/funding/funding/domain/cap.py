"""The 3% rule (plan §三(四)4): purchases of social assistance services paid from social assistance
funds may not exceed 3% of the previous year's total hardship-assistance spending (困难群众救助资金)
of the area.

AssistanceCapLedger: one aggregate per (area, year) with a deterministic id. The administrator's
record of year Y-1's hardship spending opens (or revises) the ledger of year Y, and every
disbursement that draws on social assistance funds in year Y is saved in the same transaction as
this ledger: two disbursements racing for the last headroom both append to the same version, so
the event store refuses the second (IntegrityError) instead of both being paid."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from funding.domain.errors import AssistanceCapExceeded
from funding.domain.money import FEN, ZERO, positive, shown, text, yuan

CAP_NAMESPACE = uuid.UUID("5e2b7c19-3f4a-4d86-a0e1-9c8b7d6f5a43")
CAP_RATE = Decimal("0.03")


def cap_ledger_id(area_code: str, year: int) -> UUID:
    return uuid.uuid5(CAP_NAMESPACE, f"{area_code}:{year}")


def cap_of(hardship_total: Decimal) -> Decimal:
    """3% of the hardship spending, rounded down to the fen: rounding up could pass 3%."""
    return (hardship_total * CAP_RATE).quantize(FEN, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Headroom:
    area_code: str
    year: int
    basis_year: int
    hardship_total: Decimal | None
    cap: Decimal
    used: Decimal

    @property
    def headroom(self) -> Decimal:
        return max(self.cap - self.used, ZERO)

    def as_json(self) -> dict[str, Any]:
        return {"area_code": self.area_code, "year": self.year, "basis_year": self.basis_year, "rate": "0.03",
                "hardship_total": text(self.hardship_total) if self.hardship_total is not None else None,
                "recorded": self.hardship_total is not None,
                "cap": text(self.cap), "used": text(self.used), "headroom": text(self.headroom)}


def refusal(h: Headroom, requested: Decimal) -> AssistanceCapExceeded:
    if h.hardship_total is None:
        message = (
            f"{h.area_code} 尚未登记 {h.basis_year} 年度困难群众救助资金支出总额，"
            f"{h.year} 年度社会救助资金购买服务上限按 0.00 元计，"
            f"不能从社会救助资金支付 {shown(requested)}；请先登记该年度支出总额"
        )
    else:
        message = (f"超出社会救助资金购买服务上限：{h.year} 年度 {h.area_code} 的上限为 {shown(h.cap)}"
                   f"（{h.basis_year} 年度困难群众救助资金支出 {shown(h.hardship_total)}的 3%），"
                   f"已使用 {shown(h.used)}，剩余额度 {shown(h.headroom)}，本次拟从社会救助资金支付 {shown(requested)}")
    return AssistanceCapExceeded(message, {**h.as_json(), "requested": text(requested)})


class AssistanceCapLedger(Aggregate):
    class Opened(Aggregate.Created):
        area_code: str
        year: int

    class HardshipSpendingRecorded(Aggregate.Event):
        area_code: str
        spending_year: int
        total: Decimal
        cap_year: int
        cap: Decimal
        recorded_on: date

    class Used(Aggregate.Event):
        contract_id: str
        amount: Decimal

    @staticmethod
    def create_id(area_code: str, year: int) -> UUID:
        return cap_ledger_id(area_code, year)

    @classmethod
    def open(cls, area_code: str, year: int) -> AssistanceCapLedger:
        return cls._create(cls.Opened, area_code=area_code, year=year)

    @event(Opened)
    def __init__(self, area_code: str, year: int):
        self.area_code = area_code
        self.year = year
        self.hardship_total: Decimal | None = None
        self.cap = ZERO
        self.used = ZERO

    @property
    def headroom(self) -> Headroom:
        return Headroom(self.area_code, self.year, self.year - 1, self.hardship_total, self.cap, self.used)

    def record_hardship_spending(self, total: Decimal, recorded_on: date) -> None:
        """The previous year's total hardship-assistance spending (a later record corrects it)."""
        total = yuan(total, "困难群众救助资金支出总额")
        self._hardship_recorded(self.area_code, self.year - 1, total, self.year, cap_of(total), recorded_on)

    @event(HardshipSpendingRecorded)
    def _hardship_recorded(
        self, area_code: str, spending_year: int, total: Decimal, cap_year: int, cap: Decimal, recorded_on: date
    ) -> None:
        self.hardship_total = total
        self.cap = cap

    def use(self, contract_id: str, amount: Decimal) -> None:
        """Takes `amount` of the headroom, or refuses with the cap, the amount used and the headroom."""
        amount = positive(amount)
        if self.hardship_total is None or self.used + amount > self.cap:
            raise refusal(self.headroom, amount)
        self._used(contract_id, amount)

    @event(Used)
    def _used(self, contract_id: str, amount: Decimal) -> None:
        self.used += amount


def not_recorded(area_code: str, year: int) -> Headroom:
    return Headroom(area_code, year, year - 1, None, ZERO, ZERO)

