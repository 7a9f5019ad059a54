"""Clients (服务对象): registered with their identity sealed, consent, audited reads, erasure on request."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from casework.api.dependencies import Casework, Purpose, User
from casework.api.schemas import (
    ClientHit,
    ClientId,
    ClientRecord,
    ClientSearchResult,
    ConsentRecorded,
    Erase,
    Erased,
    RecordConsent,
    RegisterClient,
    SearchClients,
)

router = APIRouter(prefix="/clients")


@router.post("", status_code=201, response_model=ClientId)
def register_client(body: RegisterClient, cw: Casework) -> ClientId:
    identity = body.model_dump(include={"name", "id_number", "phone", "address", "birth_date"})
    return ClientId(client_id=cw.register_client(str(body.station_id), identity, body.registered_on, body.area_code))


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
