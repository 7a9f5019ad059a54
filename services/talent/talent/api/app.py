"""HTTP entry point: thin routers, request -> command -> application. Field names in English,
messages in Simplified Chinese."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from pzh_shared.http import install_error_handlers
from pzh_shared.idempotency import install_idempotency

from talent.adapters.volunteer_csv import CsvFormatError, import_volunteers
from talent.api.errors import FIELD_LABELS
from talent.application.service import TalentApplication
from talent.domain.errors import AlreadyRegistered, Conflict, InvalidPersonalData, NotFound, StationHasHead, TalentError
from talent.domain.identifiers import mask
from talent.domain.vocabulary import Employment, Level, OrganisationType, Role, TrainingKind

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
    reform_affected: bool = Field(description="是否位于涉改社区")
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


def _application(request: Request) -> TalentApplication:
    return request.app.state.application


Talent = Annotated[TalentApplication, Depends(_application)]


def create_app(application: TalentApplication, max_import_bytes: int = 10 * 1024 * 1024) -> FastAPI:
    app = FastAPI(title="攀枝花市社会工作服务体系 · talent", version="0.1.0")
    app.state.application = application
    install_idempotency(app, application)  # Idempotency-Key: a repeated command runs once
    install_error_handlers(app, {
        InvalidPersonalData: (422, "invalid_personal_data"),
        CsvFormatError: (422, "invalid_csv"),
        NotFound: (404, "not_found"),
        StationHasHead: (409, "station_has_head"),
        AlreadyRegistered: (409, "already_registered"),
        Conflict: (409, "conflict"),
        TalentError: (422, "rule_violated"),
        IntegrityError: (409, "concurrent_change"),
    }, FIELD_LABELS)

    # --- social workers ------------------------------------------------------------------------

    @app.post("/workers", status_code=201)
    def register_worker(body: RegisterWorker, talent: Talent) -> dict[str, UUID]:
        return {"worker_id": talent.register_worker(body.name, body.id_number, body.phone, body.registered_on, body.role)}

    @app.get("/workers/{worker_id}")
    def get_worker(worker_id: UUID, talent: Talent) -> dict:
        w = talent.worker(worker_id)
        return {
            "worker_id": str(w.id), "name": w.name, "id_number_masked": mask(w.id_number, 6, 4), "phone_masked": mask(w.phone, 3, 4),
            "role": w.role, "registered_on": w.registered_on, "station_id": w.station_id, "employment": w.employment,
            "assigned_on": w.assigned_on, "agency_id": w.agency_id, "employed_on": w.employed_on,
            "level": w.level, "certified_on": w.certified_on, "first_certified_on": w.first_certified_on,
            "elderly_care_since": w.elderly_care_since, "head_of": w.head_of, "training_hours": w.training_hours,
            "exams": [{"level": level, "exam_year": year, **exam} for (level, year), exam in sorted(w.exams.items(), key=lambda i: (i[0][1], i[0][0]))],
            "version": w.version,
        }

    @app.post("/workers/{worker_id}/assignment")
    def assign(worker_id: UUID, body: AssignWorker, talent: Talent) -> dict[str, str]:
        talent.assign_worker(worker_id, str(body.station_id), body.employment, body.assigned_on)
        return {"status": "assigned"}

    @app.post("/workers/{worker_id}/agency-employment")
    def employ_at_agency(worker_id: UUID, body: EmployAtAgency, talent: Talent) -> dict[str, str]:
        talent.employ_at_agency(worker_id, body.agency_id, body.employment, body.employed_on)
        return {"status": "employed"}

    @app.post("/workers/{worker_id}/departure")
    def leave(worker_id: UUID, body: WorkerLeaves, talent: Talent) -> dict[str, str]:
        talent.worker_leaves(worker_id, body.left_on)
        return {"status": "left"}

    @app.post("/workers/{worker_id}/exams")
    def register_for_exam(worker_id: UUID, body: ExamRegistration, talent: Talent) -> dict[str, str]:
        talent.register_for_exam(worker_id, body.level, body.exam_year)
        return {"status": "registered"}

    @app.post("/workers/{worker_id}/exams/sitting")
    def sit_exam(worker_id: UUID, body: ExamSitting, talent: Talent) -> dict[str, str]:
        talent.sit_exam(worker_id, body.level, body.exam_year, body.sat_on)
        return {"status": "sat"}

    @app.post("/workers/{worker_id}/exams/result")
    def exam_result(worker_id: UUID, body: ExamResult, talent: Talent) -> dict[str, str]:
        talent.record_exam_result(worker_id, body.level, body.exam_year, body.passed)
        return {"status": "recorded"}

    @app.post("/workers/{worker_id}/certification")
    def certify(worker_id: UUID, body: Certify, talent: Talent) -> dict[str, str]:
        talent.certify(worker_id, body.level, body.certified_on)
        return {"status": "certified"}

    @app.post("/workers/{worker_id}/elderly-care")
    def elderly_care(worker_id: UUID, body: ElderlyCare, talent: Talent) -> dict[str, str]:
        talent.specialise_in_elderly_care(worker_id, body.specialised_on)
        return {"status": "specialised"}

    @app.post("/workers/{worker_id}/trainings", status_code=201)
    def training(worker_id: UUID, body: Training, talent: Talent) -> dict[str, str]:
        talent.complete_training(worker_id, body.kind, body.hours, body.completed_on, str(body.station_id) if body.station_id else None)
        return {"status": "recorded"}

    # --- station heads -------------------------------------------------------------------------

    @app.put("/stations/{station_id}/head")
    def appoint_head(station_id: UUID, body: AppointHead, talent: Talent) -> dict:
        talent.appoint_head(str(station_id), body.worker_id, body.appointed_on)
        return {"station_id": str(station_id), "worker_id": str(body.worker_id), "appointed_on": body.appointed_on}

    @app.post("/stations/{station_id}/head/relief")
    def relieve_head(station_id: UUID, body: RelieveHead, talent: Talent) -> dict:
        worker_id = talent.relieve_head(str(station_id), body.relieved_on)
        return {"station_id": str(station_id), "worker_id": str(worker_id), "relieved_on": body.relieved_on}

    @app.get("/stations/{station_id}/head")
    def get_head(station_id: UUID, talent: Talent) -> dict:
        staffing = talent.head_of(str(station_id))
        return {"station_id": str(station_id), "worker_id": staffing.head_id if staffing else None,
                "since": staffing.head_since if staffing else None}

    @app.get("/stations/{station_id}/quotas/{year}")
    def quotas(station_id: UUID, year: int, talent: Talent) -> dict:
        """The kind (pilot_township: 省级试点乡镇站; other: 其他站点) follows from the registry's facts
        about the station (tier, provincial_pilot), consumed from registry.events; 404 until known."""
        if not 2000 <= year <= 2100:
            raise TalentError("年度应在 2000 至 2100 之间")
        profile = talent.station_profile(str(station_id))
        results = talent.evaluate_quotas(str(station_id), year, profile.kind)
        return {"station_id": str(station_id), "year": year, "kind": profile.kind, "tier": profile.tier,
                "provincial_pilot": profile.provincial_pilot, "met": all(r.met for r in results),
                "quotas": [vars(r) for r in results]}

    # --- volunteers ----------------------------------------------------------------------------

    @app.post("/volunteers", status_code=201)
    def register_volunteer(body: RegisterVolunteer, talent: Talent) -> dict[str, UUID]:
        return {"volunteer_id": talent.register_volunteer(body.name, body.id_number, body.phone, body.volunteer_number,
                                                          str(body.station_id), body.registered_on, trained_on=body.trained_on)}

    @app.post("/volunteers/import")
    async def import_csv(request: Request, talent: Talent, station_id: UUID | None = None, hours_as_of: date | None = None) -> dict:
        data = await request.body()
        if len(data) > max_import_bytes:
            raise CsvFormatError(f"文件超过 {max_import_bytes // (1024 * 1024)} MiB，请分批导入")
        report = await run_in_threadpool(import_volunteers, talent, data, str(station_id) if station_id else None, hours_as_of)
        return {"imported": len(report.imported), "failed": len(report.errors),
                "volunteers": [{"line": line, "volunteer_id": str(vid)} for line, vid in report.imported],
                "errors": [{"line": e.line, "problems": e.problems} for e in report.errors]}

    @app.get("/volunteers/{volunteer_id}")
    def get_volunteer(volunteer_id: UUID, talent: Talent) -> dict:
        v = talent.volunteer(volunteer_id)
        return {"volunteer_id": str(v.id), "name": v.name, "id_number_masked": mask(v.id_number, 6, 4), "phone_masked": mask(v.phone, 3, 4),
                "station_id": v.station_id, "registered_on": v.registered_on, "hours": v.hours,
                "trainings": [{"station_id": s, "trained_on": d} for s, d in v.trainings], "version": v.version}

    @app.post("/volunteers/{volunteer_id}/trainings", status_code=201)
    def train_volunteer(volunteer_id: UUID, body: VolunteerTraining, talent: Talent) -> dict[str, str]:
        talent.train_volunteer(volunteer_id, str(body.station_id), body.trained_on)
        return {"status": "recorded"}

    @app.post("/volunteers/{volunteer_id}/hours", status_code=201)
    def log_hours(volunteer_id: UUID, body: VolunteerHours, talent: Talent) -> dict[str, str]:
        talent.log_volunteer_hours(volunteer_id, body.hours, body.served_on)
        return {"status": "recorded"}

    # --- interns -------------------------------------------------------------------------------

    @app.post("/interns", status_code=201)
    def register_intern(body: RegisterIntern, talent: Talent) -> dict[str, UUID]:
        return {"intern_id": talent.register_intern(body.name, body.phone, body.university, body.registered_on)}

    @app.post("/interns/{intern_id}/placements", status_code=201)
    def place_intern(intern_id: UUID, body: PlaceIntern, talent: Talent) -> dict[str, str]:
        talent.place_intern(intern_id, str(body.station_id), body.placed_from, body.placed_until, body.supervisor_id)
        return {"status": "placed"}

    @app.get("/interns/{intern_id}")
    def get_intern(intern_id: UUID, talent: Talent) -> dict:
        i = talent.intern(intern_id)
        return {"intern_id": str(i.id), "name": i.name, "phone_masked": mask(i.phone, 3, 4), "university": i.university,
                "registered_on": i.registered_on, "placements": i.placements, "version": i.version}

    # --- organisations and agencies ------------------------------------------------------------

    @app.post("/organisations", status_code=201)
    def file_organisation(body: FileOrganisation, talent: Talent) -> dict[str, UUID]:
        return {"organisation_id": talent.file_organisation(body.name, str(body.host_station_id), body.reform_affected, body.filed_on)}

    @app.post("/organisations/{organisation_id}/incubation")
    def start_incubation(organisation_id: UUID, body: StartIncubation, talent: Talent) -> dict:
        talent.start_incubation(organisation_id, body.started_on)
        return organisation_out(talent, organisation_id)

    @app.post("/organisations/{organisation_id}/incubated")
    def complete_incubation(organisation_id: UUID, body: CompleteIncubation, talent: Talent) -> dict:
        talent.complete_incubation(organisation_id, body.organisation_type, body.incubated_on)
        return organisation_out(talent, organisation_id)

    @app.post("/organisations/{organisation_id}/registration")
    def register_organisation(organisation_id: UUID, body: RegisterOrganisation, talent: Talent) -> dict:
        talent.register_organisation(organisation_id, body.registration_number, body.registered_on)
        return organisation_out(talent, organisation_id)

    @app.post("/organisations/{organisation_id}/graduation")
    def graduate(organisation_id: UUID, body: Graduate, talent: Talent) -> dict:
        talent.graduate_organisation(organisation_id, body.graduated_on)
        return organisation_out(talent, organisation_id)

    @app.get("/organisations/{organisation_id}")
    def get_organisation(organisation_id: UUID, talent: Talent) -> dict:
        return organisation_out(talent, organisation_id)

    @app.post("/agencies", status_code=201)
    def register_agency(body: RegisterAgency, talent: Talent) -> dict[str, UUID]:
        return {"agency_id": talent.register_agency(body.name, body.registration_number, str(body.station_id), body.registered_on)}

    @app.get("/agencies/{agency_id}")
    def get_agency(agency_id: UUID, talent: Talent) -> dict:
        a = talent.agency(agency_id)
        return {"agency_id": str(a.id), "name": a.name, "registration_number": a.registration_number, "station_id": a.station_id,
                "registered_on": a.registered_on, "version": a.version}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def organisation_out(talent: TalentApplication, organisation_id: UUID) -> dict:
    o = talent.organisation(organisation_id)
    return {"organisation_id": str(o.id), "name": o.name, "host_station_id": o.host_station_id, "reform_affected": o.reform_affected,
            "status": o.status, "organisation_type": o.organisation_type, "registration_number": o.registration_number,
            "dates": o.dates, "version": o.version}
