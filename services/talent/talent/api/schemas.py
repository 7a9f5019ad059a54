"""The talent API's request and response models: field names in English, descriptions in Chinese.
Responses show personal data masked only (ID numbers and phones), never in full, except the audited reads of
api/personal.py."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pzh_shared.areas import AREA_CODE_PATTERN

from talent.application.service import ERASED
from talent.domain.guidance import Assignment, GuideKind, StationGuidance, VisitMode
from talent.domain.identifiers import mask
from talent.domain.intern import Intern
from talent.domain.organisation import Agency, Organisation
from talent.domain.quotas import QuotaResult, StationKind
from talent.domain.station_profile import StationProfile
from talent.domain.vocabulary import (
    Designator,
    Employment,
    Level,
    OrganisationStatus,
    OrganisationType,
    Role,
    StationTier,
    TrainingKind,
)
from talent.domain.volunteer import Volunteer
from talent.domain.worker import SocialWorker

Today = Field(default_factory=date.today)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests ----------------------------------------------------------------------------------


class RegisterWorker(_Body):
    name: str = Field(max_length=100, description="姓名")
    id_number: str = Field(max_length=32, description="居民身份证号码")
    phone: str = Field(max_length=32, description="联系电话")
    role: Role = Role.SOCIAL_WORKER
    registered_on: date = Today
    area_code: str | None = Field(default=None, pattern=AREA_CODE_PATTERN,
                                  description="登记地区：未到站点或机构任职前，该社工列在此地区的社工台账中")


class AssignWorker(_Body):
    station_id: UUID
    employment: Employment
    assigned_on: date = Today


class EmployAtAgency(_Body):
    agency_id: UUID
    employment: Employment
    employed_on: date = Today


class WorkerLeaves(_Body):
    left_on: date = Today


class ExamRegistration(_Body):
    level: Level
    exam_year: int = Field(ge=2008, le=2100)


class ExamSitting(ExamRegistration):
    sat_on: date


class ExamResult(ExamRegistration):
    passed: bool


class Certify(_Body):
    level: Level
    certified_on: date = Today


class ElderlyCare(_Body):
    specialised_on: date = Today


class Training(_Body):
    kind: TrainingKind
    hours: float = Field(gt=0, le=2000)
    completed_on: date = Today
    station_id: UUID | None = None


class AppointHead(_Body):
    worker_id: UUID
    appointed_on: date = Today
    designated_by: Designator | None = Field(
        None, description="指定方 (附件2 2.2)：agency 驻站社会工作服务机构；"
                          "county_bureau 县(区)民政部门（自主运营的站点）；不填时按站点的运营方式登记")


class RelieveHead(_Body):
    relieved_on: date = Today


class RegisterVolunteer(_Body):
    name: str = Field(max_length=100)
    id_number: str = Field(max_length=32)
    phone: str = Field(max_length=32)
    volunteer_number: str = Field(max_length=32, description="全国志愿服务信息系统的志愿者编号")
    station_id: UUID = Field(description="培训该志愿者的站点")
    registered_on: date = Today
    trained_on: date | None = None


class VolunteerTraining(_Body):
    station_id: UUID
    trained_on: date = Today


class VolunteerHours(_Body):
    hours: float = Field(gt=0, le=10_000)
    served_on: date = Today


class RegisterIntern(_Body):
    name: str = Field(max_length=100)
    phone: str = Field(max_length=32)
    university: str = Field(max_length=100)
    registered_on: date = Today


class PlaceIntern(_Body):
    station_id: UUID
    placed_from: date
    placed_until: date
    supervisor_id: UUID | None = None


class FileOrganisation(_Body):
    name: str = Field(max_length=200)
    host_station_id: UUID
    community_code: str = Field(pattern=r"^\d{12}$", description="所在村(社区)的行政区划代码；是否涉改由登记服务中"
                                                                  "该社区在备案日的涉改标记决定，不再填报")
    filed_on: date = Today


class StartIncubation(_Body):
    started_on: date = Today


class CompleteIncubation(_Body):
    organisation_type: OrganisationType
    incubated_on: date = Today


class RegisterOrganisation(_Body):
    registration_number: str = Field(max_length=32, description="统一社会信用代码")
    registered_on: date = Today


class Graduate(_Body):
    graduated_on: date = Today


class RegisterAgency(_Body):
    name: str = Field(max_length=200)
    registration_number: str = Field(max_length=32)
    station_id: UUID
    registered_on: date = Today


# --- responses ---------------------------------------------------------------------------------


class Status(BaseModel):
    status: str


class WorkerId(BaseModel):
    worker_id: UUID


class VolunteerId(BaseModel):
    volunteer_id: UUID


class InternId(BaseModel):
    intern_id: UUID


class OrganisationId(BaseModel):
    organisation_id: UUID


class AgencyId(BaseModel):
    agency_id: UUID


def masked(identity: dict[str, str] | None) -> dict[str, str]:
    """A person's name, and their ID number and phone masked, for the views that are not audited reads; the erased
    markers once the person's data is erased."""
    if identity is None:
        return {"name": ERASED, "id_number_masked": ERASED, "phone_masked": ERASED}
    return {"name": identity["name"], "id_number_masked": mask(identity.get("id_number", ""), 6, 4),
            "phone_masked": mask(identity["phone"], 3, 4)}


