"""University interns and their placements at stations."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from talent.api.dependencies import Talent
from talent.api.schemas import InternId, InternOut, PlaceIntern, RegisterIntern, Status

router = APIRouter(prefix="/interns")


@router.post("", status_code=201, response_model=InternId)
def register_intern(body: RegisterIntern, talent: Talent) -> InternId:
    return InternId(intern_id=talent.register_intern(body.name, body.phone, body.university, body.registered_on))


@router.post("/{intern_id}/placements", status_code=201, response_model=Status)
def place_intern(intern_id: UUID, body: PlaceIntern, talent: Talent) -> Status:
    talent.place_intern(intern_id, str(body.station_id), body.placed_from, body.placed_until, body.supervisor_id)
    return Status(status="placed")


@router.get("/{intern_id}", response_model=InternOut)
def get_intern(intern_id: UUID, talent: Talent) -> InternOut:
    return InternOut.of(talent.intern(intern_id))
