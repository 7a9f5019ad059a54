"""Hardship-assistance spending, and the 3% cap it sets on social assistance funds the next year."""

from __future__ import annotations

from fastapi import APIRouter

from funding.api.dependencies import Funding
from funding.api.schemas import HardshipSpending, HeadroomOut

router = APIRouter()


@router.post("/hardship-spending", status_code=201, response_model=HeadroomOut)
def hardship_spending(body: HardshipSpending, funding: Funding) -> HeadroomOut:
    """Records the year's total hardship-assistance spending; replies with the cap it sets for year+1."""
    ledger = funding.record_hardship_spending(body.area_code, body.year, body.total, body.recorded_on)
    return HeadroomOut.model_validate(ledger.headroom.as_json())


@router.get("/assistance-cap/{area_code}/{year}", response_model=HeadroomOut)
def assistance_cap(area_code: str, year: int, funding: Funding) -> HeadroomOut:
    """The year's cap on social assistance funds for purchased services, the amount used and the headroom."""
    return HeadroomOut.model_validate(funding.headroom(area_code, year).as_json())
