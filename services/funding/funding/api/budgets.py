"""Sources and their budgets per area and year, and the balances they leave."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from funding.api.dependencies import AreaFilter, Funding, YearFilter
from funding.api.schemas import BalancesOut, BudgetOut, BudgetRow, BudgetSource, SourceBalance
from funding.application.lists import SOURCES, columns, presenter
from funding.domain.budget import SourceBudget
from funding.domain.money import text
from funding.domain.vocabulary import SourceKind

router = APIRouter()


def budget_out(b: SourceBudget) -> BudgetOut:
    return BudgetOut(area_code=b.area_code, year=b.year, source=b.source.value, source_name=b.source.label,
                     budget=text(b.amount), spent=text(b.drawn), balance=text(b.balance), budgeted_on=b.budgeted_on)


@router.post("/sources", status_code=201, response_model=BudgetOut)
def budget_source(body: BudgetSource, funding: Funding) -> BudgetOut:
    return budget_out(funding.budget_source(body.area_code, body.year, body.source, body.amount, body.budgeted_on))


@router.get("/sources", response_model=Page[BudgetRow])
def list_budgets(params: ListParamsDep, funding: Funding, area: AreaFilter = None, year: YearFilter = None,
                 source: SourceKind | None = None) -> Any:
    """The budgets (per area, year and source) under an area, or their 台账 with format=xlsx."""
    return list_response(funding.lists, "sources", params, "预算台账", columns(SOURCES), presenter("sources"),
                         area_code=area, year=year, source=source)


@router.get("/sources/{area_code}/{year}/{source}", response_model=BudgetOut)
def get_budget(area_code: str, year: int, source: SourceKind, funding: Funding) -> BudgetOut:
    return budget_out(funding.budget(area_code, year, source))


@router.get("/balances/{area_code}/{year}", response_model=BalancesOut)
def balances(area_code: str, year: int, funding: Funding) -> BalancesOut:
    """Per source of the area and year: budget, spent and balance, and the totals."""
    view = funding.area_balances(area_code, year)
    sources = {source: SourceBalance(budget=text(b), spent=text(s), balance=text(b - s))
               for source, (b, s) in sorted(view["sources"].items())}
    return BalancesOut(area_code=area_code, year=year, budgeted=text(view["budgeted"]), spent=text(view["spent"]),
                       balance=text(view["budgeted"] - view["spent"]), sources=sources)
