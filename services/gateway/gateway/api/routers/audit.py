"""Reading the gateway's audit log (auditors): the records of their area, and at the top of the
deployment also those with no area (anonymous calls, failed sign-ins of unknown names)."""

from __future__ import annotations

import json

from fastapi import APIRouter

from gateway.api.deps import AuditReader, Context
from gateway.api.schemas import GatewayAuditRecord, GatewayAuditRecords

router = APIRouter(prefix="/audit")
MAX_RECORDS = 1000


@router.get("", response_model=GatewayAuditRecords)
async def read_audit(p: AuditReader, context: Context, actor: str | None = None, after: int = 0,
                     limit: int = 100) -> GatewayAuditRecords:
    rows = context.store.audit_records(p.prefix, actor, max(after, 0), min(max(limit, 1), MAX_RECORDS),
                                       unscoped=context.is_root(p))
    records = [GatewayAuditRecord(**{**r, "detail": json.loads(r["detail"]) if r["detail"] else None}) for r in rows]
    return GatewayAuditRecords(records=records)
