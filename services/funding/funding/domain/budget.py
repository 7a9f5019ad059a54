"""SourceBudget: the budget of one source of money for one area (county or city) and year, and
what has been drawn on it. One aggregate per (area, year, source) with a deterministic id, saved
with every disbursement that draws on it, so two disbursements racing for its last yuan collide
in the event store instead of both being paid."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from funding.domain.errors import BudgetExceeded, FundingError
from funding.domain.money import ZERO, positive, shown, yuan
from funding.domain.vocabulary import SourceKind

BUDGET_NAMESPACE = uuid.UUID("0c6f3a52-9b1d-4e27-8f43-5a7d2e9c1b64")


def budget_id(area_code: str, year: int, source: SourceKind | str) -> UUID:
    return uuid.uuid5(BUDGET_NAMESPACE, f"{area_code}:{year}:{SourceKind(source).value}")


class SourceBudget(Aggregate):
    class Opened(Aggregate.Created):
        area_code: str
        year: int
        source: str

    class Budgeted(Aggregate.Event):
        area_code: str
        year: int
        source: str
        amount: Decimal
        budgeted_on: date

    class Drawn(Aggregate.Event):
        contract_id: str
        amount: Decimal

    @staticmethod
    def create_id(area_code: str, year: int, source: str) -> UUID:
        return budget_id(area_code, year, source)

    @classmethod
    def open(cls, area_code: str, year: int, source: SourceKind) -> SourceBudget:
        return cls._create(cls.Opened, area_code=area_code, year=year, source=SourceKind(source).value)

    @event(Opened)
    def __init__(self, area_code: str, year: int, source: str):
        self.area_code = area_code
        self.year = year
        self.source = SourceKind(source)
        self.amount = ZERO
        self.drawn = ZERO
        self.budgeted_on: date | None = None

    @property
    def balance(self) -> Decimal:
        return self.amount - self.drawn

    def budget(self, amount: Decimal, budgeted_on: date) -> None:
        """Sets the year's budget of this source (a later call revises it)."""
        amount = yuan(amount, "预算金额")
        if amount < self.drawn:
            raise FundingError(f"预算不能低于已支出的 {shown(self.drawn)}")
        self._budgeted(self.area_code, self.year, self.source.value, amount, budgeted_on)

    @event(Budgeted)
    def _budgeted(self, area_code: str, year: int, source: str, amount: Decimal, budgeted_on: date) -> None:
        self.amount = amount
        self.budgeted_on = budgeted_on

    def draw(self, contract_id: str, amount: Decimal) -> None:
        """Draws `amount` for a contract's instalment or a grant (`contract_id`: whose id), or refuses (409)."""
        amount = positive(amount)
        if amount > self.balance:
            raise BudgetExceeded(
                f"{self.year} 年度 {self.area_code} 的{self.source.label}预算不足：预算 {shown(self.amount)}，"
                f"已支出 {shown(self.drawn)}，余额 {shown(self.balance)}，本次拟支出 {shown(amount)}"
            )
        self._drawn(contract_id, amount)

    @event(Drawn)
    def _drawn(self, contract_id: str, amount: Decimal) -> None:
        self.drawn += amount
