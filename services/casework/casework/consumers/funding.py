"""Consumes the funding service's events (`funding.events`) for the purchase-of-service contracts
projects are tied to; effectively once through the shared TrackedConsumer (each message's effects
commit with its tracking record; messages that cannot be applied go to `funding.events.dlq`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.persistence import Tracking
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pzh_shared.areas import AREA_CODE_PATTERN
from pzh_shared.consumer import On, Subscription, TrackedConsumer

from casework.application.service import CaseworkApplication
from casework.domain.errors import CaseworkError

GROUP_ID = "casework-funding"
CONTRACT_SIGNED = "funding.contract.signed.v1"


class FundingSource(BaseModel):
    model_config = ConfigDict(extra="ignore")
    source: str
    amount: Decimal = Field(ge=0)


class ContractSignedV1(BaseModel):
    """The fields of `funding.contract.signed.v1` casework reads (fixed by the funding service; unknown
    extra fields are tolerated, so an additive change never breaks us)."""

    model_config = ConfigDict(extra="ignore")

    contract_id: UUID = Field(description="opaque UUID of the contract")
    purchaser: str
    provider_agency: str
    station_ids: list[str] = Field(min_length=1)
    area_code: str = Field(pattern=AREA_CODE_PATTERN)
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


def _contract_signed(app: CaseworkApplication, signed: ContractSignedV1, tracking: Tracking) -> None:
    app.record_contract_signed(
        tracking,
        str(signed.contract_id),
        signed.purchaser,
        signed.provider_agency,
        [str(s) for s in signed.station_ids],
        signed.area_code,
        str(signed.amount),
        signed.period_start,
        signed.period_end,
        signed.signed_on,
    )


def subscription(app: CaseworkApplication) -> Subscription:
    """The funding events casework reads, each with the typed command that applies it."""
    return Subscription(app, {CONTRACT_SIGNED: On(ContractSignedV1, lambda m, t: _contract_signed(app, m, t))})


def funding_consumer(
    app: CaseworkApplication, bootstrap: str, topic: str = "funding.events", group_id: str = GROUP_ID
) -> TrackedConsumer:
    return TrackedConsumer(app, subscription(app), bootstrap, topic, group_id, rejected=(CaseworkError,))
