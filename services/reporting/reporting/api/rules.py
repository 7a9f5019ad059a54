"""The rules book of an owning area: the root's complete reporting rules, or a county's own scorecard rubric
(评价细则); its versions past, in force and future, and a new version from a day (reports/rules_book.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Header, HTTPException

from reporting.api.dependencies import Settings
from reporting.api.schemas import RulesBook, RulesRevisionIn
from reporting.deployment import NotForArea, report_area, rules_log_of, rules_of
from reporting.projections.facts import CHINA
from reporting.reports import rules_book
from reporting.reports.rules_book import Revision, RevisionRefused, StaleRevision
from reporting.settings import ReportingSettings

router = APIRouter(prefix="/read-models/rules", tags=["rules"])


def _owner(settings: ReportingSettings, area_code: str) -> str:
    try:
        return report_area(settings, area_code)
    except NotForArea as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/{area_code}", response_model=RulesBook)
def rules_book_of(settings: Settings, area_code: str) -> dict[str, Any]:
    """The root's rules versions, or a county's own rubric versions (and the root's rubric it is scored by while it
    has none in force), as of today."""
    owner = _owner(settings, area_code)
    today = datetime.now(CHINA).date()
    return rules_book.view(rules_of(settings), owner, rules_log_of(settings).book(), today)


@router.post("/{area_code}", status_code=201, response_model=RulesBook)
def revise_rules(settings: Settings, area_code: str, body: RulesRevisionIn,
                 x_user: Annotated[str, Header(description="提交人（网关填写）")] = "") -> dict[str, Any]:
    """A new complete version from `effective_from` (not inside a period already closed); 409 when the book has
    moved on since `expected_version`."""
    owner = _owner(settings, area_code)
    is_root = owner == settings.city_code
    today = datetime.now(CHINA).date()

    def check(history: list[Revision]) -> dict[str, Any]:
        checked = rules_book.check(history, is_root, body.effective_from, body.version, body.expected_version, today)
        return checked.model_dump(mode="json", exclude={"effective_from"})  # as the rules' model orders it

    try:
        rules_log_of(settings).record(owner, unquote(x_user), body.effective_from, check)
    except StaleRevision as exc:
        raise HTTPException(409, str(exc)) from exc
    except RevisionRefused as exc:
        raise HTTPException(422, str(exc)) from exc
    return rules_book.view(rules_of(settings), owner, rules_log_of(settings).book(), today)
