"""The funding service's contract this service consumes: `funding.contract.signed.v1` (fields fixed
by the funding service; unknown extra fields are tolerated, so an additive change never breaks us)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

CONTRACT_SIGNED = "funding.contract.signed.v1"


class FundingSource(BaseModel):
    model_config = ConfigDict(extra="ignore")
    source: str
    amount: Decimal = Field(ge=0)


class ContractSignedV1(BaseModel):
    model_config = ConfigDict(extra="ignore")

    contract_id: UUID = Field(description="opaque UUID of the contract")
    purchaser: str
    provider_agency: str
    station_ids: list[str] = Field(min_length=1)
    area_code: str = Field(pattern=r"^\d{6,12}$")
    amount: Decimal = Field(ge=0, description="decimal yuan, sent as a string")
    period_start: date
    period_end: date
    sources: list[FundingSource] = []
    signed_on: date

    @model_validator(mode="after")
    def _period(self) -> ContractSignedV1:
        if self.period_end < self.period_start:
            raise ValueError("period_end before period_start")
        return self
