"""The talent service's controlled vocabulary: stable English codes, Chinese labels for people."""

from __future__ import annotations

from enum import StrEnum


class Employment(StrEnum):
    FULL_TIME = "full_time"  # 专职
    PART_TIME = "part_time"  # 兼职


class Designator(StrEnum):
    """Who designates a station's head (A2 §2.2): the resident agency, or the county bureau of a self-operated
    station."""

    AGENCY = "agency"  # 驻站社会工作服务机构
    COUNTY_BUREAU = "county_bureau"  # 县(区)民政部门


DESIGNATOR_NAMES = {Designator.AGENCY: "驻站社会工作服务机构", Designator.COUNTY_BUREAU: "县(区)民政部门"}
# The registry's operating model of a station (`registry.station.planned.v1` field `operating_model`) -> who
# designates its head.
DESIGNATOR_OF = {"agency": Designator.AGENCY, "self_operated": Designator.COUNTY_BUREAU}


class StationTier(StrEnum):
    """The registry's station tiers (`registry.station.planned.v1` field `tier`), as talent reads them."""

    GENERAL_STATION = "general_station"  # 县(区)社会工作服务总站
    TOWNSHIP_STATION = "township_station"  # 乡镇(街道)社会工作服务站
    VILLAGE_ROOM = "village_room"  # 村(社区)社会工作服务室
    INSTITUTION_STATION = "institution_station"  # 民政服务机构社会工作服务站


class Level(StrEnum):
    """Levels of the national social worker exam (全国社会工作者职业水平考试), lowest first."""

    ASSISTANT_SOCIAL_WORKER = "assistant_social_worker"  # 助理社会工作师
    SOCIAL_WORKER = "social_worker"  # 社会工作师
    SENIOR_SOCIAL_WORKER = "senior_social_worker"  # 高级社会工作师

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self]


LEVEL_RANK = {Level.ASSISTANT_SOCIAL_WORKER: 1, Level.SOCIAL_WORKER: 2, Level.SENIOR_SOCIAL_WORKER: 3}
LEVEL_NAMES = {Level.ASSISTANT_SOCIAL_WORKER: "助理社会工作师", Level.SOCIAL_WORKER: "社会工作师",
               Level.SENIOR_SOCIAL_WORKER: "高级社会工作师"}

# The national exam was first held in 2008.
FIRST_EXAM_YEAR = 2008


class Role(StrEnum):
    """Who the practitioner is, for graded training (分级培训)."""

    SOCIAL_WORKER = "social_worker"  # 社会工作者
    COMMUNITY_WORKER = "community_worker"  # 社区工作者
    TOWNSHIP_CADRE = "township_cadre"  # 乡镇(街道)干部
    ORGANISATION_STAFF = "organisation_staff"  # 社会组织工作人员


class TrainingKind(StrEnum):
    GRADED = "graded"  # 分级培训 (cadres, community workers, organisation staff)
    PRE_EXAM = "pre_exam"  # 考前培训
    CONTINUING_EDUCATION = "continuing_education"  # "理论+实务"继续教育
    HIGH_LEVEL = "high_level"  # 高端(高层次)培训


class OrganisationType(StrEnum):
    FUNCTIONAL_SERVICE = "functional_service"  # 功能服务类
    INTEREST_VOLUNTEER = "interest_volunteer"  # 兴趣爱好及志愿服务类


class OrganisationStatus(StrEnum):
    FILED = "filed"  # 已备案
    INCUBATING = "incubating"  # 孵化中
    INCUBATED = "incubated"  # 已孵化
    REGISTERED = "registered"  # 已登记
    GRADUATED = "graduated"  # 已出壳

    @property
    def label(self) -> str:
        return STATUS_NAMES[self]


STATUS_NAMES = {OrganisationStatus.FILED: "已备案", OrganisationStatus.INCUBATING: "孵化中",
                OrganisationStatus.INCUBATED: "已孵化", OrganisationStatus.REGISTERED: "已登记",
                OrganisationStatus.GRADUATED: "已出壳"}
