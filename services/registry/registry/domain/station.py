"""The Station aggregate: a general station, township station or village room (or a station in a
civil affairs institution), its lifecycle, facilities, staffing facts and computed level."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from eventsourcing.domain import Aggregate, event

from registry.domain.areas import LEVEL_NAMES, AreaLevel, _latest_on, level_of
from registry.domain.errors import Conflict, RegistryError, TierMismatch
from registry.domain.levels import CERTIFICATE_RANK, FACILITY_ITEMS, Level, StaffFact, compute_level


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
        self.facilities: dict[str, bool] = {}
        self.evidence: dict[str, str] = {}
        self.staff: dict[str, StaffFact] = {}
        self.head: str | None = None
        self.professional_services = False
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

    def record_facility(self, item: str, present: bool, evidence: str, on: date) -> None:
        if item not in FACILITY_ITEMS:
            raise RegistryError(f"未知的设施项目 {item!r}；可选：{', '.join(FACILITY_ITEMS)}")
        self._facility_recorded(item=item, present=present, evidence=evidence, on=on)
        self._reassess(on)

    @event("FacilityRecorded")
    def _facility_recorded(self, item: str, present: bool, evidence: str, on: date) -> None:
        self.facilities[item] = present
        self.evidence[item] = evidence

    def record_staff(self, worker_id: str, full_time: bool, certificate: str | None, on: date) -> None:
        """A worker employed at the station, with what is known of them; replaces earlier facts."""
        if certificate is not None and certificate not in CERTIFICATE_RANK:
            raise RegistryError(f"未知的证书等级 {certificate!r}")
        if self.staff.get(worker_id) == StaffFact(full_time, certificate):
            return
        self._staff_recorded(worker_id=worker_id, full_time=full_time, certificate=certificate, on=on)
        self._reassess(on)

    @event("StaffRecorded")
    def _staff_recorded(self, worker_id: str, full_time: bool, certificate: str | None, on: date) -> None:
        self.staff[worker_id] = StaffFact(full_time, certificate)

    def remove_staff(self, worker_id: str, on: date) -> None:
        if worker_id not in self.staff:
            return
        self._staff_removed(worker_id=worker_id, on=on)
        self._reassess(on)

    @event("StaffRemoved")
    def _staff_removed(self, worker_id: str, on: date) -> None:
        del self.staff[worker_id]
        if self.head == worker_id:
            self.head = None

    def appoint_head(self, worker_id: str | None, on: date) -> None:
        """None relieves the head. Whether the head qualifies is for the level rule to weigh."""
        if worker_id == self.head:
            return
        self._head_set(worker_id=worker_id, on=on)
        self._reassess(on)

    @event("HeadSet")
    def _head_set(self, worker_id: str | None, on: date) -> None:
        self.head = worker_id

    def record_professional_services(self, delivered: bool, on: date) -> None:
        if delivered == self.professional_services:
            return
        self._services_recorded(delivered=delivered, on=on)
        self._reassess(on)

    @event("ProfessionalServicesRecorded")
    def _services_recorded(self, delivered: bool, on: date) -> None:
        self.professional_services = delivered

    def _reassess(self, on: date) -> None:
        level = compute_level(self.facilities, self.staff, self.head,
                              self.operating_model == OperatingModel.AGENCY, self.professional_services)
        if level != self.level:
            self._level_changed(level=level.value, previous=self.level.value, on=on)

    @event("LevelChanged")
    def _level_changed(self, level: str, previous: str, on: date) -> None:
        self.levels.append((on, Level(level)))
