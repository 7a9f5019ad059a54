"""Bulk exports of personal data with a second approver (issue 18, item 7): the XLSX export of a list of people
(access.Route.personal_export: workers, volunteers, interns) is forwarded only with `X-Export-Approval: <id>` of
a request the caller made, that an administrator of its area other than itself approved, for that list, used
once and within a day of its approval (api/forward.py calls check_export). The request, the approval and the
export are each audited."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from gateway.access import allowed, match
from gateway.api.deps import Context, CurrentPrincipal, ExportApprover, GatewayContext, audited
from gateway.api.errors import Denied, forbidden, not_found
from gateway.auth import Principal

router = APIRouter(prefix="/api/gateway/exports")
APPROVAL_TTL = 24 * 3600  # seconds an approval stays usable
REFUSED = ("导出含个人信息的台账须经第二人审批：请先提交导出申请（POST /api/gateway/exports），经本辖区另一名"
           "管理员批准后，凭申请编号（请求头 X-Export-Approval）导出一次")


class ExportIn(BaseModel):
    path: str = Field(max_length=200, description="要导出的台账，如 /api/workers")
    reason: str = Field(min_length=2, max_length=300, description="导出用途")


class ExportRequest(BaseModel):
    export_id: str
    requester: str
    path: str
    reason: str
    requested_at: float
    approver: str | None
    approved_at: float | None
    used_at: float | None


class ExportRequests(BaseModel):
    exports: list[ExportRequest]


def _view(row: dict[str, object]) -> ExportRequest:
    return ExportRequest.model_validate({k: v for k, v in row.items() if k != "requester_area"})


@router.post("", status_code=201, response_model=ExportRequest, dependencies=[audited("export_request")])
async def request_export(body: ExportIn, p: CurrentPrincipal, request: Request, context: Context) -> ExportRequest:
    route, _ = match("GET", body.path.removeprefix("/api"))
    if not body.path.startswith("/api/") or route is None or not route.personal_export:
        raise Denied(422, "invalid_request",
                     "path 应为含个人信息的台账（/api/workers、/api/volunteers 或 /api/interns）")
    export_id = secrets.token_hex(8)
    context.store.add_export_request(export_id, p.name, p.area_code, body.path, body.reason, context.clock())
    context.record(request, 201, export_id)
    row = context.store.export_request(export_id)
    assert row is not None
    return _view(row)


@router.get("", response_model=ExportRequests)
async def list_exports(p: CurrentPrincipal, context: Context) -> ExportRequests:
    """One's own requests, and for an administrator those of its area (to approve)."""
    rows = context.store.export_requests(p.prefix)
    approver = allowed(p.role, "export_approve")
    return ExportRequests(exports=[_view(r) for r in rows if approver or r["requester"] == p.name])


@router.post("/{export_id}/approval", response_model=ExportRequest, dependencies=[audited("export_approval")])
async def approve_export(export_id: str, p: ExportApprover, request: Request, context: Context) -> ExportRequest:
    row = context.store.export_request(export_id)
    if row is None or not p.covers(str(row["requester_area"])):
        raise not_found()
    if row["requester"] == p.name:
        raise forbidden("不能审批自己的导出申请：须由本辖区另一名管理员审批")
    if not context.store.approve_export(export_id, p.name, context.clock()):
        raise Denied(409, "conflict", "该导出申请已审批")
    context.record(request, 200, export_id)
    approved = context.store.export_request(export_id)
    assert approved is not None
    return _view(approved)


def check_export(context: GatewayContext, p: Principal, api_path: str, approval: str | None) -> str:
    """The approved request this export uses (marked used), or Denied 403."""
    row = context.store.export_request(approval) if approval else None
    now = context.clock()
    if row is None or row["requester"] != p.name or row["path"] != f"/api{api_path}" or row["approved_at"] is None \
            or now - float(row["approved_at"]) > APPROVAL_TTL or not context.store.use_export(str(approval), now):
        raise forbidden(REFUSED)
    return str(approval)
