"""Administrative areas: register (one, or a CSV of many), list and search them, read one or its tree as of a day,
rename, flag, merge, split."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pzh_shared.areas import AreaLevel
from pzh_shared.listing import ListParamsDep, Page, list_response

from registry.adapters import area_csv
from registry.api.dependencies import AsOf, Registry
from registry.api.schemas import (
    AreaIn,
    AreaListRow,
    AreaNode,
    AreaOut,
    Done,
    Merge,
    ReformFlag,
    Registered,
    Rename,
    Split,
)
from registry.application import lists
from registry.application.service import AreaRow, RegistryApplication
from registry.domain.areas import Area

router = APIRouter(prefix="/areas")

_CSV_BODY = {"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}}


def area_view(area: Area, on: date) -> AreaOut:
    return AreaOut(code=area.code, level=area.level.value, parent_code=area.parent_code, name=area.name_on(on),
                   reform_affected=area.reform_affected_on(on), valid_from=area.valid_from, valid_to=area.valid_to,
                   valid=area.valid_on(on), successors=area.successors, vintage=area.vintage, as_of=on)


@router.post("", status_code=201, response_model=Registered)
def register_area(body: AreaIn, registry: Registry) -> Registered:
    row = AreaRow(body.code, body.name, body.reform_affected, body.valid_from, body.vintage)
    return Registered(registered=registry.register_areas([row]))


@router.post("/import", status_code=201, response_model=Registered, openapi_extra=_CSV_BODY)
async def import_areas(request: Request, registry: Registry) -> Registered:
    """CSV with columns code,name,parent_code,reform_affected,valid_from,vintage; all rows or none."""
    rows, unreadable = area_csv.parse(await request.body())
    return Registered(registered=await run_in_threadpool(registry.register_areas, rows, unreadable))


@router.get("", response_model=Page[AreaListRow])
def list_areas(
    registry: Registry, params: ListParamsDep,
    area: Annotated[str | None, Query(max_length=12, description="行政区划代码：该区划及其全部下级")] = None,
    level: AreaLevel | None = None,
    parent: Annotated[str | None, Query(max_length=12, description="上级行政区划代码：只列其直接下级")] = None,
    retired: Annotated[bool | None, Query(description="是否已撤并")] = None,
) -> Page[dict[str, Any]] | Response:
    """Areas by code subtree, level and parent; q searches names, or, when all digits, codes by prefix."""
    params = dataclasses.replace(params, q=lists.search_term(params.q))
    return list_response(registry.lists, "areas", params, "行政区划台账", lists.AREA_COLUMNS, lists.named_area_rows,
                         code=area, level=level, parent_code=parent, retired=retired)


@router.get("/{code}", response_model=AreaOut)
def get_area(code: str, registry: Registry, as_of: AsOf) -> AreaOut:
    return area_view(registry.area(code), as_of)


@router.get("/{code}/children", response_model=list[AreaOut])
def area_children(code: str, registry: Registry, as_of: AsOf) -> list[AreaOut]:
    return [area_view(child, as_of) for child in registry.children(code, as_of)]


def _node(registry: RegistryApplication, area: Area, on: date, depth: int) -> AreaNode:
    children = [_node(registry, child, on, depth - 1) for child in registry.children(area.code, on)] if depth else []
    return AreaNode(**area_view(area, on).model_dump(), has_children=bool(area.children), children=children)


@router.get("/{code}/tree", response_model=AreaNode)
def area_tree(code: str, registry: Registry, as_of: AsOf,
              depth: Annotated[int, Query(ge=1, le=3, description="展开的下级层数")] = 1) -> AreaNode:
    """The area with its sub-areas valid on `as_of`, nested `depth` levels down, named as of that day."""
    return _node(registry, registry.area(code), as_of, depth)


@router.post("/{code}/rename", response_model=Done)
def rename_area(code: str, body: Rename, registry: Registry) -> Done:
    registry.rename_area(code, body.name, body.on)
    return Done(status="ok")


@router.post("/{code}/reform-flag", response_model=Done)
def set_reform_flag(code: str, body: ReformFlag, registry: Registry) -> Done:
    registry.set_reform_affected(code, body.reform_affected, body.on)
    return Done(status="ok")


@router.post("/{code}/merge", response_model=Done)
def merge_area(code: str, body: Merge, registry: Registry) -> Done:
    registry.retire_area(code, [body.into], body.on, "merged")
    return Done(status="ok")


@router.post("/{code}/split", response_model=Done)
def split_area(code: str, body: Split, registry: Registry) -> Done:
    registry.retire_area(code, body.into, body.on, "split")
    return Done(status="ok")
