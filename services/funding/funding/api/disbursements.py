"""Every instalment paid, across contracts: the disbursement 台账."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from funding.api.dependencies import AreaFilter, Funding, YearFilter
from funding.api.schemas import DisbursementRow
from funding.application.lists import DISBURSEMENTS, columns, presenter
from funding.domain.vocabulary import SourceKind

router = APIRouter()


@router.get("/disbursements", response_model=Page[DisbursementRow])
def list_disbursements(params: ListParamsDep, funding: Funding, area: AreaFilter = None, year: YearFilter = None,
                       contract_id: UUID | None = None, kind: SourceKind | None = None) -> Any:
    """Instalments under an area (q: the provider agency), by year paid, contract and source kind drawn on."""
    by_kind = {f"from_{kind.value}": True} if kind else {}
    return list_response(funding.lists, "disbursements", params, "资金拨付台账", columns(DISBURSEMENTS),
                         presenter("disbursements"), area_code=area, year=year,
                         contract_id=str(contract_id) if contract_id else None, **by_kind)
