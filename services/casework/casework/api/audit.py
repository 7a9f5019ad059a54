"""The read audit (查阅审计): every audited read and erasure, and the check of its hash chain."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from casework.api.dependencies import Casework
from casework.api.schemas import AuditRecords, AuditVerification

router = APIRouter(prefix="/audit")


@router.get("/reads", response_model=AuditRecords)
def audit_records(cw: Casework, subject_id: UUID | None = None) -> AuditRecords:
    return AuditRecords.of(cw.audit_records(str(subject_id) if subject_id else None))


@router.get("/verification", response_model=AuditVerification)
def audit_verification(cw: Casework) -> AuditVerification:
    broken = cw.verify_audit()
    return AuditVerification(intact=not broken, broken_seqs=broken)