class ExamOut(BaseModel):
    level: Level
    exam_year: int
    sat_on: date | None
    passed: bool | None


class WorkerOut(BaseModel):
    worker_id: str
    name: str
    id_number_masked: str
    phone_masked: str
    role: Role
    registered_on: date
    station_id: str | None
    employment: Employment | None
    assigned_on: date | None
    agency_id: str | None
    employed_on: date | None
    level: Level | None
    certified_on: date | None
    first_certified_on: date | None
    elderly_care_since: date | None
    head_of: str | None
    training_hours: float
    exams: list[ExamOut]
    version: int

    erased_on: date | None = Field(None, description="个人信息删除日期；删除后姓名、证件号码、电话显示为[已删除]")

    @classmethod
    def of(cls, w: SocialWorker, identity: dict[str, str] | None) -> WorkerOut:
        exams = [
            ExamOut.model_validate({"level": level, "exam_year": year, **exam})
            for (level, year), exam in sorted(w.exams.items(), key=lambda i: (i[0][1], i[0][0]))
        ]
        return cls(
            worker_id=str(w.id),
            **masked(identity),
            role=w.role,
            registered_on=w.registered_on,
            station_id=w.station_id,
            employment=w.employment,
            assigned_on=w.assigned_on,
            agency_id=w.agency_id,
            employed_on=w.employed_on,
            level=w.level,
            certified_on=w.certified_on,
            first_certified_on=w.first_certified_on,
            elderly_care_since=w.elderly_care_since,
            head_of=w.head_of,
            training_hours=w.training_hours,
            exams=exams,
            version=w.version,
            erased_on=w.erased_on,
        )


class HeadAppointed(BaseModel):
    station_id: str
    worker_id: str
    appointed_on: date
    designated_by: Designator | None


class HeadRelieved(BaseModel):
    station_id: str
    worker_id: str
    relieved_on: date


class HeadOut(BaseModel):
    station_id: str
    worker_id: str | None
    since: date | None
    designated_by: Designator | None = Field(None, description="指定方；任命早于登记指定方的为空")


class QuotasOut(BaseModel):
    station_id: str
    year: int
    kind: StationKind
    tier: StationTier
    provincial_pilot: bool
    met: bool
    quotas: list[QuotaResult]  # the domain's own dataclass: its fields are the reply's

    @classmethod
    def of(cls, station_id: str, year: int, profile: StationProfile, results: list[QuotaResult]) -> QuotasOut:
        return cls(
            station_id=station_id,
            year=year,
            kind=profile.kind,
            tier=profile.tier,
            provincial_pilot=profile.provincial_pilot,
            met=all(r.met for r in results),
            quotas=results,
        )


class ImportedVolunteer(BaseModel):
    line: int
    volunteer_id: str


