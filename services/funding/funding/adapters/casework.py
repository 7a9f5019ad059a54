"""What funding reads of casework's events: only the fields it uses (consumers model their own view
of a contract, never the producer's classes)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class ProjectEvaluatedV1(BaseModel):
    """casework.project.evaluated.v1: a project's performance evaluation (绩效评估), as funding reads it."""

    model_config = ConfigDict(extra="ignore")
    project_id: UUID
    station_id: UUID
    contract_id: UUID
    score: float = Field(ge=0, le=100)
    evaluated_on: date
