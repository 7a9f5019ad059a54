"""Clients (服务对象): registered with their identity sealed, consent, audited reads, erasure on request; possible
duplicates found at intake, reviewed (dismissed or merged: one person, one record)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from casework.api.cases import CASE_COLUMNS
from casework.api.dependencies import Casework, Purpose, User, with_id
from casework.api.schemas import (
    CaseRow,
    CategoriesChanged,
    ChangeCategories,
    ClientHit,
    ClientId,
    ClientRecord,
    ClientSearchResult,
    ConsentRecorded,
    DismissDuplicate,
    DuplicateDismissed,
    DuplicateRow,
    Erase,
    Erased,
    MergeClient,
    Merged,
    RecordConsent,
    RegisterClient,
    SearchClients,
)
from casework.application.lists import DUPLICATES

router = APIRouter(prefix="/clients")


@router.post("", status_code=201, response_model=ClientId)
def register_client(body: RegisterClient, cw: Casework) -> ClientId:
    identity = body.model_dump(include={"name", "id_number", "phone", "address", "birth_date"})
    client_id = cw.register_client(str(body.station_id), identity, body.registered_on, body.area_code,
                                   [c.value for c in body.categories])
    return ClientId(client_id=client_id, possible_duplicates=[UUID(i) for i in cw.client(client_id).open_duplicates])


DUPLICATE_COLUMNS = [("pair_id", "编号"), *((f.name, f.label) for f in DUPLICATES.fields if f.label)]


@router.get("/duplicates", response_model=Page[DuplicateRow])
def possible_duplicates(cw: Casework, params: ListParamsDep, area: str | None = None, station_id: UUID | None = None,
                        client_id: UUID | None = None) -> Any:
    """The review queue: pairs of records flagged at intake (same name and birth date) under an area, by the day
    they were flagged; ids and places only, so a reviewer opens both records (audited reads) to decide."""
    return list_response(cw.lists, "duplicates", params, "疑似重复服务对象", DUPLICATE_COLUMNS, with_id("pair_id"),
                         area_code=area, station_id=str(station_id) if station_id else None,
                         client_id=str(client_id) if client_id else None)


@router.post("/search", response_model=ClientSearchResult)
def search_clients(body: SearchClients, cw: Casework, user: User, purpose: Purpose) -> ClientSearchResult:
    """Clients are found, not browsed: exact on name, ID number or phone within an area, masked, audited. POST, so
    the searched value is never in a URL, an access log or a trace."""
    hits = cw.search_clients(body.by, body.value, body.area_code, str(body.station_id) if body.station_id else None,
                             user, purpose)
    return ClientSearchResult(items=[ClientHit.model_validate(hit) for hit in hits], total=len(hits))


@router.get("/{client_id}", response_model=ClientRecord)
def read_client(client_id: UUID, cw: Casework, user: User, purpose: Purpose) -> ClientRecord:
    return ClientRecord.model_validate(cw.read_client(client_id, user, purpose))


@router.get("/{client_id}/cases", response_model=Page[CaseRow])
def client_cases(client_id: UUID, cw: Casework, params: ListParamsDep, area: str | None = None) -> Any:
    """The client's cases, with those of every record merged into it."""
    return list_response(cw.lists, "cases", params, "服务对象个案", CASE_COLUMNS, with_id("case_id", cw.flagged),
                         client_key=cw.case_owners(client_id), area_code=area)


@router.post("/{client_id}/duplicate-dismissal", response_model=DuplicateDismissed)
def dismiss_duplicate(client_id: UUID, body: DismissDuplicate, cw: Casework, user: User,
                      purpose: Purpose) -> DuplicateDismissed:
    """"Not the same person": the flagged pair leaves the review queue (audited: duplicate_dismissal)."""
    record = cw.dismiss_duplicate(client_id, body.other_client_id, body.on, user, purpose)
    return DuplicateDismissed(client_id=str(client_id), other_client_id=str(body.other_client_id),
                              audit_seq=record.seq)


@router.post("/{client_id}/merge", response_model=Merged)
def merge_client(client_id: UUID, body: MergeClient, cw: Casework, user: User, purpose: Purpose) -> Merged:
    """Merges this record into `into` (audited: merge); afterwards GET /clients/{client_id} answers 200 with
    `merged_into`, and its cases are listed under the survivor."""
    record = cw.merge_client(client_id, body.into, body.reason, body.on, user, purpose)
    return Merged(client_id=str(client_id), merged_into=str(body.into), merged_on=body.on, audit_seq=record.seq)


@router.post("/{client_id}/categories", response_model=CategoriesChanged)
def change_categories(client_id: UUID, body: ChangeCategories, cw: Casework) -> CategoriesChanged:
    """A dated change of the client's categories (the whole new set); a stale expected_version is a 409."""
    cw.change_client_categories(client_id, [c.value for c in body.categories], body.on, body.expected_version)
    client = cw.client(client_id)
    return CategoriesChanged(client_id=str(client_id), categories=client.categories, version=client.version)


@router.post("/{client_id}/consent", response_model=ConsentRecorded)
def record_consent(client_id: UUID, body: RecordConsent, cw: Casework) -> ConsentRecorded:
    detail = body.model_dump(
        include={"guardian_name", "guardian_relationship", "guardian_phone", "statutory_reference"}, exclude_none=True
    )
    cw.record_consent(client_id, body.basis, detail, body.on, body.expected_version)
    return ConsentRecorded(client_id=str(client_id), basis=body.basis.value)


@router.post("/{client_id}/erasure", response_model=Erased)
def erase_client(client_id: UUID, body: Erase, cw: Casework, user: User, purpose: Purpose) -> Erased:
    record = cw.erase_client(client_id, body.on, user, purpose)
    return Erased(client_id=str(client_id), erased_on=body.on, audit_seq=record.seq)