class ImportProblem(BaseModel):
    line: int
    problems: list[str]


class ImportResult(BaseModel):
    imported: int
    failed: int
    volunteers: list[ImportedVolunteer]
    errors: list[ImportProblem]


class VolunteerTrainingOut(BaseModel):
    station_id: str
    trained_on: date


class VolunteerOut(BaseModel):
    volunteer_id: str
    name: str
    id_number_masked: str
    phone_masked: str
    station_id: str
    registered_on: date
    hours: float
    trainings: list[VolunteerTrainingOut]
    version: int
    erased_on: date | None = Field(None, description="个人信息删除日期")

    @classmethod
    def of(cls, v: Volunteer, identity: dict[str, str] | None) -> VolunteerOut:
        return cls(
            volunteer_id=str(v.id),
            **masked(identity),
            erased_on=v.erased_on,
            station_id=v.station_id,
            registered_on=v.registered_on,
            hours=v.hours,
            trainings=[VolunteerTrainingOut(station_id=s, trained_on=d) for s, d in v.trainings],
            version=v.version,
        )


class PlacementOut(BaseModel):
    station_id: str
    placed_from: date
    placed_until: date
    supervisor_id: str | None


class InternOut(BaseModel):
    intern_id: str
    name: str
    phone_masked: str
    university: str
    registered_on: date
    placements: list[PlacementOut]
    version: int
    erased_on: date | None = Field(None, description="个人信息删除日期")

    @classmethod
    def of(cls, i: Intern, identity: dict[str, str] | None) -> InternOut:
        return cls(
            intern_id=str(i.id),
            **{k: v for k, v in masked(identity).items() if k != "id_number_masked"},
            erased_on=i.erased_on,
            university=i.university,
            registered_on=i.registered_on,
            placements=[PlacementOut.model_validate(p) for p in i.placements],
            version=i.version,
        )


class OrganisationOut(BaseModel):
    organisation_id: str
    name: str
    host_station_id: str
    community_code: str | None = Field(description="所在村(社区)；早期备案的组织为空")
    reform_affected: bool = Field(description="备案日所在社区是否涉改（登记服务的涉改标记）")
    status: OrganisationStatus
    organisation_type: OrganisationType | None
    registration_number: str | None
    dates: dict[str, date]
    version: int

    @classmethod
    def of(cls, o: Organisation) -> OrganisationOut:
        return cls(
            organisation_id=str(o.id),
            name=o.name,
            host_station_id=o.host_station_id,
            community_code=o.community_code,
            reform_affected=o.reform_affected,
            status=o.status,
            organisation_type=o.organisation_type,
            registration_number=o.registration_number,
            dates=o.dates,
            version=o.version,
        )


class AgencyOut(BaseModel):
    agency_id: str
    name: str
    registration_number: str
    station_id: str
    registered_on: date
    version: int

    @classmethod
    def of(cls, a: Agency) -> AgencyOut:
        return cls(
            agency_id=str(a.id),
            name=a.name,
            registration_number=a.registration_number,
            station_id=a.station_id,
            registered_on=a.registered_on,
            version=a.version,
        )


# --- list rows (GET /workers, /volunteers, ...: pzh_shared.listing.Page of these) -----------------------------


class WorkerRow(BaseModel):
    worker_id: str
    name: str = Field(description="姓名（读取时从加密的档案取得，不进入列表索引）")
    role: Role
    station_id: str | None = Field(description="所在站点；已离岗者为其离开的站点")
    agency_id: str | None = Field(description="受聘机构；已离职者为其离开的机构")
    area_code: str | None = Field(description="站点（或机构所属站点）的行政区划代码；站点信息未到时为空")
    employment: Employment | None
    certified: bool
    certificate_level: Level | None
    head: bool = Field(description="是否站长")
    status: Literal["active", "left", "unassigned"] = Field(description="active 在岗；left 已离岗；unassigned 未任职")
    registered_on: date
    assigned_on: date | None
    certified_on: date | None
    left_on: date | None


