"""Work queues: a social worker's caseload (their open cases, next step and deadline) and a supervisor's
approval queue (plans and closings waiting for a supervisor), both from casework's list index."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pzh_shared.listing import ListParamsDep, Page, list_response

from casework.api.dependencies import Casework, Purpose, User, with_id
from casework.api.schemas import ApprovalRow, Caseload, CaseloadRow, CaseStage

router = APIRouter()

APPROVAL_COLUMNS = [("case_id", "个案编号"), ("awaiting", "待审批事项"), ("awaiting_since", "提交审批日期"),
                    ("due_on", "审批期限"), ("risk_level", "风险等级"), ("worker", "负责社工"),
                    ("station_id", "站点编号"), ("area_code", "行政区划代码"), ("opened_on", "开案日期")]


@router.get("/caseload", response_model=Caseload)
def caseload(cw: Casework, user: User, purpose: Purpose, params: ListParamsDep, area: str | None = None,
             stage: CaseStage | None = None) -> Caseload:
    """The caller's (X-User) open cases by due date (sort=stage: in the stages' order), with the next step, the
    deadline flag and the client's masked name; one read audit record per page."""
    if params.format == "xlsx":
        cw.refuse_export("个案工作清单")
    page, counts = cw.caseload(user, purpose, params.query(area_code=area, stage=stage.value if stage else None))
    items = [CaseloadRow.model_validate({"case_id": row["id"], **row}) for row in page.items]
    return Caseload.model_validate({"items": items, "total": page.total, "next_cursor": page.next_cursor,
                                    "counts": counts})


@router.get("/approvals", response_model=Page[ApprovalRow])
def approvals(cw: Casework, params: ListParamsDep, area: str | None = None, station_id: UUID | None = None,
              kind: Literal["plan", "closing"] | None = Query(default=None, description="plan 服务计划 / closing 结案"),
              worker: str | None = None) -> Any:
    """Plans and closings waiting for a supervisor's approval, the longest-waiting first (sort=due_on)."""
    return list_response(cw.lists, "cases", params, "待审批清单", APPROVAL_COLUMNS, with_id("case_id", cw.flagged),
                         area_code=area, station_id=str(station_id) if station_id else None,
                         awaiting=kind or ["plan", "closing"], worker=worker)
