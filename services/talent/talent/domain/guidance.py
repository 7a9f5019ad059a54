"""The guidance network (指导): who guides a station, and the log of their guidance visits (督导记录).

§二(一): "由縣(區)民政局統籌轄區內社工人才資源,依托縣(區)社會工作服務總站,采取N個專業社會工作者或1個社會工作服務機構
指導多個社會工作服務站(室)的方式,定期指導社會工作服務站開展工作": a station (of the township or village tier) is guided
either by N professional social workers or by one social work agency, assigned by the county bureau from a day;
the guides visit it and each visit is recorded. One aggregate per station keeps both, dated, so who guided it and
how often on any day can be read back. The checks that need other aggregates (the guides are certified workers or
a registered agency of the station's county) are the application's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from eventsourcing.domain import Aggregate, event

from talent.domain import identifiers
from talent.domain.errors import Conflict, TalentError

_NAMESPACE = uuid.UUID("b5a0c7e2-41d3-4f6b-9e8a-0c2d4e6f8a13")
MAX_VISIT_HOURS = 12.0  # one day's visit; the plan gives no number: a typing error guard, not a rule of the plan
MAX_TOPICS = 1000


def guidance_id(station_id: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, identifiers.station_id(station_id))


class GuideKind(StrEnum):
    WORKERS = "workers"  # N个专业社会工作者
    AGENCY = "agency"  # 1个社会工作服务机构

    @property
    def label(self) -> str:
        return {"workers": "专业社会工作者", "agency": "社会工作服务机构"}[self.value]


class VisitMode(StrEnum):
    ON_SITE = "on_site"  # 现场督导
    REMOTE = "remote"  # 远程督导

    @property
    def label(self) -> str:
        return {"on_site": "现场", "remote": "远程"}[self.value]


def guides(kind: GuideKind, guide_ids: list[str]) -> list[str]:
    """The guides of an assignment, each once: N workers (at least one) or exactly one agency."""
    ids = list(dict.fromkeys(str(g) for g in guide_ids))
    if kind is GuideKind.AGENCY and len(ids) != 1:
        raise TalentError("由社会工作服务机构指导时，指导方(guide_ids)应为 1 个机构")
    if kind is GuideKind.WORKERS and not ids:
        raise TalentError("由专业社会工作者指导时，指导方(guide_ids)至少 1 人")
    return ids


@dataclass(frozen=True)
class Assignment:
    kind: GuideKind
    guide_ids: tuple[str, ...]
    assigned_on: date
    ended_on: date | None = None

    def in_force(self, on: date) -> bool:
        return self.assigned_on <= on and (self.ended_on is None or on < self.ended_on)


@dataclass(frozen=True)
class Visit:
    visit_id: str
    visited_on: date
    guide_id: str
    mode: VisitMode
    hours: float
    topics: str


class StationGuidance(Aggregate):
    class Started(Aggregate.Created):
        station_id: str

    # The station repeats on each event so that a published one stands on its own.
    class GuidesAssigned(Aggregate.Event):
        station_id: str
        guide_kind: str
        guide_ids: list[str]
        assigned_on: date

    class GuidanceEnded(Aggregate.Event):
        station_id: str
        ended_on: date

    class VisitRecorded(Aggregate.Event):
        station_id: str
        visit_id: str
        visited_on: date
        guide_id: str
        mode: str
        hours: float
        topics: str

    @staticmethod
    def create_id(station_id: str) -> uuid.UUID:
        return guidance_id(station_id)

    @event(Started)
    def __init__(self, station_id: str):
        self.station_id = station_id
        self.assignments: list[Assignment] = []
        self.visits: list[Visit] = []

    @property
    def current(self) -> Assignment | None:
        last = self.assignments[-1] if self.assignments else None
        return last if last is not None and last.ended_on is None else None

    def assignment_on(self, on: date) -> Assignment | None:
        return next((a for a in reversed(self.assignments) if a.in_force(on)), None)

    def assign(self, kind: GuideKind, guide_ids: list[str], assigned_on: date) -> None:
        """From `assigned_on` the station is guided by these guides (a later assignment replaces the earlier from
        its day)."""
        kind = GuideKind(kind)
        ids = guides(kind, guide_ids)
        if self.assignments and assigned_on <= self.assignments[-1].assigned_on:
            raise TalentError(f"新的指导开始日期(guided_from)应晚于上一次安排的 {self.assignments[-1].assigned_on}")
        self._guides_assigned(station_id=self.station_id, guide_kind=kind.value, guide_ids=ids,
                              assigned_on=assigned_on)

    @event(GuidesAssigned)
    def _guides_assigned(self, station_id: str, guide_kind: str, guide_ids: list[str], assigned_on: date) -> None:
        if self.current is not None:  # the earlier guides hand over on the day the new ones start
            self.assignments[-1] = Assignment(self.current.kind, self.current.guide_ids, self.current.assigned_on,
                                              assigned_on)
        self.assignments.append(Assignment(GuideKind(guide_kind), tuple(guide_ids), assigned_on))

    def end(self, ended_on: date) -> None:
        current = self.current
        if current is None:
            raise Conflict("该站点当前没有指导安排")
        if ended_on <= current.assigned_on:
            raise TalentError(f"结束日期(on)应晚于安排日期 {current.assigned_on}")
        self._guidance_ended(station_id=self.station_id, ended_on=ended_on)

    @event(GuidanceEnded)
    def _guidance_ended(self, station_id: str, ended_on: date) -> None:
        current = self.assignments[-1]
        self.assignments[-1] = Assignment(current.kind, current.guide_ids, current.assigned_on, ended_on)

    def record_visit(self, visit_id: str, visited_on: date, guide_id: str, mode: VisitMode, hours: float,
                     topics: str) -> None:
        """A guidance visit by one of the guides in force that day."""
        assignment = self.assignment_on(visited_on)
        if assignment is None:
            raise TalentError(f"{visited_on} 该站点没有指导安排：请先安排指导方，或核对督导日期(visited_on)")
        if str(guide_id) not in assignment.guide_ids:
            raise TalentError(f"督导人(guide_id)不是该站点 {visited_on} 的指导方")
        if not 0 < hours <= MAX_VISIT_HOURS:
            raise TalentError(f"督导时长(hours)应大于 0 且不超过 {MAX_VISIT_HOURS:g} 小时")
        topics = " ".join(topics.split())
        if not 1 <= len(topics) <= MAX_TOPICS:
            raise TalentError(f"督导内容(topics)不能为空，且不超过 {MAX_TOPICS} 个字符")
        if any(v.visit_id == visit_id for v in self.visits):
            raise Conflict("该督导记录已登记")
        self._visit_recorded(station_id=self.station_id, visit_id=visit_id, visited_on=visited_on,
                             guide_id=str(guide_id), mode=VisitMode(mode).value, hours=float(hours), topics=topics)

    @event(VisitRecorded)
    def _visit_recorded(self, station_id: str, visit_id: str, visited_on: date, guide_id: str, mode: str,
                        hours: float, topics: str) -> None:
        self.visits.append(Visit(visit_id, visited_on, guide_id, VisitMode(mode), hours, topics))

    def visits_between(self, start: date, end: date) -> list[Visit]:
        """Visits on start..end, both included."""
        return [v for v in self.visits if start <= v.visited_on <= end]
