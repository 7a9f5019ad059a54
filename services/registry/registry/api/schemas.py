"""The registry API's request and response models: field names in English, descriptions in Chinese."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from registry.domain.levels import Level
from registry.domain.station import ConstructionMode, OperatingModel, Status, Tier

Day = Annotated[date, Field(description="YYYY-MM-DD")]

# -- requests ---------------------------------------------------------------------------------------


class AreaIn(BaseModel):
    code: str = Field(min_length=6, max_length=12, description="行政区划代码")
    name: str = Field(min_length=1, max_length=100)
    reform_affected: bool = Field(False, description="涉改乡镇/社区")
    valid_from: Day
    vintage: str = ""


class Rename(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    on: Day


class ReformFlag(BaseModel):
    reform_affected: bool
    on: Day


class Merge(BaseModel):
    into: str
    on: Day


class Split(BaseModel):
    into: list[str] = Field(min_length=2)
    on: Day


class StationIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="站点名称")
    tier: Tier
    area_code: str = Field(min_length=6, max_length=12, description="行政区划代码")
    address: str = Field("", max_length=300)
    host_venue: str = Field("", max_length=200, description="依托场所")
    construction_mode: ConstructionMode = ConstructionMode.COUNTY_SELF_BUILT
    operating_model: OperatingModel = OperatingModel.SELF_OPERATED
    agency: str | None = Field(None, max_length=200, description="驻站机构")
    provincial_pilot: bool = False
    governance_pilot: bool = False
    covers: list[str] = Field(default_factory=list, description="片区站点另行覆盖的同级行政区划")
    planned_on: Day | None = None
    opened_on: Day | None = None
    plan_only: bool = Field(False, description="只登记规划，暂不开放")


class StationChange(BaseModel):
    on: Day
    reason: str = Field("", max_length=500)
    into: UUID | None = None
    expected_version: int | None = Field(None, description="乐观并发：读取时的版本号")


class FacilityIn(BaseModel):
    present: bool
    evidence: str = Field("", max_length=1000, description="佐证说明")
    on: Day
    expected_version: int | None = None


class TargetsIn(BaseModel):
    general_station: int = Field(ge=0, le=1)
    township_station: int = Field(ge=0)
    village_room: int = Field(ge=0)
    on: Day | None = None


# -- responses --------------------------------------------------------------------------------------


class Done(BaseModel):
    status: str


class Registered(BaseModel):
    registered: list[str] = Field(description="登记的行政区划代码")


class AreaOut(BaseModel):
    code: str
    level: str
    parent_code: str | None
    name: str | None
    reform_affected: bool
    valid_from: date
    valid_to: date | None
    valid: bool
    successors: list[str]
    vintage: str
    as_of: date


class StationCreated(BaseModel):
    station_id: UUID


class Facility(BaseModel):
    item: str
    present: bool
    evidence: str


class StationOut(BaseModel):
    station_id: UUID
    name: str
    tier: Tier
    area_code: str
    address: str
    host_venue: str
    construction_mode: ConstructionMode
    operating_model: OperatingModel
    agency: str | None
    provincial_pilot: bool
    governance_pilot: bool
    covers: list[str]
    status: Status | None
    level: Level | None
    opened_on: date | None
    merged_into: str | None
    facilities: list[Facility]
    staff_count: int
    has_head: bool
    version: int
    as_of: date


class StationStatus(BaseModel):
    status: Status
    version: int


class StationLevel(BaseModel):
    level: Level
    version: int


class TierProgress(BaseModel):
    target: int
    actual: int
    met: bool


class ReformShare(BaseModel):
    township_stations_2021: int
    in_reform_affected: int
    share: float | None
    goal_over_half: bool = Field(description="涉改乡镇占50%以上（含50%）")


class CountyProgress(BaseModel):
    county_code: str
    name: str | None
    year: int
    as_of: str
    targets: dict[str, int] | None
    stations: dict[str, int]
    progress: dict[str, TierProgress]
    reform_affected_2021: ReformShare


class CityProgress(BaseModel):
    city_code: str
    year: int
    as_of: str
    targets: dict[str, int]
    stations: dict[str, int]
    counties: list[CountyProgress]


# -- lists (pzh_shared.listing: Page[<row>]) ------------------------------------------------------


class AreaListRow(BaseModel):
    code: str = Field(description="行政区划代码")
    name: str = Field(description="现名称")
    level: str = Field(description="层级：city/county/township/village")
    parent_code: str | None
    reform_affected: bool = Field(description="涉改（现）")
    retired: bool = Field(description="已撤并")
    valid_from: date
    valid_to: date | None


class AreaNode(AreaOut):
    has_children: bool = Field(description="是否登记过下级行政区划")
    children: list[AreaNode] = Field(default_factory=list, description="有效的下级行政区划（至所请求的层数）")


class StationListRow(BaseModel):
    station_id: UUID
    name: str
    tier: Tier
    area_code: str
    status: Status = Field(description="最近登记的状态")
    level: Level = Field(description="计算所得的等级（最近）")
    construction_mode: ConstructionMode
    operating_model: OperatingModel
    agency: str | None
    provincial_pilot: bool
    governance_pilot: bool
    planned_on: date | None
    opened_on: date | None
    staff_count: int
    has_head: bool


class TargetListRow(BaseModel):
    county_code: str
    county_name: str | None
    year: int
    general_station: int
    township_station: int
    village_room: int
    general_station_active: int = Field(description="今日运行中的总站数")
    township_station_active: int = Field(description="今日运行中的乡镇站数")
    village_room_active: int = Field(description="今日运行中的村室数")
    general_station_met: bool
    township_station_met: bool
    village_room_met: bool


HistoryKind = Literal["planned", "opened", "suspended", "resumed", "closed", "merged", "facility_recorded",
                      "staff_recorded", "staff_removed", "certificate_recorded", "head_set", "head_relieved",
                      "professional_services", "incubated_agency", "casework", "level_changed"]


class HistoryEntry(BaseModel):
    kind: HistoryKind
    on: date = Field(description="生效日期")
    recorded_at: datetime = Field(description="登记时间")
    version: int
    reason: str | None = None
    into: str | None = Field(None, description="并入的站点")
    item: str | None = Field(None, description="设施项目")
    item_name: str | None = None
    present: bool | None = None
    evidence: str | None = Field(None, description="佐证说明")
    worker_id: str | None = None
    full_time: bool | None = None
    certificate: str | None = None
    delivered: bool | None = Field(None, description="专业服务（旧记录：由操作员填报，现不再计入等级）")
    organisation_id: str | None = Field(None, description="站内孵化并登记注册的社会工作服务机构")
    work: Literal["case", "project"] | None = Field(None, description="个案或项目")
    work_id: str | None = Field(None, description="个案或项目编号")
    in_force: bool | None = Field(None, description="自该日起在办（否：自该日起结案、转出或完成评估）")
    level: Level | None = None
    previous: Level | None = None


class StationHistory(BaseModel):
    station_id: UUID
    name: str
    status: Status
    level: Level
    entries: list[HistoryEntry]


# -- service-item lists (服务事项清单) --------------------------------------------------------------------------

ServiceItemCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$",
                                       description="事项编号（字母、数字、点、连字符）")]


class ServiceItemIn(BaseModel):
    code: ServiceItemCode
    name: str = Field(min_length=1, max_length=200, description="服务事项")
    department: str = Field(description="出资购买的部门：civil_affairs 民政、education 教育、health 卫健、"
                                        "veterans_affairs 退役军人事务、youth_league 团委、womens_federation 妇联、"
                                        "disabled_persons_federation 残联、trade_union 工会")
    tiers: list[Tier] = Field(min_length=1, description="提供该事项的站点层级")
    effective_from: Day


class ServiceItemRevision(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    department: str
    tiers: list[Tier] = Field(min_length=1)
    effective_from: Day = Field(description="新版本的生效日期；此前按原版本")
    expected_version: int | None = Field(None, description="清单的版本（并发修改时 409）")


class ServiceItemWithdrawal(BaseModel):
    on: Day = Field(description="停止日期：自该日起不再提供")


class ServiceItemOut(BaseModel):
    code: str
    name: str
    department: str
    department_name: str
    tiers: list[Tier]
    effective_from: date = Field(description="所示版本的生效日期")
    withdrawn_on: date | None


class CountyServiceItems(BaseModel):
    county_code: str
    as_of: date
    version: int | None = Field(description="清单的版本（修订时作 expected_version）；尚无清单时为空")
    items: list[ServiceItemOut]


class StationServiceItems(BaseModel):
    station_id: UUID
    tier: Tier
    county_code: str
    as_of: date
    items: list[ServiceItemOut]


class ServiceItemListRow(BaseModel):
    county_code: str
    code: str
    name: str
    department: str
    tier: Tier
    effective_from: str | None
    withdrawn_on: str | None
    withdrawn: bool