class VolunteerRow(BaseModel):
    volunteer_id: str
    name: str
    station_id: str
    area_code: str | None
    registered_on: date
    hours: float = Field(description="累计服务时长（小时）")
    trained: bool
    last_trained_on: date | None


class InternRow(BaseModel):
    intern_id: str
    name: str
    university: str
    station_id: str | None = Field(description="最近一次实习安排的站点")
    area_code: str | None
    supervisor_id: str | None
    registered_on: date
    placed_from: date | None
    placed_until: date | None


class OrganisationRow(BaseModel):
    organisation_id: str
    name: str
    host_station_id: str
    area_code: str | None
    status: OrganisationStatus
    organisation_type: OrganisationType | None
    reform_affected: bool
    registration_number: str | None
    filed_on: date
    status_on: date = Field(description="进入当前状态的日期")


class AgencyRow(BaseModel):
    agency_id: str
    name: str
    registration_number: str
    station_id: str
    area_code: str | None
    registered_on: date


class StationQuotaRow(BaseModel):
    station_id: str
    area_code: str
    tier: StationTier
    provincial_pilot: bool
    kind: StationKind
    year: int
    met: bool = Field(description="全部指标达标")
    unmet: str = Field(description="未达标的指标（、分隔）")
    quotas: list[QuotaResult]


# --- the guidance network (指导, 督导记录) ---------------------------------------------------------------------


class AssignGuidance(_Body):
    guide_kind: GuideKind = Field(description="workers：N 个专业(持证)社会工作者；agency：1 个社会工作服务机构")
    guide_ids: list[UUID] = Field(min_length=1, max_length=20, description="社工或机构的编号")
    guided_from: date = Today


class EndGuidance(_Body):
    on: date = Today


class RecordVisit(_Body):
    visited_on: date
    guide_id: UUID = Field(description="督导人：该日在任的指导方之一（社工或机构）")
    mode: VisitMode = Field(description="on_site 现场；remote 远程")
    hours: float = Field(gt=0, le=12, description="督导时长（小时）")
    topics: str = Field(min_length=1, max_length=1000,
                        description="督导内容（不写服务对象的姓名等个人信息）")


class VisitRecorded(BaseModel):
    visit_id: UUID


class AssignmentOut(BaseModel):
    guide_kind: GuideKind
    guide_kind_name: str
    guide_ids: list[str]
    assigned_on: date
    ended_on: date | None


class VisitOut(BaseModel):
    visit_id: str
    visited_on: date
    guide_id: str
    mode: VisitMode
    mode_name: str
    hours: float
    topics: str


class GuidanceOut(BaseModel):
    station_id: str
    current: AssignmentOut | None
    assignments: list[AssignmentOut]
    visits: list[VisitOut] = Field(description="督导记录，按日期")

    @classmethod
    def of(cls, station_id: str, guidance: StationGuidance | None) -> GuidanceOut:
        if guidance is None:
            return cls(station_id=station_id, current=None, assignments=[], visits=[])

        def assignment(a: Assignment) -> AssignmentOut:
            return AssignmentOut(guide_kind=a.kind, guide_kind_name=a.kind.label, guide_ids=list(a.guide_ids),
                                 assigned_on=a.assigned_on, ended_on=a.ended_on)

        visits = sorted(guidance.visits, key=lambda v: v.visited_on)
        return cls(station_id=station_id, current=assignment(guidance.current) if guidance.current else None,
                   assignments=[assignment(a) for a in guidance.assignments],
                   visits=[VisitOut(visit_id=v.visit_id, visited_on=v.visited_on, guide_id=v.guide_id, mode=v.mode,
                                    mode_name=v.mode.label, hours=v.hours, topics=v.topics) for v in visits])


class GuidedStationRow(BaseModel):
    station_id: str
    area_code: str | None
    guide_kind: GuideKind | None
    guide_count: int
    guided_from: date | None
    ended: bool
    visits: int
    last_visit_on: date | None


class GuidanceVisitRow(BaseModel):
    visit_id: str
    station_id: str
    area_code: str | None
    visited_on: date
    guide_id: str
    mode: VisitMode
    minutes: int
