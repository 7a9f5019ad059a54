"""A station's work queue of quota items: each station of an area with its yearly quotas, met or not."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pzh_shared.listing import ListParamsDep, Page, list_response

from talent.api.dependencies import Area, Talent
from talent.api.schemas import StationQuotaRow
from talent.application.lists import COLUMNS, labelled
from talent.domain.vocabulary import StationTier

router = APIRouter(prefix="/quota-items")


@router.get("", response_model=Page[StationQuotaRow])
def quota_items(
    params: ListParamsDep,
    talent: Talent,
    area: Area = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="年度，默认今年")] = None,
    tier: Annotated[StationTier, Query(description="站点层级，默认乡镇(街道)站")] = StationTier.TOWNSHIP_STATION,
    provincial_pilot: bool | None = None,
) -> Page[dict[str, Any]] | Response:
    """各站点的年度指标及是否达标（每页的站点一次算出）。站点以人才服务已收到的登记服务规划信息为准。
    sort：area_code、planned_on（前加 - 为倒序）。"""
    the_year = year or date.today().year

    def decorate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [labelled(row) for row in talent.quota_items(rows, the_year)]

    return list_response(talent.lists, "stations", params, f"{the_year}年度站点指标", COLUMNS["stations"], decorate,
                         area_code=area, tier=tier, provincial_pilot=provincial_pilot)
