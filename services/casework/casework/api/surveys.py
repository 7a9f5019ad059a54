"""Satisfaction surveys (满意度调查) of a station's service."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from casework.api.dependencies import Casework
from casework.api.schemas import RecordSurvey, SurveyId, SurveyOut

router = APIRouter(prefix="/surveys")


@router.post("", status_code=201, response_model=SurveyId)
def record_survey(body: RecordSurvey, cw: Casework) -> SurveyId:
    return SurveyId(
        survey_id=cw.record_survey(str(body.station_id), body.respondent, body.method, body.score, body.surveyed_on)
    )


@router.get("/{survey_id}", response_model=SurveyOut)
def get_survey(survey_id: UUID, cw: Casework) -> SurveyOut:
    s = cw.survey(survey_id)
    return SurveyOut(
        survey_id=str(s.id),
        station_id=s.station_id,
        respondent=s.respondent,
        method=s.method,
        score=s.score,
        surveyed_on=s.surveyed_on,
    )
