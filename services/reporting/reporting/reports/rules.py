"""The deployment's reporting rules as data: the quarterly notice's scoring weights, the township stations'
yearly quotas, the provincial pilot counties and the reporting calendar (when each report is due). One JSON
file (the setting `REPORTING_RULES_FILE`; by default `reporting/data/reporting-rules.json`, the plan's
values) holds every version; each version is complete and effective from a date, and a report for a period
uses the version in force on the period's last day, so a change of the rules never rewrites an earlier
period. The file's format is published in services/reporting/README.md ("Reporting rules")."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
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
# The scorecard's five dimensions (A2 §5.1.2 评价内容: 服务设施、人员配备、服务内容、运行管理、服务满意度) and the parts
# a rubric splits two of them into; the station facts each part scores are the scorecard's (reports/scorecard.py).
DIMENSIONS = ("facilities", "staffing", "services", "management", "satisfaction")
STAFFING_PARTS = ("certified_workers", "head", "certifications")
MANAGEMENT_PARTS = ("closure", "timeliness")
LEVELS = ("professional", "standard", "basic", "none")
GRADES = ("excellent", "good", "pass")  # the floors a rubric sets; below the lowest, 不合格
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


def _exactly(names: tuple[str, ...], values: dict[str, int], what: str) -> dict[str, int]:
    if set(values) != set(names):
        raise ValueError(f"{what}应为且只为这些项：{', '.join(names)}")
    if any(v < 0 for v in values.values()):
        raise ValueError(f"{what}应为非负整数")
    return {name: values[name] for name in names}  # the published order, whatever the body's


class Rubric(_Frozen):
    """The station scorecard's 评价细则 (A2 §5.1.3: the county bureau "牵头制定评价细则"): points per dimension and
    part, what a development level earns, the complaint response time, the grade floors."""

    dimension_points: dict[str, int]  # adding up to 100 (the grade floors are out of 100)
    staffing_parts: dict[str, int]  # adding up to the staffing dimension's points
    certified_workers_per_station: int = Field(ge=1)  # the staffing part's target of certified workers on staff
    management_parts: dict[str, int]  # adding up to the management dimension's points
    level_points: dict[str, int]  # at most the facilities dimension's points
    response_hours: int = Field(ge=1)  # a complaint answered within it earns the whole timeliness part
    grade_floors: dict[str, int]  # 优秀 > 良好 > 合格, out of 100
    # which numbers are the plan's and which the system's or the bureau's (field -> Chinese text): the plan names
    # the five dimensions (A2 §5.1.2) and leaves the points to the county (§5.1.3); the scorecard prints them
    notes: dict[str, str] = Field(default_factory=dict)

    @field_validator("dimension_points")
    @classmethod
    def _dimensions(cls, points: dict[str, int]) -> dict[str, int]:
        points = _exactly(DIMENSIONS, points, "维度分值")
        if sum(points.values()) != 100:
            raise ValueError(f"五个维度的分值应合计 100，现为 {sum(points.values())}")
        return points

    @field_validator("staffing_parts")
    @classmethod
    def _staffing(cls, parts: dict[str, int]) -> dict[str, int]:
        return _exactly(STAFFING_PARTS, parts, "人员维度的分项")

    @field_validator("management_parts")
    @classmethod
    def _management(cls, parts: dict[str, int]) -> dict[str, int]:
        return _exactly(MANAGEMENT_PARTS, parts, "管理维度的分项")

    @field_validator("level_points")
    @classmethod
    def _levels(cls, points: dict[str, int]) -> dict[str, int]:
        return _exactly(LEVELS, points, "发展等级分值")

    @field_validator("grade_floors")
    @classmethod
    def _grades(cls, floors: dict[str, int]) -> dict[str, int]:
        floors = _exactly(GRADES, floors, "等级分数线")
        excellent, good, passing = floors.values()
        if not 100 >= excellent > good > passing > 0:
            raise ValueError("等级分数线应为 100 以内、优秀 > 良好 > 合格 > 0")
        return floors

    @model_validator(mode="after")
    def _parts_add_up(self) -> Rubric:
        for dimension, parts in (("staffing", self.staffing_parts), ("management", self.management_parts)):
            if sum(parts.values()) != self.dimension_points[dimension]:
                raise ValueError(f"{dimension} 的分项合计 {sum(parts.values())}，应等于该维度分值 "
                                 f"{self.dimension_points[dimension]}")
        if max(self.level_points.values()) > self.dimension_points["facilities"]:
            raise ValueError(f"发展等级分值不能超过设施维度分值 {self.dimension_points['facilities']}")
        return self


class RubricVersion(_Frozen):
    """A county's own rubric from a day (its bureau's 评价细则)."""

    effective_from: date
    rubric: Rubric


class RuleVersion(_Frozen):
    effective_from: date
    notice_weights: dict[str, int]
    station_quotas: StationQuotas
    provincial_pilot_counties: tuple[str, ...]
    calendar: dict[str, Due]
    rubric: Rubric  # the scorecard's, for every county without a rubric of its own in force
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


@dataclass(frozen=True)
class RubricInForce:
    """The rubric a county's stations are scored with, and whose version it is (owner area, effective date)."""

    owner: str  # the county's code for its own rubric, else the deployment's root (empty: the rules file's)
    effective_from: date
    rubric: Rubric


class ReportingRules(_Frozen):
    deployment: str = ""
    source: str = ""
    versions: tuple[RuleVersion, ...] = Field(min_length=1)
    # the edits of the rules book (reports/rules_book.py), merged in by `with_book`: the root's area code, and
    # each county's own rubric versions by effective date
    root_area: str = ""
    rubrics: dict[str, tuple[RubricVersion, ...]] = Field(default_factory=dict)

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

    def rubric_on(self, county: str, day: date | str) -> RubricInForce:
        """The county's own rubric in force on the day, else the rules' (never a county version before its
        effective date: a county that had none scored by the root's)."""
        on = date.fromisoformat(day) if isinstance(day, str) else day
        own = [v for v in self.rubrics.get(county, ()) if v.effective_from <= on]
        if own:
            return RubricInForce(county, own[-1].effective_from, own[-1].rubric)
        version = self.at(on)
        return RubricInForce(self.root_area, version.effective_from, version.rubric)


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
