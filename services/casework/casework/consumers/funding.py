"""Consumes the funding service's events (`funding.events`) for the purchase-of-service contracts
projects are tied to; effectively once through the shared TrackedConsumer (each message's effects
commit with its tracking record; messages that cannot be applied go to `funding.events.dlq`)."""

from __future__ import annotations

from eventsourcing.persistence import Tracking
from pzh_shared.consumer import TrackedConsumer
from pzh_shared.envelope import Envelope

from casework.adapters.funding import CONTRACT_SIGNED, ContractSignedV1
from casework.application.service import CaseworkApplication
from casework.domain.errors import CaseworkError

GROUP_ID = "casework-funding"


def handle(app: CaseworkApplication, envelope: Envelope, tracking: Tracking) -> None:
    if envelope.type != CONTRACT_SIGNED:
        app.ignore_message(tracking)
        return
    signed = ContractSignedV1.model_validate(envelope.data)  # a ValidationError (a ValueError) dead-letters the message
    app.record_contract_signed(tracking, str(signed.contract_id), signed.purchaser, signed.provider_agency, [str(s) for s in signed.station_ids],
                               signed.area_code, str(signed.amount), signed.period_start, signed.period_end, signed.signed_on)


def funding_consumer(app: CaseworkApplication, bootstrap: str, topic: str = "funding.events", group_id: str = GROUP_ID) -> TrackedConsumer:
    return TrackedConsumer(app, lambda envelope, tracking: handle(app, envelope, tracking), bootstrap, topic, group_id,
                           rejected=(CaseworkError,))
