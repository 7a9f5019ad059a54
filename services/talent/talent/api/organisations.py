"""Community social organisations: filed, incubated at a station, registered, graduated (出壳)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from pzh_shared.listing import ListParamsDep, Page, list_response

from talent.api.dependencies import Area, Talent, text
from talent.api.schemas import (
    CompleteIncubation,
    FileOrganisation,
    Graduate,
    OrganisationId,
    OrganisationOut,
    OrganisationRow,
    RegisterOrganisation,
    StartIncubation,
)
from talent.application.lists import COLUMNS, with_id
from talent.domain.vocabulary import OrganisationStatus, OrganisationType

router = APIRouter(prefix="/organisations")


@router.post("", status_code=201, response_model=OrganisationId)
def file_organisation(body: FileOrganisation, talent: Talent) -> OrganisationId:
    return OrganisationId(
        organisation_id=talent.file_organisation(
            body.name, str(body.host_station_id), body.community_code, body.filed_on
        )
    )


@router.get("", response_model=Page[OrganisationRow])
def list_organisations(
    params: ListParamsDep,
    talent: Talent,
    area: Area = None,
    host_station_id: UUID | None = None,
    status: OrganisationStatus | None = None,
    organisation_type: OrganisationType | None = None,
    reform_affected: bool | None = None,
) -> Page[dict[str, Any]] | Response:
    """社区社会组织台账（孵化进度：filed 已备案、incubating 孵化中、incubated 已孵化、registered 已登记、graduated
    已出壳）。q 按组织名称检索（包含即匹配）。sort：filed_on、status_on、name、area_code（前加 - 为倒序）。"""
    return list_response(talent.lists, "organisations", params, "社区社会组织台账", COLUMNS["organisations"],
                         with_id("organisation_id"), area_code=area, host_station_id=text(host_station_id),
                         status=status, organisation_type=organisation_type, reform_affected=reform_affected)


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
