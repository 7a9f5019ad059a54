"""Annual project plans (年度项目计划): a township's or county's planned service projects for a
year, which the county files with the level above, like the contracts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.domain import Aggregate, event

from funding.domain import areas
from funding.domain.errors import FundingError
from funding.domain.filing import check_can_file, check_can_return, reasons_given
from funding.domain.money import ZERO, positive
from funding.domain.vocabulary import FilingStatus


def _projects(projects: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    lines = []
    for name, amount in projects:
        name = " ".join(name.split())
        if not 1 <= len(name) <= 200:
            raise FundingError("项目名称不能为空，且不超过 200 个字符")
        lines.append({"name": name, "amount": positive(amount, "项目金额")})
    if not lines:
        raise FundingError("年度项目计划至少包含一个项目")
    return lines


class ProjectPlan(Aggregate):
    class Submitted(Aggregate.Created):
        area_code: str
        year: int
        title: str
        projects: list[dict[str, Any]]
        total_amount: Decimal
        submitted_on: date

    class Resubmitted(Aggregate.Event):
        area_code: str
        year: int
        projects: list[dict[str, Any]]
        total_amount: Decimal
        resubmitted_on: date

    class Filed(Aggregate.Event):
        area_code: str
        year: int
        filed_by: str
        filed_with: str
        filed_on: date

    class Returned(Aggregate.Event):
        area_code: str
        year: int
        returned_by: str
        reasons: list[str]
        returned_on: date

    @classmethod
    def submit(
        cls, area_code: str, year: int, title: str, projects: list[tuple[str, Any]], submitted_on: date
    ) -> ProjectPlan:
        title = " ".join(title.split())
        if not 1 <= len(title) <= 200:
            raise FundingError("计划名称不能为空，且不超过 200 个字符")
        lines = _projects(projects)
        return cls(area_code=areas.area_code(area_code), year=areas.year(year), title=title, projects=lines,
                   total_amount=sum((p["amount"] for p in lines), ZERO), submitted_on=submitted_on)

    @event(Submitted)
    def __init__(
        self,
        area_code: str,
        year: int,
        title: str,
        projects: list[dict[str, Any]],
        total_amount: Decimal,
        submitted_on: date,
    ):
        self.area_code = area_code
        self.year = year
        self.title = title
        self.projects = list(projects)
        self.total_amount = total_amount
        self.submitted_on = submitted_on
        self.filing = FilingStatus.PENDING
        self.filings: list[dict[str, Any]] = []

    def resubmit(self, projects: list[tuple[str, Any]], resubmitted_on: date) -> None:
        if self.filing is not FilingStatus.RETURNED:
            raise FundingError("只有被退回的年度项目计划才能修改后重新报送")
        if resubmitted_on < self.submitted_on:
            raise FundingError("重新报送日期不能早于首次报送日期")
        lines = _projects(projects)
        self._resubmitted(self.area_code, self.year, lines, sum((p["amount"] for p in lines), ZERO), resubmitted_on)

    @event(Resubmitted)
    def _resubmitted(
        self, area_code: str, year: int, projects: list[dict[str, Any]], total_amount: Decimal, resubmitted_on: date
    ) -> None:
        self.projects = list(projects)
        self.total_amount = total_amount
        self.filing = FilingStatus.PENDING
        self.filings.append({"status": "resubmitted", "on": resubmitted_on})

    def file(self, filed_on: date) -> None:
        if self.filing is FilingStatus.RETURNED:
            raise FundingError("被退回的年度项目计划须修改后重新报送，方可备案")
        check_can_file(self.filing, self.submitted_on, filed_on, "年度项目计划")
        filed_by, filed_with = areas.filing_parties(self.area_code)
        self._filed(self.area_code, self.year, filed_by, filed_with, filed_on)

    @event(Filed)
    def _filed(self, area_code: str, year: int, filed_by: str, filed_with: str, filed_on: date) -> None:
        self.filing = FilingStatus.FILED
        self.filings.append({"status": "filed", "by": filed_by, "with": filed_with, "on": filed_on})

    def return_(self, reasons: list[str], returned_on: date) -> None:
        check_can_return(self.filing, self.submitted_on, returned_on, "年度项目计划")
        self._returned(
            self.area_code, self.year, areas.filing_parties(self.area_code)[1], reasons_given(reasons), returned_on
        )

    @event(Returned)
    def _returned(self, area_code: str, year: int, returned_by: str, reasons: list[str], returned_on: date) -> None:
        self.filing = FilingStatus.RETURNED
        self.filings.append({"status": "returned", "by": returned_by, "reasons": list(reasons), "on": returned_on})
