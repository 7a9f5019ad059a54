"""Consumes casework's events (`casework.events`): each project's performance evaluation
(`casework.project.evaluated.v1`) is recorded on its contract, where a disbursement conditioned on
it can find it. Effectively once through the shared TrackedConsumer; messages funding cannot apply
(an unknown contract, a score outside 0-100) go to `casework.events.dlq`."""

from __future__ import annotations

from pzh_shared.consumer import TrackedConsumer

from funding.application.service import FundingApplication
from funding.domain.errors import FundingError

GROUP_ID = "funding-casework"


def casework_consumer(app: FundingApplication, bootstrap: str, topic: str = "casework.events", group_id: str = GROUP_ID) -> TrackedConsumer:
    return TrackedConsumer(app, lambda envelope, tracking: app.apply_casework_event(envelope.type, envelope.data, tracking),
                           bootstrap, topic, group_id, rejected=(FundingError,))
