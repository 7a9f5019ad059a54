"""The read audit (查阅审计): every audited read and erasure, and the check of its hash chain. The records are
filtered in the store's query: by subject, actor (the X-User who read), action, a text in the stated purpose and
a time window (`since` inclusive, `until` exclusive, ISO 8601, China time without an offset), after a sequence
number, oldest first; the verification always checks the whole chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from casework.api.dependencies import Casework
from casework.api.schemas import AuditRecords, AuditVerification
from casework.domain.ports import AuditQuery

router = APIRouter(prefix="/audit")

ActorQuery = Annotated[str | None, Query(max_length=300, description="查阅人（X-User）")]
ActionQuery = Annotated[str | None, Query(max_length=64, description=(
    "操作：read、export、client_read、client_search、caseload、erasure"))]
PurposeQuery = Annotated[str | None, Query(max_length=900, description="目的中含有的文字")]
SinceQuery = Annotated[datetime | None, Query(description="起始时间（含），ISO 8601；无时区按北京时间")]
UntilQuery = Annotated[datetime | None, Query(description="截止时间（不含），ISO 8601；无时区按北京时间")]
AfterQuery = Annotated[int, Query(description="从该序号之后的记录起")]
LimitQuery = Annotated[int, Query(description="最多返回的记录数（1 至 1000）")]


@router.get("/reads", response_model=AuditRecords)
def audit_records(cw: Casework, subject_id: UUID | None = None, actor: ActorQuery = None,
                  action: ActionQuery = None, purpose: PurposeQuery = None, since: SinceQuery = None,
                  until: UntilQuery = None, after: AfterQuery = 0, limit: LimitQuery = 100) -> AuditRecords:
    query = AuditQuery(subject_id=str(subject_id) if subject_id else None, user=actor or None,
                       action=action or None, purpose=purpose or None, since=since, until=until, after=after,
                       limit=limit)
    return AuditRecords.of(cw.find_audit_records(query))


@router.get("/verification", response_model=AuditVerification)
def audit_verification(cw: Casework) -> AuditVerification:
    broken = cw.verify_audit()
    return AuditVerification(intact=not broken, broken_seqs=broken)
