"""The Station aggregate: a general station, township station or village room (or a station in a
civil affairs institution), its lifecycle, facilities, staffing facts and computed level."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from eventsourcing.domain import Aggregate, event

from registry.domain.areas import LEVEL_NAMES, AreaLevel, _latest_on, level_of
from registry.domain.errors import Conflict, RegistryError, TierMismatch
from registry.domain.levels import (
    CERTIFICATE_RANK,
    FACILITY_ITEMS,
    Level,
    StaffFact,
    compute_level,
    diff_levels,
    revise_levels,
)

_V = TypeVar("_V")


class Tier(StrEnum):
    GENERAL_STATION = "general_station"  # 县(区)社会工作服务总站
    TOWNSHIP_STATION = "township_station"  # 乡镇(街道)社会工作服务站
    VILLAGE_ROOM = "village_room"  # 村(社区)社会工作服务室
    INSTITUTION_STATION = "institution_station"  # 民政服务机构社会工作服务站


TIER_NAMES = {Tier.GENERAL_STATION: "社会工作服务总站", Tier.TOWNSHIP_STATION: "社会工作服务站",
              Tier.VILLAGE_ROOM: "社会工作服务室", Tier.INSTITUTION_STATION: "民政服务机构社会工作服务站"}
# Where each tier may sit; an institution station sits where its institution is (county or township).
TIER_LEVELS = {Tier.GENERAL_STATION: {AreaLevel.COUNTY}, Tier.TOWNSHIP_STATION: {AreaLevel.TOWNSHIP},
               Tier.VILLAGE_ROOM: {AreaLevel.VILLAGE}, Tier.INSTITUTION_STATION: {AreaLevel.COUNTY, AreaLevel.TOWNSHIP}}


class ConstructionMode(StrEnum):
    """五个一批 (§一(三))."""

    PROVINCIAL_AWARD = "provincial_award"  # 省级奖补推动一批
    GOVERNANCE_PILOT = "governance_pilot"  # 城乡社区治理试点打造一批
    CIVIL_AFFAIRS_INSTITUTION = "civil_affairs_institution"  # 民政服务机构布局一批
    COUNTY_SELF_BUILT = "county_self_built"  # 县级整合资源自建一批
    EXISTING_VENUE = "existing_venue"  # 依托现有场所赋能一批


class OperatingModel(StrEnum):
    SELF_OPERATED = "self_operated"  # 自主运营
    AGENCY = "agency"  # 购买服务引入驻站机构


class Status(StrEnum):
    PLANNED = "planned"
    OPENED = "opened"
    SUSPENDED = "suspended"
    CLOSED = "closed"
    MERGED = "merged"


ACTIVE = {Status.OPENED, Status.SUSPENDED}
# What shows that a station delivers professional social work services (能开展专业社会工作服务).
CASEWORK_KINDS = ("case", "project")


class Station(Aggregate):
    class Planned(Aggregate.Created):
        name: str
        tier: str
        area_code: str
        address: str
        host_venue: str
        construction_mode: str
        operating_model: str
        agency: str | None
        provincial_pilot: bool
        governance_pilot: bool
        covers: list[str]
        planned_on: date

    @classmethod
    def plan(
        cls,
        name: str,
        tier: Tier,
        area_code: str,
        planned_on: date,
        *,
        address: str = "",
        host_venue: str = "",
        construction_mode: ConstructionMode = ConstructionMode.COUNTY_SELF_BUILT,
        operating_model: OperatingModel = OperatingModel.SELF_OPERATED,
        agency: str | None = None,
        provincial_pilot: bool = False,
        governance_pilot: bool = False,
        covers: list[str] | None = None,
    ) -> Station:
        """Checks the rules that need nothing but the command, then records the plan."""
        name = name.strip()
        if not name:
            raise RegistryError("站点名称不能为空")
        level = level_of(area_code)
        if level not in TIER_LEVELS[tier]:
            wanted = "或".join(LEVEL_NAMES[lv] for lv in sorted(TIER_LEVELS[tier]))
            raise TierMismatch(
                f"{TIER_NAMES[tier]}应设在{wanted}一级，而 {area_code} 是{LEVEL_NAMES[level]}一级的行政区划代码"
            )
        if operating_model == OperatingModel.AGENCY and not (agency or "").strip():
            raise RegistryError("购买服务运营的站点须登记驻站机构")
        if operating_model == OperatingModel.SELF_OPERATED and agency:
            raise RegistryError("自主运营的站点不登记驻站机构")
        covered = sorted(set(covers or []) - {area_code})
        for code in covered:
            if level_of(code) != level:
                raise TierMismatch(f"片区站点覆盖的 {code} 须与驻地同为{LEVEL_NAMES[level]}一级")
        return cls(name=name, tier=tier.value, area_code=area_code, address=address, host_venue=host_venue,
                   construction_mode=construction_mode.value, operating_model=operating_model.value, agency=agency,
                   provincial_pilot=provincial_pilot, governance_pilot=governance_pilot, covers=covered,
                   planned_on=planned_on)

    @event(Planned)
    def __init__(self, name: str, tier: str, area_code: str, address: str, host_venue: str, construction_mode: str,
                 operating_model: str, agency: str | None, provincial_pilot: bool, governance_pilot: bool,
                 covers: list[str], planned_on: date):
        self.name = name
        self.tier = Tier(tier)
        self.area_code = area_code
        self.address = address
        self.host_venue = host_venue
        self.construction_mode = ConstructionMode(construction_mode)
        self.operating_model = OperatingModel(operating_model)
        self.agency = agency
        self.provincial_pilot = provincial_pilot
        self.governance_pilot = governance_pilot
        self.covers = list(covers)
        self.statuses: list[tuple[date, Status]] = [(planned_on, Status.PLANNED)]
        self.merged_into: str | None = None
        # The facts that decide the level, each kind with its effective dates (date order; of one day's
        # entries the one entered last wins), so the level on any day follows from the facts in force
        # that day whatever order they were entered in.
        self.facility_history: dict[str, list[tuple[date, tuple[bool, str]]]] = {}  # item: (present, evidence)
        self.employment: dict[str, list[tuple[date, bool | None]]] = {}  # worker: full time, None once gone
        self.certificates: dict[str, list[tuple[date, str]]] = {}  # worker: certificate held from that day
        self.heads: list[tuple[date, tuple[str | None, bool]]] = []  # (worker, appointed or relieved)
        # Organisations incubated at the station, each from the day it was registered (有社会工作服务机构).
        self.incubated_agencies: list[tuple[date, str]] = []
        # The station's cases and projects (casework's ids), each in force from its start to its end.
        self.casework: dict[str, list[tuple[date, bool]]] = {}
        # What an operator once typed as "professional services delivered": replayed and shown in the
        # history, but no longer a fact of the level (issue 17 item 5: services are shown by cases and projects).
        self.typed_services: list[tuple[date, bool]] = []
        self.levels: list[tuple[date, Level]] = [(planned_on, Level.NONE)]

    # -- as-of questions ---------------------------------------------------------------------

    @property
    def status(self) -> Status:
        return self.statuses[-1][1]

    def status_on(self, on: date) -> Status | None:
        """None before the station was planned."""
        return _latest_on(self.statuses, on)

    def active_on(self, on: date) -> bool:
        return self.status_on(on) in ACTIVE

    @property
    def opened_on(self) -> date | None:
        return next((d for d, s in self.statuses if s == Status.OPENED), None)

    @property
    def level(self) -> Level:
        return self.levels[-1][1]

    def level_on(self, on: date) -> Level | None:
        return _latest_on(self.levels, on)

    # -- lifecycle ---------------------------------------------------------------------------

    def _move(self, allowed: set[Status], on: date, verb: str) -> None:
        if self.status not in allowed:
            raise Conflict(f"站点当前状态为 {self.status.value}，不能{verb}")
        if on < self.statuses[-1][0]:
            raise Conflict(f"{verb}日期 {on} 早于上一次状态变更日期 {self.statuses[-1][0]}")

    def open(self, on: date) -> None:
        self._move({Status.PLANNED}, on, "开放")
        self._opened(on=on, name=self.name, tier=self.tier.value, area_code=self.area_code)

    # The opening repeats the station's identity so the public event stands on its own.
    @event("Opened")
    def _opened(self, on: date, name: str, tier: str, area_code: str) -> None:
        self.statuses.append((on, Status.OPENED))

    def suspend(self, on: date, reason: str) -> None:
        self._move({Status.OPENED}, on, "暂停")
        self._suspended(on=on, reason=reason)

    @event("Suspended")
    def _suspended(self, on: date, reason: str) -> None:
        self.statuses.append((on, Status.SUSPENDED))

    def resume(self, on: date) -> None:
        self._move({Status.SUSPENDED}, on, "恢复")
        self._resumed(on=on)

    @event("Resumed")
    def _resumed(self, on: date) -> None:
        self.statuses.append((on, Status.OPENED))

    def close(self, on: date, reason: str) -> None:
        self._move({Status.PLANNED, Status.OPENED, Status.SUSPENDED}, on, "关闭")
        self._closed(on=on, reason=reason)

    @event("Closed")
    def _closed(self, on: date, reason: str) -> None:
        self.statuses.append((on, Status.CLOSED))

    def merge_into(self, target: Station, on: date) -> None:
        if target.id == self.id:
            raise Conflict("站点不能并入自身")
        if not target.active_on(on):
            raise Conflict(f"并入的站点 {target.name} 在 {on} 未在运行")
        if target.tier != self.tier:
            raise Conflict("只能并入同一层级的站点")
        self._move(ACTIVE, on, "合并")
        self._merged(on=on, into=str(target.id))

    @event("Merged")
    def _merged(self, on: date, into: str) -> None:
        self.statuses.append((on, Status.MERGED))
        self.merged_into = into

    # -- facts that decide the level ---------------------------------------------------------

    def facilities_on(self, on: date) -> dict[str, tuple[bool, str]]:
        """Each recorded facility item as of a date: (present, evidence)."""
        return {item: fact for item, history in self.facility_history.items()
                if (fact := _latest_on(history, on)) is not None}

    def staff_on(self, on: date) -> dict[str, StaffFact]:
        """The workers employed at the station on a date, with the highest certificate they held then."""
        staff = {}
        for worker_id, history in self.employment.items():
            full_time = _latest_on(history, on)
            if full_time is not None:
                held = [level for since, level in self.certificates.get(worker_id, []) if since <= on]
                staff[worker_id] = StaffFact(full_time, max(held, key=CERTIFICATE_RANK.__getitem__, default=None))
        return staff

    def head_on(self, on: date) -> str | None:
        """The head in post on a date: the latest appointed by then and not relieved since (a relief of
        another worker changes nothing); a head who has left the station's staff heads it no longer."""
        head = None
        for since, (worker_id, appointed) in self.heads:
            if since > on:
                break
            if appointed:
                head = worker_id
            elif worker_id in (head, None):  # None: a relief recorded before reliefs named the head
                head = None
        return head if head is not None and _latest_on(self.employment.get(head, []), on) is not None else None

    def agency_on(self, on: date) -> bool:
        """有社会工作服务机构: an agency brought in by purchase (the operating model), or an organisation incubated
        at the station and registered by that day (§二(一) "鼓勵站內孵化培育社會工作服務機構")."""
        purchased = self.operating_model == OperatingModel.AGENCY
        return purchased or any(since <= on for since, _ in self.incubated_agencies)

    def services_on(self, on: date) -> bool:
        """能开展专业社会工作服务: at least one case or project of the station in force that day. The plan gives no
        number of cases or projects; one is this rule's reading, stated in the README."""
        return bool(_latest_on(self._services_timeline(), on))

    def _services_timeline(self) -> list[tuple[date, bool]]:
        """Whether any case or project is in force, as a date-ordered list of its changes: one sweep over the
        cases' and projects' starts and ends, so the level history does not rescan every case on every date."""
        steps: dict[date, int] = {}
        for history in self.casework.values():
            in_force = False
            for on, value in _last_of_each_day(history):
                if value != in_force:
                    steps[on] = steps.get(on, 0) + (1 if value else -1)
                    in_force = value
        timeline: list[tuple[date, bool]] = []
        running = 0
        for on in sorted(steps):
            running += steps[on]
            if not timeline or timeline[-1][1] != (running > 0):
                timeline.append((on, running > 0))
        return timeline

    # The facts as last dated, whatever the day: what the station's list shows.
    @property
    def staff(self) -> dict[str, StaffFact]:
        return self.staff_on(date.max)

    @property
    def head(self) -> str | None:
        return self.head_on(date.max)

    def _level_from_facts(self, on: date, services: list[tuple[date, bool]]) -> Level:
        facilities = {item: present for item, (present, _) in self.facilities_on(on).items()}
        return compute_level(facilities, self.staff_on(on), self.head_on(on), self.agency_on(on),
                             bool(_latest_on(services, on)))

    def record_facility(self, item: str, present: bool, evidence: str, on: date) -> None:
        if item not in FACILITY_ITEMS:
            raise RegistryError(f"未知的设施项目 {item!r}；可选：{', '.join(FACILITY_ITEMS)}")
        self._facility_recorded(item=item, present=present, evidence=evidence, on=on)
        self._reassess()

    @event("FacilityRecorded")
    def _facility_recorded(self, item: str, present: bool, evidence: str, on: date) -> None:
        _insert(self.facility_history.setdefault(item, []), on, (present, evidence))

    # A fact is kept even when it changes nothing on its day: a fact dated earlier may still arrive and make
    # it matter. Only the same fact recorded twice is dropped.

    def record_staff(self, worker_id: str, full_time: bool, on: date) -> None:
        """A worker employed at the station from `on`, full time or not; replaces what was known of them from then."""
        if (on, full_time) in self.employment.get(worker_id, []):
            return
        self._staff_recorded(worker_id=worker_id, full_time=full_time, on=on)
        self._reassess()

    # Before certificates were facts of their own, a staff record carried the worker's certificate; stored
    # records still do, and `certificate` is read from them as held from `on`.
    @event("StaffRecorded")
    def _staff_recorded(self, worker_id: str, full_time: bool, on: date, certificate: str | None = None) -> None:
        _insert(self.employment.setdefault(worker_id, []), on, full_time)
        if certificate is not None:
            _insert(self.certificates.setdefault(worker_id, []), on, certificate)

    def record_certificate(self, worker_id: str, certificate: str, on: date) -> None:
        """A certificate a worker of the station holds from `on` (it counts only while they are employed here)."""
        if certificate not in CERTIFICATE_RANK:
            raise RegistryError(f"未知的证书等级 {certificate!r}")
        if any(level == certificate and since <= on for since, level in self.certificates.get(worker_id, [])):
            return  # held from that day or earlier already
        self._certificate_recorded(worker_id=worker_id, certificate=certificate, on=on)
        self._reassess()

    @event("CertificateRecorded")
    def _certificate_recorded(self, worker_id: str, certificate: str, on: date) -> None:
        _insert(self.certificates.setdefault(worker_id, []), on, certificate)

    def remove_staff(self, worker_id: str, on: date) -> None:
        if (on, None) in self.employment.get(worker_id, []):
            return
        self._staff_removed(worker_id=worker_id, on=on)
        self._reassess()

    @event("StaffRemoved")
    def _staff_removed(self, worker_id: str, on: date) -> None:
        _insert(self.employment.setdefault(worker_id, []), on, None)

    def appoint_head(self, worker_id: str, on: date) -> None:
        """Whether the head qualifies is for the level rule to weigh."""
        if (on, (worker_id, True)) not in self.heads:
            self._head_set(worker_id=worker_id, on=on)
            self._reassess()

    def relieve_head(self, worker_id: str, on: date) -> None:
        """Relieves that worker from `on`; if another is head by then, nothing changes (see head_on)."""
        if (on, (worker_id, False)) not in self.heads:
            self._head_relieved(worker_id=worker_id, on=on)
            self._reassess()

    # A stored HeadSet with worker_id None is a relief from before reliefs named the head.
    @event("HeadSet")
    def _head_set(self, worker_id: str | None, on: date) -> None:
        _insert(self.heads, on, (worker_id, worker_id is not None))

    @event("HeadRelieved")
    def _head_relieved(self, worker_id: str, on: date) -> None:
        _insert(self.heads, on, (worker_id, False))

    # Stored before services were learnt from casework; only their replay applies this (see typed_services).
    @event("ProfessionalServicesRecorded")
    def _services_recorded(self, delivered: bool, on: date) -> None:
        _insert(self.typed_services, on, delivered)

    def record_incubated_agency(self, organisation_id: str, on: date) -> None:
        """An organisation incubated at the station (talent's pipeline) registered on `on`: from then on the
        station has a social work service agency of its own, whatever its operating model."""
        if (on, organisation_id) in self.incubated_agencies:
            return
        self._incubated_agency_recorded(organisation_id=organisation_id, on=on)
        self._reassess()

    @event("IncubatedAgencyRecorded")
    def _incubated_agency_recorded(self, organisation_id: str, on: date) -> None:
        _insert(self.incubated_agencies, on, organisation_id)

    def record_casework(self, work: str, work_id: str, in_force: bool, on: date) -> None:
        """A case (opened or transferred in; closed or transferred out) or a project (started; evaluated) of the
        station, in force from `on` or no longer from `on`; `work_id` is casework's opaque id."""
        if work not in CASEWORK_KINDS:
            raise RegistryError(f"未知的服务记录类型 {work!r}；可选：{', '.join(CASEWORK_KINDS)}")
        if (on, in_force) in self.casework.get(work_id, []):
            return
        self._casework_recorded(work=work, work_id=work_id, in_force=in_force, on=on)
        self._reassess()

    @event("CaseworkRecorded")
    def _casework_recorded(self, work: str, work_id: str, in_force: bool, on: date) -> None:
        _insert(self.casework.setdefault(work_id, []), on, in_force)

    def _fact_dates(self) -> set[date]:
        histories: list[Sequence[tuple[date, object]]] = [
            *self.facility_history.values(), *self.employment.values(), *self.certificates.values(), self.heads,
            self.incubated_agencies, *self.casework.values()]
        return {on for history in histories for on, _ in history}

    def level_history(self) -> list[tuple[date, Level]]:
        """The level at every date, from the facts alone: (planned_on, none), then each change in date order.
        A fact dated before the plan counts from the day the station was planned."""
        planned_on = self.statuses[0][0]
        history = [(planned_on, Level.NONE)]
        services = self._services_timeline()
        for on in sorted({max(on, planned_on) for on in self._fact_dates()}):
            level = self._level_from_facts(on, services)
            if level != history[-1][1]:
                history.append((on, level))
        return history

    def _reassess(self) -> None:
        """Recomputes the level history and records how it differs from the one recorded: from the earliest
        date where the two part, the changes as they now stand (a later-dated fact entered first and an
        earlier one entered later give the same history as the facts entered in date order)."""
        revision = diff_levels(self.levels, self.level_history())
        if revision is not None:
            since, changes = revision
            self._levels_revised(since=since, previous=self.level_before(since).value,
                                 changes=[{"on": on, "level": level.value} for on, level in changes])

    def level_before(self, on: date) -> Level:
        """The level recorded in force the day before `on` (none before the station was planned)."""
        return _latest_on([entry for entry in self.levels if entry[0] < on], on) or Level.NONE

    # `previous` is the level in force the day before `since`, which the revision leaves as it was.
    @event("LevelsRevised")
    def _levels_revised(self, since: date, previous: str, changes: list[dict[str, Any]]) -> None:
        self.levels = revise_levels(self.levels, since, [(c["on"], Level(c["level"])) for c in changes])

    # Stations recorded before level revisions stored one change at a time; only their replay applies this.
    @event("LevelChanged")
    def _level_changed(self, level: str, previous: str, on: date) -> None:
        self.levels.append((on, Level(level)))


def _last_of_each_day(history: list[tuple[date, _V]]) -> list[tuple[date, _V]]:
    """A date-ordered history with one entry a day, the one entered last (as _latest_on reads it)."""
    return [entry for n, entry in enumerate(history) if n + 1 == len(history) or history[n + 1][0] != entry[0]]


def _insert(history: list[tuple[date, _V]], on: date, value: _V) -> None:
    """Into a date-ordered history, after the entries of the same day (the one entered last wins)."""
    bisect.insort_right(history, (on, value), key=lambda entry: entry[0])
