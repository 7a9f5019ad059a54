"""Filing (备案) with the level above, shared by contracts and annual project plans: pending ->
filed, or returned with reasons; a returned item corrected and submitted again can then be filed."""

from __future__ import annotations

from datetime import date

from funding.domain.errors import Conflict, FundingError
from funding.domain.vocabulary import FilingStatus


def reasons_given(reasons: list[str], what: str = "退回原因") -> list[str]:
    cleaned = [" ".join(r.split()) for r in reasons if r and r.strip()]
    if not cleaned:
        raise FundingError(f"{what}至少填写一条")
    if any(len(r) > 500 for r in cleaned):
        raise FundingError(f"{what}每条不超过 500 个字符")
    return cleaned


def check_can_file(status: FilingStatus, since: date, on: date, what: str) -> None:
    if status is FilingStatus.FILED:
        raise Conflict(f"该{what}已备案")
    if on < since:
        raise FundingError(f"备案日期不能早于{what}的签订(报送)日期")


def check_can_return(status: FilingStatus, since: date, on: date, what: str) -> None:
    if status is not FilingStatus.PENDING:
        raise Conflict(f"只有待备案的{what}才能退回，当前状态为“{status.label}”")
    if on < since:
        raise FundingError(f"退回日期不能早于{what}的签订(报送)日期")
