"""Annual project plans: submit, file, return, resubmit."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pzh_shared.listing import ListParamsDep, Page, list_response

from funding.api.dependencies import AreaFilter, Funding, YearFilter
from funding.api.schemas import (
    FileBody,
    FilingEntry,
    PlanOut,
    PlanRow,
    ProjectOut,
    ResubmitPlan,
    ReturnBody,
    SubmitPlan,
)
from funding.application.lists import PLANS, columns, presenter
from funding.domain.money import text
from funding.domain.plan import ProjectPlan
from funding.domain.vocabulary import FilingStatus

router = APIRouter(prefix="/project-plans")


def plan_out(p: ProjectPlan) -> PlanOut:
    return PlanOut(
        plan_id=str(p.id),
        area_code=p.area_code,
        year=p.year,
        title=p.title,
        projects=[ProjectOut(name=x["name"], amount=text(x["amount"])) for x in p.projects],
        total_amount=text(p.total_amount),
        submitted_on=p.submitted_on,
        filing=p.filing.value,
        filing_label=p.filing.label,
        filings=[FilingEntry.model_validate(f) for f in p.filings],
        version=p.version,
    )


@router.post("", status_code=201, response_model=PlanOut)
def submit_plan(body: SubmitPlan, funding: Funding) -> PlanOut:
    projects = [(p.name, p.amount) for p in body.projects]
    plan_id = funding.submit_plan(body.area_code, body.year, body.title, projects, body.submitted_on)
    return plan_out(funding.plan(plan_id))


@router.get("", response_model=Page[PlanRow])
def list_plans(params: ListParamsDep, funding: Funding, area: AreaFilter = None, year: YearFilter = None,
               status: FilingStatus | None = None) -> Any:
    """Annual project plans under an area (q: the title), by year and filing status; or their 台账."""
    return list_response(funding.lists, "project_plans", params, "年度项目计划台账", columns(PLANS),
                         presenter("project_plans"), area_code=area, year=year, status=status)


@router.get("/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: UUID, funding: Funding) -> PlanOut:
    return plan_out(funding.plan(plan_id))


@router.post("/{plan_id}/filing", response_model=PlanOut)
def file_plan(plan_id: UUID, body: FileBody, funding: Funding) -> PlanOut:
    return plan_out(funding.file_plan(plan_id, body.filed_on))


@router.post("/{plan_id}/return", response_model=PlanOut)
def return_plan(plan_id: UUID, body: ReturnBody, funding: Funding) -> PlanOut:
    return plan_out(funding.return_plan(plan_id, body.reasons, body.returned_on))


@router.post("/{plan_id}/resubmission", response_model=PlanOut)
def resubmit_plan(plan_id: UUID, body: ResubmitPlan, funding: Funding) -> PlanOut:
    projects = [(p.name, p.amount) for p in body.projects]
    return plan_out(funding.resubmit_plan(plan_id, projects, body.resubmitted_on))
