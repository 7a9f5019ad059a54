"""The registry's use cases. Each command loads what it needs, lets the aggregates check their
rules, and saves every changed aggregate in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Tracking
from pzh_shared.areas import LEVEL_ORDER, AreaRoot, county_of, depth
from pzh_shared.eventstore import ServiceApplication
from pzh_shared.listing import ListIndex, ListQuery

from registry.application import lists
from registry.domain.areas import (
    Area,
    AreaLevel,
    _latest_on,
    area_id,
    level_of,
    parent_code,
)
from registry.domain.errors import Conflict, NotFound, RegistryError, UnknownArea
from registry.domain.levels import ITEM_NAMES, Level, LevelHistory, revise_levels
from registry.domain.roster import GeneralStationSlot, slot_id
from registry.domain.service_items import ServiceItem, ServiceItemList, service_items_id
from registry.domain.staff import StaffMember, staff_id
from registry.domain.station import ACTIVE, Station, Tier
from registry.domain.targets import CountyTargets, targets_id


@dataclass(frozen=True)
class AreaRow:
    """One area to register, as read from the API or a CSV line."""

    code: str
    name: str
    reform_affected: bool
    valid_from: date
    vintage: str = ""
    parent_code: str | None = None  # when given (CSV), it must be the code's own parent
    line: int | None = None


@dataclass(frozen=True)
class TargetRow:
    """One county's targets for a year, as read from the deployment's targets file (e.g. annex 1 of 2021)."""

    county_code: str
    year: int
    general_station: int
    township_station: int
    village_room: int
    on: date
    source: str


@dataclass(frozen=True)
class ReferenceData:
    """What a deployment starts from: its root area, the reference areas of a pinned file, yearly targets."""

    root: AreaRoot
    areas: list[AreaRow]
    targets: list[TargetRow]
    down_to: AreaLevel = AreaLevel.COUNTY  # the deepest level loaded; the rest is registered by officials


# Rows per transaction in a bulk load: a save of thousands of aggregates can hang in psycopg's pipeline
# with the events table's lock held (DESIGN.md), so bulk work commits in bounded chunks.
LOAD_CHUNK = 500

A = TypeVar("A", bound=Aggregate)

# Events per transaction of a bulk command. One transaction for a whole file (12,000 villages and more) held the
# event table's exclusive lock for as long as it ran, blocking every other registry write, and was seen to hang
# inside psycopg's pipeline; bounded chunks each commit in well under a second.
BULK_CHUNK_EVENTS = 1000


class ImportRejected(RegistryError):
    def __init__(self, details: list[dict[str, Any]]):
        self.details = details
        super().__init__(f"导入被拒绝：{len(details)} 行有误，未导入任何一行")


# A station's events as the entries of its history, by event class name.
HISTORY_KINDS = {
    "Planned": "planned", "Opened": "opened", "Suspended": "suspended", "Resumed": "resumed", "Closed": "closed",
    "Merged": "merged", "FacilityRecorded": "facility_recorded", "StaffRecorded": "staff_recorded",
    "StaffRemoved": "staff_removed", "HeadSet": "head_set", "HeadRelieved": "head_relieved",
    "ProfessionalServicesRecorded": "professional_services", "IncubatedAgencyRecorded": "incubated_agency",
    "CaseworkRecorded": "casework",
    "CertificateRecorded": "certificate_recorded", "LevelChanged": "level_changed", "LevelsRevised": "levels_revised",
}
HISTORY_FIELDS = ("reason", "into", "item", "present", "evidence", "worker_id", "full_time", "certificate",
                  "delivered", "organisation_id", "work", "work_id", "in_force", "level", "previous")


def _level_entries(recorded: LevelHistory, revised: LevelHistory, since: date) -> list[tuple[date, Level, Level]]:
    """(day, level, level before) of each change a revision from `since` makes, and of `since` itself when the
    revision makes no change that day but the level in force there differs from the one recorded."""
    entries = [(on, level, revised[n][1]) for n, (on, level) in enumerate(revised[1:]) if on >= since]
    now, before = _latest_on(revised, since), _latest_on(recorded, since)
    if (not entries or entries[0][0] != since) and now is not None and before is not None and now != before:
        entries.insert(0, (since, now, before))
    return entries


class RegistryApplication(ServiceApplication):
    name = "registry"

    @cached_property
    def lists(self) -> ListIndex:
        """Areas, stations and targets as lists, caught up from this application's notification log."""
        return ListIndex(self, lists.SPECS, lists.projector(self.find))

    # -- loading -----------------------------------------------------------------------------

    def _get(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        aggregate = self.find(aggregate_id, cls)
        if aggregate is None:
            raise NotFound(f"{what}不存在")
        return aggregate

    def area(self, code: str) -> Area:
        level_of(code)
        return self._get(Area, area_id(code), f"行政区划 {code} ")

    def station(self, station_id: UUID | str) -> Station:
        try:
            return self._get(Station, UUID(str(station_id)), f"站点 {station_id} ")
        except ValueError:
            raise NotFound(f"站点 {station_id} 不存在") from None

    def _check_version(self, aggregate: Aggregate, expected_version: int | None) -> None:
        if expected_version is not None and aggregate.version != expected_version:
            raise Conflict(f"版本冲突：期望版本 {expected_version}，当前版本 {aggregate.version}；请刷新后重试")

    def _save(self, *aggregates: Aggregate) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise Conflict("数据已被他人同时修改，请刷新后重试") from None

    # -- start-up ----------------------------------------------------------------------------

    @cached_property
    def root(self) -> AreaRoot:
        """The deployment's root area (settings: REGISTRY_ROOT_AREA_CODE), unless a seed has set it."""
        from registry.settings import RegistrySettings

        return AreaRoot(RegistrySettings().root_area_code)

    def seed(self, reference: ReferenceData | None = None) -> None:
        """The root's subtree from the deployment's area file and its targets (by default those the
        settings name); registers only what is missing, so every start may call it."""
        if reference is None:
            from registry.adapters.reference import read_reference
            from registry.settings import RegistrySettings

            reference = read_reference(RegistrySettings())
        self.root = reference.root
        self.load_areas(reference.areas, reference.root, reference.down_to)
        self.load_targets(reference.targets)

    def load_areas(self, rows: list[AreaRow], root: AreaRoot, down_to: AreaLevel = AreaLevel.COUNTY,
                   chunk: int = LOAD_CHUNK) -> list[str]:
        """Registers the rows of the root's subtree down to the level `down_to` that are not yet
        registered (other rows are ignored), parents before children, through register_areas in chunks
        of at most `chunk` rows; re-running it registers nothing. Returns the codes registered."""
        deepest = LEVEL_ORDER.index(down_to)
        wanted = sorted((r for r in rows if root.contains(r.code.strip()) and depth(r.code) <= deepest),
                        key=lambda r: (depth(r.code), r.code))
        registered: list[str] = []
        for start in range(0, len(wanted), chunk):
            for attempt in (1, 2):
                batch = [r for r in wanted[start:start + chunk] if self.find(area_id(r.code.strip())) is None]
                try:
                    registered += self.register_areas(batch) if batch else []
                    break
                except Conflict:
                    if attempt == 2:
                        raise  # another loader wrote the same areas at the same moment: once more, then give up
        return registered

    def load_targets(self, rows: list[TargetRow]) -> int:
        """Targets of registered counties in the root's subtree that have none for that year yet."""
        plans = []
        for row in rows:
            if not self.root.contains(row.county_code) or self.find(area_id(row.county_code)) is None:
                continue
            if self.find(targets_id(row.county_code, row.year)) is not None:
                continue
            plan = CountyTargets(county_code=row.county_code, year=row.year)
            plan.set(row.general_station, row.township_station, row.village_room, row.on, row.source)
            plans.append(plan)
        try:
            self.save(*plans)
        except IntegrityError:
            return 0  # another process loaded them at the same moment
        return len(plans)

    # -- areas -------------------------------------------------------------------------------

    def register_areas(self, rows: list[AreaRow], unreadable: list[dict[str, Any]] | None = None) -> list[str]:
        """All rows or none: every problem (with those of lines that could not even be read) is
        reported with its line, and nothing is stored unless every row is good. Rows may name
        parents registered earlier in the same batch."""
        new: dict[str, Area] = {}
        parents: dict[str, Area] = {}
        rows_events: list[list[Any]] = []  # each good row's events: its area's and its parent's
        errors: list[dict[str, Any]] = list(unreadable or [])
        failures: list[RegistryError] = []
        for row in rows:
            try:
                code = row.code.strip()
                expected = parent_code(code)
                if row.parent_code and row.parent_code != expected:
                    raise UnknownArea(f"行政区划代码 {code} 不在上级 {row.parent_code} 的代码范围内")
                if code in new or self.find(area_id(code)) is not None:
                    raise Conflict(f"行政区划 {code} 已登记")
                if not self.root.contains(code):
                    raise UnknownArea(f"行政区划 {code} 不在本部署的范围 {self.root.code} 内")
                if code == self.root.code:
                    new[code] = Area.register(code, row.name, None, row.reform_affected, row.valid_from, row.vintage)
                    rows_events.append(list(new[code].collect_events()))
                    continue
                assert expected is not None  # only the country has no parent, and it can only be a root
                parent = new.get(expected) or parents.get(expected) or self.find(area_id(expected), Area)
                if parent is None:  # only the root stands without a parent
                    raise UnknownArea(f"行政区划 {code} 的上级 {expected} 尚未登记")
                area = Area.register(code, row.name, parent, row.reform_affected, row.valid_from, row.vintage)
                parent.add_child(code)
                if expected not in new:
                    parents[expected] = parent
                new[code] = area
                rows_events.append([*area.collect_events(), *parent.collect_events()])
            except RegistryError as exc:
                failures.append(exc)
                errors.append({"line": row.line, "code": row.code, "problem": str(exc)})
        if len(rows) == 1 and rows[0].line is None and failures:
            raise failures[0]  # a single API command: its own error, not an import report
        if errors:
            raise ImportRejected(sorted(errors, key=lambda e: e["line"] or 0))
        self._save_in_chunks(rows_events)
        return list(new)

    def _save_in_chunks(self, rows_events: list[list[Any]]) -> None:
        """Commits the rows' events in transactions of at most BULK_CHUNK_EVENTS events, never splitting a row,
        so every committed chunk leaves each stored area among its parent's children."""
        chunk: list[Any] = []
        saved = 0  # rows committed
        for n, events in enumerate(rows_events):
            if chunk and len(chunk) + len(events) > BULK_CHUNK_EVENTS:
                self._save_chunk(chunk, saved)
                chunk, saved = [], n
            chunk.extend(events)
        if chunk:
            self._save_chunk(chunk, saved)

    def _save_chunk(self, events: list[Any], saved: int) -> None:
        if not saved:
            self._save(*events)
            return
        try:
            self.save(*events)
        except IntegrityError:
            raise Conflict(f"导入中断：前 {saved} 个行政区划已导入，其余因他人同时修改未导入；"
                           "请去掉已导入的行后重新导入") from None

    def rename_area(self, code: str, name: str, on: date) -> None:
        area = self.area(code)
        area.rename(name, on)
        self._save(area)

    def set_reform_affected(self, code: str, reform_affected: bool, on: date) -> None:
        area = self.area(code)
        area.set_reform_affected(reform_affected, on)
        self._save(area)

    def retire_area(self, code: str, successors: list[str], on: date, how: str) -> None:
        """Merge (one successor) or split (several): the successors must exist and be valid then."""
        area = self.area(code)
        for successor in successors:
            other = self.area(successor)
            if other.level != area.level or not other.valid_on(on):
                raise Conflict(f"承继行政区划 {successor} 须与 {code} 同级并在 {on} 有效")
        area.retire(on, successors, how)
        self._save(area)

    def _station_ids_under(self, area: Area) -> list[str]:
        """Every station ever attached to the area or below it, retired areas included."""
        ids = list(area.station_ids)
        for code in area.children:
            ids += self._station_ids_under(self.area(code))
        return ids

    def children(self, code: str, on: date) -> list[Area]:
        area = self.area(code)
        return [child for c in area.children if (child := self.area(c)).valid_on(on)]

    # -- stations ----------------------------------------------------------------------------

    def create_station(self, *, tier: Tier, area_code: str, planned_on: date | None, opened_on: date | None,
                       plan_only: bool, **details: Any) -> UUID:
        """开设站点: registers the station and, unless plan_only, opens it (opened_on, default today). It was
        planned on planned_on or, by default, on its opening day if that is past, else today."""
        today = date.today()
        opening = None if plan_only else (opened_on or today)
        planned = planned_on or (opening if opening and opening < today else today)
        return self.plan_station(tier=tier, area_code=area_code, opened_on=opening, planned_on=planned, **details)

    def plan_station(self, *, tier: Tier, area_code: str, opened_on: date | None, planned_on: date,
                     **details: Any) -> UUID:
        level_of(area_code)
        area = self.find(area_id(area_code), Area)
        if area is None:
            raise UnknownArea(f"未知的行政区划代码 {area_code}：尚未在登记系统中登记")
        if not area.valid_on(planned_on):
            raise UnknownArea(f"行政区划 {area_code} 在 {planned_on} 不存在")
        for covered in details.get("covers") or []:
            if not self.area(covered).valid_on(planned_on):
                raise UnknownArea(f"片区覆盖的行政区划 {covered} 在 {planned_on} 不存在")
        station = Station.plan(tier=tier, area_code=area_code, planned_on=planned_on, **details)
        if opened_on is not None:
            station.open(opened_on)
        area.attach_station(str(station.id))
        changed: list[Aggregate] = [station, area]
        if tier == Tier.GENERAL_STATION:
            slot = self.find(slot_id(area_code), GeneralStationSlot) or GeneralStationSlot(county_code=area_code)
            slot.claim(str(station.id))
            changed.append(slot)
        self._save(*changed)
        return station.id

    def change_station(self, station_id: UUID, expected_version: int | None, action: str, on: date,
                       reason: str = "", into: UUID | None = None) -> Station:
        if action == "merge" and into is None:
            raise RegistryError("合并须指定并入的站点 into")
        station = self.station(station_id)
        self._check_version(station, expected_version)
        changed: list[Aggregate] = [station]
        if action == "open":
            station.open(on)
        elif action == "suspend":
            station.suspend(on, reason)
        elif action == "resume":
            station.resume(on)
        elif action in ("close", "merge"):
            if action == "close":
                station.close(on, reason)
            else:
                assert into is not None  # checked above
                station.merge_into(self.station(into), on)
            if station.tier == Tier.GENERAL_STATION:
                slot = self._get(GeneralStationSlot, slot_id(station.area_code), "总站登记")
                slot.release(str(station.id))
                changed.append(slot)
        else:
            raise RegistryError(f"未知的操作 {action!r}")
        self._save(*changed)
        return station

    def record_facility(self, station_id: UUID, item: str, present: bool, evidence: str, on: date,
                        expected_version: int | None = None) -> Station:
        station = self.station(station_id)
        self._check_version(station, expected_version)
        station.record_facility(item, present, evidence, on)
        self._save(station)
        return station

    def station_history(self, station_id: UUID | str) -> tuple[Station, list[dict[str, Any]]]:
        """The station and its dated changes (lifecycle, facilities, staffing, level), in the order recorded. A
        revision of the level history is one `level_changed` entry per change it makes, with the level before
        it in the revised history, and, where the level on its first day returns to what it was before, one
        for that day."""
        station = self.station(station_id)
        entries = []
        levels: LevelHistory = []
        for domain_event in self.events.get(station.id):
            kind = HISTORY_KINDS.get(type(domain_event).__name__)
            if kind is None:
                continue
            data = vars(domain_event)  # the event's fields, with its originator_version and timestamp
            head = {"recorded_at": data["timestamp"], "version": domain_event.originator_version}
            if kind == "planned":
                levels = [(data["planned_on"], Level.NONE)]
            if kind == "levels_revised":
                revised = revise_levels(levels, data["since"], [(c["on"], Level(c["level"])) for c in data["changes"]])
                entries += [{"kind": "level_changed", "on": on, "level": level, "previous": previous, **head}
                            for on, level, previous in _level_entries(levels, revised, data["since"])]
                levels = revised
                continue
            entry = {"kind": kind, "on": data.get("on") or data.get("planned_on"), **head}
            entry |= {name: data[name] for name in HISTORY_FIELDS if name in data}
            if kind == "level_changed":
                levels.append((data["on"], Level(data["level"])))
            if "item" in entry:
                entry["item_name"] = ITEM_NAMES.get(entry["item"], entry["item"])
            entries.append(entry)
        return station, entries

    # -- staffing facts from the talent service ------------------------------------------------
    # Each saves its effects with the message's tracking record, in one transaction.

    def _staff(self, worker_id: str) -> StaffMember:
        return self.find(staff_id(worker_id), StaffMember) or StaffMember(worker_id=worker_id)

    def record_worker_assigned(self, tracking: Tracking, worker_id: str, station_id: str, full_time: bool,
                               assigned_on: date) -> None:
        """The worker now staffs `station_id`, with the certificates they hold; the station they staffed
        before, if another, loses them."""
        staff = self._staff(worker_id)
        changed: list[Aggregate] = [staff]
        if staff.station_id and staff.station_id != station_id:
            previous = self.station(staff.station_id)
            previous.remove_staff(staff.worker_id, assigned_on)
            changed.append(previous)
        station = self.station(station_id)
        staff.assign(station_id=station_id, full_time=full_time)
        station.record_staff(staff.worker_id, staff.full_time, assigned_on)
        for level, certified_on in staff.certificates.items():
            # a certificate recorded before its day was kept is known to be held by the assignment at least
            station.record_certificate(staff.worker_id, level, certified_on or assigned_on)
        self.save_tracked(tracking, *changed, station)

    def record_worker_left(self, tracking: Tracking, worker_id: str, station_id: str, left_on: date) -> None:
        staff = self._staff(worker_id)
        station = self.station(station_id)
        station.remove_staff(staff.worker_id, left_on)
        if staff.station_id == station_id:
            staff.leave()
        self.save_tracked(tracking, staff, station)

    def record_worker_certified(self, tracking: Tracking, worker_id: str, level: str, certified_on: date) -> None:
        staff = self._staff(worker_id)
        staff.certify(level, certified_on)
        if staff.station_id is None:
            self.save_tracked(tracking, staff)
            return
        station = self.station(staff.station_id)
        station.record_certificate(staff.worker_id, level, certified_on)
        self.save_tracked(tracking, staff, station)

    def record_head_appointed(self, tracking: Tracking, station_id: str, worker_id: str, appointed_on: date) -> None:
        station = self.station(station_id)
        station.appoint_head(worker_id, appointed_on)
        self.save_tracked(tracking, station)

    def record_head_relieved(self, tracking: Tracking, station_id: str, worker_id: str, relieved_on: date) -> None:
        station = self.station(station_id)
        station.relieve_head(worker_id, relieved_on)
        self.save_tracked(tracking, station)

    def record_incubated_agency(self, tracking: Tracking, station_id: str, organisation_id: str,
                                registered_on: date) -> None:
        """An organisation incubated at the station registered (talent): the station's own service agency."""
        station = self.station(station_id)
        station.record_incubated_agency(organisation_id, registered_on)
        self.save_tracked(tracking, station)

    # -- professional services from the casework service ---------------------------------------

    def record_casework(self, tracking: Tracking, station_id: str, work: str, work_id: str, in_force: bool,
                        on: date) -> None:
        station = self.station(station_id)
        station.record_casework(work, work_id, in_force, on)
        self.save_tracked(tracking, station)

    def record_case_transferred(self, tracking: Tracking, case_id: str, from_station_id: str, station_id: str,
                                on: date) -> None:
        """The case leaves one station and is in force at the other from the day of the transfer."""
        if from_station_id == station_id:
            self.save_tracked(tracking)  # nothing moves; the message is still handled once
            return
        source, target = self.station(from_station_id), self.station(station_id)
        source.record_casework("case", case_id, False, on)
        target.record_casework("case", case_id, True, on)
        self.save_tracked(tracking, source, target)

    # -- service-item lists (服务事项清单) ------------------------------------------------------

    def _service_items(self, county_code: str, create: bool = False) -> ServiceItemList:
        if self.area(county_code).level != AreaLevel.COUNTY:
            raise UnknownArea(f"服务事项清单由县(区)制定：{county_code} 不是县(区)级行政区划")
        found = self.find(service_items_id(county_code), ServiceItemList)
        if found is None:
            if not create:
                raise NotFound(f"县(区) {county_code} 尚无服务事项清单")
            found = ServiceItemList(county_code=county_code)
        return found

    def add_service_item(self, county_code: str, code: str, name: str, department: str, tiers: list[str],
                         effective_from: date) -> None:
        items = self._service_items(county_code, create=True)
        items.add(code, name, department, tiers, effective_from)
        self._save(items)

    def revise_service_item(self, county_code: str, code: str, name: str, department: str, tiers: list[str],
                            effective_from: date, expected_version: int | None = None) -> None:
        items = self._service_items(county_code)
        if expected_version is not None and expected_version != items.version:
            raise Conflict(f"服务事项清单已被修改：当前版本为 {items.version}，请刷新后重试")
        items.revise(code, name, department, tiers, effective_from)
        self._save(items)

    def withdraw_service_item(self, county_code: str, code: str, on: date) -> None:
        items = self._service_items(county_code)
        items.withdraw(code, on)
        self._save(items)

    def service_items_of_county(self, county_code: str, on: date, tier: str | None = None) -> list[ServiceItem]:
        self.area(county_code)  # an unknown area is a 404, not an empty list
        found = self.find(service_items_id(county_code), ServiceItemList)
        return found.items_on(on, tier) if found is not None else []

    def station_service_items(self, station_id: UUID | str, on: date) -> tuple[Station, str, list[ServiceItem]]:
        """What a station offers on a day, with its county: the county's items for the station's tier (§三(三)
        "分級明確服務事項清單")."""
        station = self.station(station_id)
        county = county_of(station.area_code)
        return station, county, self.service_items_of_county(county, on, station.tier.value)


    def set_targets(self, county_code: str, year: int, general: int, township: int, village: int,
                    on: date | None = None) -> None:
        """Sets a county's targets for a year, in effect from `on` (default today)."""
        on = on or date.today()
        if self.area(county_code).level != AreaLevel.COUNTY:
            raise UnknownArea(f"{county_code} 不是县(区)级行政区划")
        plan = (self.find(targets_id(county_code, year), CountyTargets)
                or CountyTargets(county_code=county_code, year=year))
        plan.set(general, township, village, on, "administrator")
        self._save(plan)

    def active_station_counts(self, area_code: str) -> dict[str, int]:
        """Stations now open or suspended under an area, per tier, counted in the stations list (cheap)."""
        active = [status.value for status in ACTIVE]
        return {tier.value: self.lists.page("stations", ListQuery(limit=1, filters={
            "area_code": area_code, "tier": tier.value, "status": active})).total for tier in Tier}

    def targets_with_progress(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Target rows with their county's name and today's active stations beside each tier's target."""
        counts: dict[str, dict[str, int]] = {}
        for row in rows:
            code = row["county_code"]
            if code not in counts:
                counts[code] = self.active_station_counts(code)
            county = self.find(area_id(code), Area)
            row["county_name"] = county.name if county else None
            for tier in ("general_station", "township_station", "village_room"):
                row[f"{tier}_active"] = counts[code][tier]
                row[f"{tier}_met"] = counts[code][tier] >= (row.get(tier) or 0)
        return rows

    def county_progress(self, county_code: str, year: int, as_of: date) -> dict[str, Any]:
        county = self.area(county_code)
        if county.level != AreaLevel.COUNTY:
            raise UnknownArea(f"{county_code} 不是县(区)级行政区划")
        plan = self.find(targets_id(county_code, year), CountyTargets)
        stations = [self.station(sid) for sid in self._station_ids_under(county)]
        active = [s for s in stations if s.active_on(as_of)]
        counts = {tier.value: sum(1 for s in active if s.tier == tier) for tier in Tier}
        targets = plan.as_dict() if plan else None
        target_counts: dict[str, int] = targets or {}
        opened_2021 = [s for s in stations if s.tier == Tier.TOWNSHIP_STATION and s.opened_on
                       and s.opened_on.year == 2021 and s.opened_on <= as_of]
        reform = sum(1 for s in opened_2021
                     if s.opened_on and self.area(s.area_code).reform_affected_on(s.opened_on))
        return {
            "county_code": county_code,
            "name": county.name_on(as_of),
            "year": year,
            "as_of": as_of.isoformat(),
            "targets": targets,
            "stations": counts,
            "progress": {tier: {"target": target, "actual": counts[tier], "met": counts[tier] >= target}
                         for tier, target in target_counts.items()},
            "reform_affected_2021": {"township_stations_2021": len(opened_2021), "in_reform_affected": reform,
                                     "share": round(reform / len(opened_2021), 4) if opened_2021 else None,
                                     # 涉改乡镇占50%以上: 以上 includes 50% (民法典 art. 1259)
                                     "goal_over_half": bool(opened_2021) and reform * 2 >= len(opened_2021)},
        }

    def _counties_under(self, area: Area) -> list[str]:
        if area.level == AreaLevel.COUNTY:
            return [area.code]
        if area.level in (AreaLevel.TOWNSHIP, AreaLevel.VILLAGE):
            return []
        return [code for child in area.children for code in self._counties_under(self.area(child))]

    def city_progress(self, year: int, as_of: date) -> dict[str, Any]:
        """Every county's progress under the deployment's root (a city, a province or the country) and
        the root's totals against the sum of the county targets."""
        counties = [self.county_progress(code, year, as_of) for code in self._counties_under(self.area(self.root.code))]
        tiers = [tier.value for tier in Tier]
        totals = {tier: sum(c["stations"][tier] for c in counties) for tier in tiers}
        targets = {tier: sum((c["targets"] or {}).get(tier, 0) for c in counties) for tier in tiers[:3]}
        return {"city_code": self.root.code, "year": year, "as_of": as_of.isoformat(), "targets": targets,
                "stations": totals, "counties": counties}

