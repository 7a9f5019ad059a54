"""The deployment's reporting rules as data: the quarterly notice's scoring weights, the township stations'
yearly quotas, the provincial pilot counties and the reporting calendar (when each report is due). One JSON
file (the setting `REPORTING_RULES_FILE`; by default `reporting/data/reporting-rules.json`, the plan's
values) holds every version; each version is complete and effective from a date, and a report for a period
uses the version in force on the period's last day, so a change of the rules never rewrites an earlier
period. The file's format is published in services/reporting/README.md ("Reporting rules")."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pzh_shared.areas import is_area_code

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "reporting-rules.json"
# What the notice scores and what the calendar dates: the file must name exactly these, so a typo is refused
# at start instead of silently scoring a component 0.
NOTICE_COMPONENTS = ("general_station", "township_station", "village_room", "certifications", "organisations",
                     "volunteers_trained")
REPORTS = ("monthly_dispatch", "quarterly_notice", "half_year_report", "year_end_shortlist", "station_scorecard")
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class RulesInvalid(ValueError):
    """The rules file cannot be used; the message is Chinese and names the file and the field."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StationQuotas(_Frozen):
    """Yearly quotas of one township station (DOMAIN.md "Yearly quotas per station")."""

    certified_per_station: int = Field(ge=0)
    volunteers_per_station: int = Field(ge=0)
    organisations_registered_pilot: int = Field(ge=0)  # a provincial pilot station: registered organisations
    organisations_incubated_other: int = Field(ge=0)  # any other station: community organisations incubated
    # people served by the station's projects in the year (A2 §5.1.2 "重点评估服务对象受益情况"); absent, the
    # scorecard does not score them (the meaning of the versions written before this field existed)
    beneficiaries_per_station: int | None = Field(default=None, ge=1)


class Due(_Frozen):
    """When a period's report is due: a number of days after its last day, or a day of the next year."""

    due_days_after_end: int | None = Field(default=None, ge=0)
    due_next_year_on: str | None = Field(default=None, pattern=MONTH_DAY.pattern)

    @model_validator(mode="after")
    def _one_rule(self) -> Due:
        if (self.due_days_after_end is None) == (self.due_next_year_on is None):
            raise ValueError("应当且只能给出 due_days_after_end 或 due_next_year_on 之一")
        return self

    def on(self, end: date) -> date:
        if self.due_days_after_end is not None:
            return end + timedelta(days=self.due_days_after_end)
        month, day = (int(part) for part in str(self.due_next_year_on).split("-"))
        return date(end.year + 1, month, day)


class RuleVersion(_Frozen):
    effective_from: date
    notice_weights: dict[str, int]
    station_quotas: StationQuotas
    provincial_pilot_counties: tuple[str, ...]
    calendar: dict[str, Due]
    # why a value is what it is where the plan gives no number (field path -> Chinese text), shown in the reports
    notes: dict[str, str] = Field(default_factory=dict)

    @field_validator("notice_weights")
    @classmethod
    def _weights(cls, weights: dict[str, int]) -> dict[str, int]:
        if set(weights) != set(NOTICE_COMPONENTS):
            raise ValueError(f"评分权重应为且只为这些指标：{', '.join(NOTICE_COMPONENTS)}")
        if any(w < 0 for w in weights.values()) or sum(weights.values()) != 100:
            raise ValueError(f"评分权重应为非负整数且合计 100，现为 {sum(weights.values())}")
        return {name: weights[name] for name in NOTICE_COMPONENTS}  # the published order, whatever the file's

    @field_validator("provincial_pilot_counties")
    @classmethod
    def _pilots(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        bad = [code for code in codes if not is_area_code(code) or len(code) != 6]
        if bad:
            raise ValueError(f"省级试点县(区)应为 6 位行政区划代码：{', '.join(bad)}")
        return codes

    @field_validator("calendar")
    @classmethod
    def _calendar(cls, calendar: dict[str, Due]) -> dict[str, Due]:
        if set(calendar) != set(REPORTS):
            raise ValueError(f"报送节奏应为且只为这些报表：{', '.join(REPORTS)}")
        return calendar

    def due_on(self, report: str, end: date) -> date:
        """The day the report of a period ending on `end` is due."""
        return self.calendar[report].on(end)


class ReportingRules(_Frozen):
    deployment: str = ""
    source: str = ""
    versions: tuple[RuleVersion, ...] = Field(min_length=1)

    @field_validator("versions")
    @classmethod
    def _ordered(cls, versions: tuple[RuleVersion, ...]) -> tuple[RuleVersion, ...]:
        days = [v.effective_from for v in versions]
        if len(set(days)) != len(days):
            raise ValueError("两个版本的生效日期相同")
        return tuple(sorted(versions, key=lambda v: v.effective_from))

    def at(self, day: date | str) -> RuleVersion:
        """The version in force on the day; before the first version, the first (the rules a deployment
        started with also cover the periods it reports on retroactively)."""
        on = date.fromisoformat(day) if isinstance(day, str) else day
        in_force = [v for v in self.versions if v.effective_from <= on]
        return in_force[-1] if in_force else self.versions[0]


def parse(text: str, source: str = "<rules>") -> ReportingRules:
    try:
        return ReportingRules.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise RulesInvalid(f"报表规则文件 {source} 不是有效的 JSON：第 {exc.lineno} 行 {exc.msg}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise RulesInvalid(f"报表规则文件 {source} 的字段 {field} 不正确：{first['msg']}") from exc


@lru_cache(maxsize=8)
def load(path: str = "") -> ReportingRules:
    """The rules of the file (empty: the default file), read once per process."""
    file = Path(path) if path else DEFAULT_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesInvalid(f"无法读取报表规则文件 {file}：{exc.strerror}") from exc
    return parse(text, str(file))
