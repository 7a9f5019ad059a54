"""The guidance network's lists (指导台账, 督导记录台账): which stations are guided and how often, and every visit;
the commands are per station (api/stations.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from pzh_shared.listing import ListParamsDep, Page, list_response

from talent.api.dependencies import Area, Talent, text
from talent.api.schemas import GuidanceVisitRow, GuidedStationRow
from talent.application.lists import COLUMNS, with_id
from talent.domain.guidance import GuideKind, VisitMode

router = APIRouter(prefix="/guidance")


@router.get("/stations", response_model=Page[GuidedStationRow])
def guided_stations(params: ListParamsDep, talent: Talent, area: Area = None, guide_kind: GuideKind | None = None,
                    ended: bool | None = None) -> Page[dict[str, Any]] | Response:
    """受指导站点台账。sort：area_code、guided_from、visits、last_visit_on（前加 - 为倒序）：按 visits 或 last_visit_on
    排序即见久未督导的站点。"""
    return list_response(talent.lists, "guided_stations", params, "受指导站点台账", COLUMNS["guided_stations"],
                         with_id("station_id"), area_code=area, guide_kind=guide_kind.value if guide_kind else None,
                         ended=ended)


@router.get("/visits", response_model=Page[GuidanceVisitRow])
def guidance_visits(params: ListParamsDep, talent: Talent, area: Area = None, station_id: UUID | None = None,
                    guide_id: UUID | None = None, mode: VisitMode | None = None) -> Page[dict[str, Any]] | Response:
    """督导记录台账（不含督导内容），默认按督导日期倒序。"""
    return list_response(talent.lists, "guidance_visits", params, "督导记录台账", COLUMNS["guidance_visits"],
                         with_id("visit_id"), area_code=area, station_id=text(station_id), guide_id=text(guide_id),
                         mode=mode.value if mode else None)
