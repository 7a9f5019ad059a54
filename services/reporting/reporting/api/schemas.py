"""Request and response models of the read API. The views' bodies are open (each view has its own
figures): their models declare what every view shares and allow the rest."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pzh_shared.areas import AreaLevel
from pzh_shared.listing import Page


class ChildStations(BaseModel):
    area_code: str
    stations: dict[str, int]
    total: int


class LiveStations(BaseModel):
    """GET /read-models/stations/{area} without as_of: the stations open today, in the original shape.
    Closed to other fields, so that the route's other answer (an AreaView, as of a day) is never taken for one."""

    model_config = ConfigDict(extra="forbid")

    area_code: str
    level: AreaLevel
    stations: dict[str, int]
    total: int
    children: list[ChildStations]


class AreaView(BaseModel):
    """A view of an area as of a day: the shared head, then the view's own figures.

    Small numbers (reporting/privacy.py): in the `cases` view of a township or village, a count of people
    (cases, escalations, referrals) is an integer, or the string "<5" (1 to 4, or a 0 hidden so that such a
    count cannot be recomputed by subtraction), or "*" (a count of 5 or more hidden for the same reason); such
    a body carries `small_numbers` ({threshold, levels, mark, withheld, rule}). County and above: integers."""

    model_config = ConfigDict(extra="allow")

    area_code: str
    level: AreaLevel
    as_of: str
    since: str


class ReportVersion(BaseModel):
    report: str
    period: str
    version: int
    area_code: str | None = None  # whose report: the deployment's city or one of its counties
    generated_at: str | None
    title: str | None
    files: dict[str, str]  # format -> its download path (a county's carry ?area=)


class ReportListing(Page[ReportVersion]):
    """A page of archived report versions; `reports` repeats the page's items for the clients that read the
    answer's earlier shape ({"reports": [...]})."""

    reports: list[ReportVersion]


class ReportVersions(BaseModel):
    versions: list[ReportVersion]


class LatestFiles(BaseModel):
    version: int
    generated_at: str | None
    json_: str = Field(alias="json")  # `json` would shadow BaseModel.json
    xlsx: str
    pdf: str


class RhythmItem(BaseModel):
    report: str
    label: str
    period: str
    title: str
    closes_on: str
    due_on: str
    status: str
    versions: int
    latest: LatestFiles | None


class Rhythm(BaseModel):
    area_code: str
    # whose reports the items are: the city's, a county's own, or (for a township or village) its county's
    reporting_area_code: str | None = None
    as_of: str
    items: list[RhythmItem]


class Index(BaseModel):
    views: list[str]
    reports: list[str]


class RulesRevisionIn(BaseModel):
    """A new version of an owner's rules (the root's: complete rules; a county's: `{"rubric": ...}`)."""

    model_config = ConfigDict(extra="forbid")

    effective_from: date = Field(description="生效日期")
    version: dict[str, Any] = Field(description="完整的规则版本，不含生效日期")
    expected_version: int | None = Field(default=None, ge=0, description="提交时所见的修订次数")


class RulesVersionOut(BaseModel):
    effective_from: date
    source: Literal["file", "book"]  # the shipped rules file, or a revision of the rules book
    revision: int | None
    recorded_at: str | None
    recorded_by: str | None
    in_force: bool  # the owner's version in force today
    future: bool
    version: dict[str, Any]


class RulesBook(BaseModel):
    owner: str
    kind: Literal["rules", "rubric"]  # the root's complete rules, or a county's own rubric
    as_of: date
    revisions: int  # the expected_version of the next revision
    earliest_effective_from: date
    versions: list[RulesVersionOut]
    inherited: RulesVersionOut | None  # a county with no rubric of its own in force: the root's it is scored by
