"""Satisfaction surveys (满意度调查) of a station's service."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from casework.api.dependencies import Casework, with_id
from casework.api.schemas import RecordSurvey, Respondent, SurveyId, SurveyMethod, SurveyOut, SurveyRow

router = APIRouter(prefix="/surveys")


@router.post("", status_code=201, response_model=SurveyId)
def record_survey(body: RecordSurvey, cw: Casework) -> SurveyId:
    return SurveyId(
        survey_id=cw.record_survey(str(body.station_id), body.respondent, body.method, body.score, body.surveyed_on,
                                   body.area_code)
    )


SURVEY_COLUMNS = [("survey_id", "调查编号"), ("station_id", "站点编号"), ("area_code", "行政区划代码"),
                  ("respondent", "调查对象"), ("method", "调查方式"), ("score", "评分"), ("surveyed_on", "调查日期")]


@router.get("", response_model=Page[SurveyRow])
def list_surveys(cw: Casework, params: ListParamsDep, area: str | None = None, station_id: UUID | None = None,
                 respondent: Respondent | None = None, method: SurveyMethod | None = None, year: str | None = None,
                 month: str | None = None) -> Any:
    """Satisfaction surveys under an area by respondent, method and when (year/month), or their 台账."""
    return list_response(cw.lists, "surveys", params, "满意度调查台账", SURVEY_COLUMNS, with_id("survey_id"),
                         area_code=area, station_id=str(station_id) if station_id else None,
                         respondent=respondent.value if respondent else None, method=method.value if method else None,
                         surveyed_on_year=year, surveyed_on_month=month)


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
