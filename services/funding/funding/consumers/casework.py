"""Consumes casework's events (`casework.events`): each project's performance evaluation
(`casework.project.evaluated.v1`) is recorded on its contract, where a disbursement conditioned on
it can find it. Effectively once through the shared TrackedConsumer; messages funding cannot apply
(an unknown contract, a score outside 0-100) go to `casework.events.dlq`."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pzh_shared.consumer import On, Subscription, TrackedConsumer

from funding.application.service import FundingApplication
from funding.domain.errors import FundingError

GROUP_ID = "funding-casework"


class ProjectEvaluated(BaseModel):
    """casework.project.evaluated.v1: a project's performance evaluation (绩效评估), as funding reads it
    (consumers model their own view of an event, never the producer's classes)."""

    model_config = ConfigDict(extra="ignore")
    project_id: UUID
    station_id: UUID
    contract_id: UUID
    score: float = Field(ge=0, le=100)
    evaluated_on: date


def subscription(app: FundingApplication) -> Subscription:
    handlers: dict[str, On[Any]] = {
        "casework.project.evaluated.v1": On(ProjectEvaluated, lambda m, t: app.record_evaluation(
            t, m.contract_id, str(m.project_id), str(m.station_id), m.score, m.evaluated_on)),
    }
    return Subscription(app, handlers)


def casework_consumer(app: FundingApplication, bootstrap: str, topic: str = "casework.events",
                      group_id: str = GROUP_ID) -> TrackedConsumer:
    return TrackedConsumer(app, subscription(app), bootstrap, topic, group_id, rejected=(FundingError,))
