"""University interns and their placements at stations."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from pzh_shared.listing import ListParamsDep, Page, list_response

from talent.api.dependencies import Area, Talent, text
from talent.api.schemas import InternId, InternOut, InternRow, PlaceIntern, RegisterIntern, Status
from talent.application.lists import COLUMNS, with_people

router = APIRouter(prefix="/interns")


@router.post("", status_code=201, response_model=InternId)
def register_intern(body: RegisterIntern, talent: Talent) -> InternId:
    return InternId(intern_id=talent.register_intern(body.name, body.phone, body.university, body.registered_on))


@router.post("/{intern_id}/placements", status_code=201, response_model=Status)
def place_intern(intern_id: UUID, body: PlaceIntern, talent: Talent) -> Status:
    talent.place_intern(intern_id, str(body.station_id), body.placed_from, body.placed_until, body.supervisor_id)
    return Status(status="placed")


@router.get("", response_model=Page[InternRow])
def list_interns(
    params: ListParamsDep, talent: Talent, area: Area = None, station_id: UUID | None = None,
    supervisor_id: UUID | None = None,
) -> Page[dict[str, Any]] | Response:
    """实习生台账（站点、地区为最近一次实习安排的站点）。q 按姓名检索：姓名属个人信息，加密存储，只能精确匹配全名。
    sort：registered_on、placed_from、area_code（前加 - 为倒序）。"""
    return list_response(talent.lists, "interns", params, "实习生台账", COLUMNS["interns"],
                         with_people(talent, "intern_id"), area_code=area, station_id=text(station_id),
                         supervisor_id=text(supervisor_id), name=params.q)


@router.get("/{intern_id}", response_model=InternOut)
def get_intern(intern_id: UUID, talent: Talent) -> InternOut:
    intern = talent.intern(intern_id)
    return InternOut.of(intern, talent.identity(intern))
