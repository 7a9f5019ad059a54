"""Reading the gateway's audit log (auditors): the records of their area, and at the top of the
deployment also those with no area (anonymous calls, failed sign-ins of unknown names). Filters run in
the store's query: actor, action, an area under the caller's own (its records by actor or target; the
records without an area then drop out) and a time window (`since` inclusive, `until` exclusive). Every read is
itself audited (the auditor's own actions, 三权分立); no route changes or deletes a record, and the store refuses
UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pzh_shared.areas import AREA_CODE_PATTERN, scope_prefix

from gateway.api.deps import AuditReader, Context, audited
from gateway.api.errors import not_found
from gateway.api.schemas import GatewayAuditRecord, GatewayAuditRecords

router = APIRouter(prefix="/api/gateway/audit")
MAX_RECORDS = 1000
CHINA = timezone(timedelta(hours=8))  # a time without an offset is read as the deployment's (China's)

AreaQuery = Annotated[str | None, Query(pattern=AREA_CODE_PATTERN, description="行政区划代码：该区划及其下级")]
ActionQuery = Annotated[str | None, Query(max_length=64, description="操作（如 case_read、login）")]
SinceQuery = Annotated[datetime | None, Query(description="起始时间（含），ISO 8601；无时区按北京时间")]
UntilQuery = Annotated[datetime | None, Query(description="截止时间（不含），ISO 8601；无时区按北京时间")]


def _epoch(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=CHINA)).timestamp()


@router.get("", response_model=GatewayAuditRecords, dependencies=[audited("audit_read")])
async def read_audit(p: AuditReader, request: Request, context: Context, actor: str | None = None, after: int = 0,
                     limit: int = 100, area: AreaQuery = None, action: ActionQuery = None,
                     since: SinceQuery = None, until: UntilQuery = None) -> GatewayAuditRecords:
    prefix, unscoped = p.prefix, context.is_root(p)
    if area:
        prefix = scope_prefix(area)
        if not prefix.startswith(p.prefix):
            raise not_found()  # another area's records: as for any list, nothing says what exists there
        unscoped = False
    rows = context.store.audit_records(prefix, actor, max(after, 0), min(max(limit, 1), MAX_RECORDS),
                                       unscoped=unscoped, action=action or None, since=_epoch(since),
                                       until=_epoch(until))
    records = [GatewayAuditRecord(**{**r, "detail": json.loads(r["detail"]) if r["detail"] else None}) for r in rows]
    context.record(request, 200)
    return GatewayAuditRecords(records=records)
