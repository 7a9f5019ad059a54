"""Social work service agencies (社会工作服务机构), counted for the station they serve."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from talent.api.dependencies import Talent
from talent.api.schemas import AgencyId, AgencyOut, RegisterAgency

router = APIRouter(prefix="/agencies")


@router.post("", status_code=201, response_model=AgencyId)
def register_agency(body: RegisterAgency, talent: Talent) -> AgencyId:
    return AgencyId(
        agency_id=talent.register_agency(body.name, body.registration_number, str(body.station_id), body.registered_on)
    )


@router.get("/{agency_id}", response_model=AgencyOut)
def get_agency(agency_id: UUID, talent: Talent) -> AgencyOut:
    return AgencyOut.of(talent.agency(agency_id))
