"""Fixtures of the funding service's unit tests: a real SQLite store per test, and a small scenario
builder (budgets, hardship spending, a filed contract)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

AREA = "510402"  # 东区
TOWNSHIP = "510402001"


@pytest.fixture
def funding_app(tmp_path):
    from funding.application.service import FundingApplication
    from funding.settings import FundingSettings
    from pzh_shared.eventstore import make_application

    application = make_application(FundingApplication, FundingSettings(data_dir=tmp_path))
    yield application
    application.close()


def D(value: str) -> Decimal:
    return Decimal(value)


def filed_contract(
    app, sources: dict[str, str], year: int = 2021, area_code: str = TOWNSHIP, period_end: date | None = None
) -> uuid.UUID:
    """A civil affairs contract over `sources` ({kind: amount}), signed and filed early in `year`."""
    amount = sum((Decimal(v) for v in sources.values()), Decimal("0"))
    contract_id = app.sign_contract(
        "civil_affairs",
        "攀枝花市向阳社会工作服务中心",
        [str(uuid.uuid4())],
        area_code,
        ["困难群众探访与个案服务"],
        amount,
        date(year, 1, 20),
        period_end or date(year, 12, 31),
        list(sources.items()),
        date(year, 1, 15),
    )
    app.file_contract(contract_id, date(year, 1, 18))
    return contract_id


def budget_all(app, year: int, amount: str = "10000000", area_code: str = AREA) -> None:
    from funding.domain.vocabulary import SourceKind

    for kind in SourceKind:
        app.budget_source(area_code, year, kind, Decimal(amount), date(year, 1, 2))


@pytest.fixture
def scenario():
    class Scenario:
        contract = staticmethod(filed_contract)
        budgets = staticmethod(budget_all)

    return Scenario
