"""Community social organisations: filed, incubated at a station, registered, graduated (出壳)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from talent.api.dependencies import Talent
from talent.api.schemas import (
    CompleteIncubation,
    FileOrganisation,
    Graduate,
    OrganisationId,
    OrganisationOut,
    RegisterOrganisation,
    StartIncubation,
)

router = APIRouter(prefix="/organisations")


@router.post("", status_code=201, response_model=OrganisationId)
def file_organisation(body: FileOrganisation, talent: Talent) -> OrganisationId:
    return OrganisationId(
        organisation_id=talent.file_organisation(
            body.name, str(body.host_station_id), body.reform_affected, body.filed_on
        )
    )


@router.post("/{organisation_id}/incubation", response_model=OrganisationOut)
def start_incubation(organisation_id: UUID, body: StartIncubation, talent: Talent) -> OrganisationOut:
    talent.start_incubation(organisation_id, body.started_on)
    return OrganisationOut.of(talent.organisation(organisation_id))


@router.post("/{organisation_id}/incubated", response_model=OrganisationOut)
def complete_incubation(organisation_id: UUID, body: CompleteIncubation, talent: Talent) -> OrganisationOut:
    talent.complete_incubation(organisation_id, body.organisation_type, body.incubated_on)
    return OrganisationOut.of(talent.organisation(organisation_id))


@router.post("/{organisation_id}/registration", response_model=OrganisationOut)
def register_organisation(organisation_id: UUID, body: RegisterOrganisation, talent: Talent) -> OrganisationOut:
    talent.register_organisation(organisation_id, body.registration_number, body.registered_on)
    return OrganisationOut.of(talent.organisation(organisation_id))


@router.post("/{organisation_id}/graduation", response_model=OrganisationOut)
def graduate(organisation_id: UUID, body: Graduate, talent: Talent) -> OrganisationOut:
    talent.graduate_organisation(organisation_id, body.graduated_on)
    return OrganisationOut.of(talent.organisation(organisation_id))


@router.get("/{organisation_id}", response_model=OrganisationOut)
def get_organisation(organisation_id: UUID, talent: Talent) -> OrganisationOut:
    return OrganisationOut.of(talent.organisation(organisation_id))
