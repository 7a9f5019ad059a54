"""Administrative areas: register (one, or a CSV of many), read as of a day, rename, flag, merge, split."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from registry.adapters import area_csv
from registry.api.dependencies import AsOf, Registry
from registry.api.schemas import AreaIn, AreaOut, Done, Merge, ReformFlag, Registered, Rename, Split
from registry.application.service import AreaRow
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


@router.get("/{code}", response_model=AreaOut)
def get_area(code: str, registry: Registry, as_of: AsOf) -> AreaOut:
    return area_view(registry.area(code), as_of)


@router.get("/{code}/children", response_model=list[AreaOut])
def area_children(code: str, registry: Registry, as_of: AsOf) -> list[AreaOut]:
    return [area_view(child, as_of) for child in registry.children(code, as_of)]


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
