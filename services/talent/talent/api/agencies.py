"""Social work service agencies (社会工作服务机构), counted for the station they serve."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from pzh_shared.listing import ListParamsDep, Page, list_response

from talent.api.dependencies import Area, Talent, text
from talent.api.schemas import AgencyId, AgencyOut, AgencyRow, RegisterAgency
from talent.application.lists import COLUMNS, with_id

router = APIRouter(prefix="/agencies")


@router.post("", status_code=201, response_model=AgencyId)
def register_agency(body: RegisterAgency, talent: Talent) -> AgencyId:
    return AgencyId(
        agency_id=talent.register_agency(body.name, body.registration_number, str(body.station_id), body.registered_on)
    )


@router.get("", response_model=Page[AgencyRow])
def list_agencies(
    params: ListParamsDep, talent: Talent, area: Area = None, station_id: UUID | None = None
) -> Page[dict[str, Any]] | Response:
    """社会工作服务机构台账。q 按机构名称检索（包含即匹配）。sort：registered_on、name、area_code（前加 - 为倒序）。"""
    return list_response(talent.lists, "agencies", params, "社会工作服务机构台账", COLUMNS["agencies"],
                         with_id("agency_id"), area_code=area, station_id=text(station_id))


@router.get("/{agency_id}", response_model=AgencyOut)
def get_agency(agency_id: UUID, talent: Talent) -> AgencyOut:
    return AgencyOut.of(talent.agency(agency_id))
