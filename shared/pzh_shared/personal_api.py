"""The read audit over HTTP (查阅审计), as casework and talent offer it: GET /audit/reads, the records filtered in
the store's query by subject, actor (the X-User who read), action, a text in the stated purpose and a time window
(`since` inclusive, `until` exclusive, ISO 8601, China time without an offset), after a sequence number, oldest
first; GET /audit/verification, the check of the whole hash chain."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, which name this factory's locals.

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Protocol
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from pzh_shared.personal import AuditQuery, AuditRecord


class AuditRecordOut(BaseModel):
    seq: int
    at: datetime
    user: str
    action: str
    subject_kind: str
    subject_id: str
    purpose: str
    prev_hash: str
    hash: str


class AuditRecords(BaseModel):
    records: list[AuditRecordOut]
    count: int

    @classmethod
    def of(cls, records: list[AuditRecord]) -> "AuditRecords":
        return cls(records=[AuditRecordOut.model_validate(vars(r)) for r in records], count=len(records))


class AuditVerification(BaseModel):
    intact: bool
    broken_seqs: list[int]


class AuditReader(Protocol):
    """The service's application: the records an auditor asks for, and the check of the chain."""

    def find_audit_records(self, query: AuditQuery) -> list[AuditRecord]: ...

    def verify_audit(self) -> list[int]: ...


ActorQuery = Annotated[str | None, Query(max_length=300, description="查阅人（X-User）")]
PurposeQuery = Annotated[str | None, Query(max_length=900, description="目的中含有的文字")]
SinceQuery = Annotated[datetime | None, Query(description="起始时间（含），ISO 8601；无时区按北京时间")]
UntilQuery = Annotated[datetime | None, Query(description="截止时间（不含），ISO 8601；无时区按北京时间")]
AfterQuery = Annotated[int, Query(description="从该序号之后的记录起")]
LimitQuery = Annotated[int, Query(description="最多返回的记录数（1 至 1000）")]


def read_audit_router(application: Callable[..., Any], actions: str) -> APIRouter:
    """The two routes over the application the `application` dependency gives; `actions` lists the service's
    audited actions for the documentation."""
    router = APIRouter(prefix="/audit")
    Reader = Annotated[AuditReader, Depends(application)]
    ActionQuery = Annotated[str | None, Query(max_length=64, description=f"操作：{actions}")]

    @router.get("/reads", response_model=AuditRecords)
    def audit_records(reader: Reader, subject_id: UUID | None = None, actor: ActorQuery = None,
                      action: ActionQuery = None, purpose: PurposeQuery = None, since: SinceQuery = None,
                      until: UntilQuery = None, after: AfterQuery = 0, limit: LimitQuery = 100) -> AuditRecords:
        query = AuditQuery(subject_id=str(subject_id) if subject_id else None, user=actor or None,
                           action=action or None, purpose=purpose or None, since=since, until=until, after=after,
                           limit=limit)
        return AuditRecords.of(reader.find_audit_records(query))

    @router.get("/verification", response_model=AuditVerification)
    def audit_verification(reader: Reader) -> AuditVerification:
        broken = reader.verify_audit()
        return AuditVerification(intact=not broken, broken_seqs=broken)

    return router
