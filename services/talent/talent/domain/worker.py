"""The SocialWorker aggregate: one practitioner on the talent register (social worker, community
worker, township cadre or organisation staff), their employment at a station or at a social work
service agency (one employer at a time), the national exam,
the certificate they hold, their elderly-care specialisation and their training.

Name, ID number and phone are personal data: the aggregate holds them sealed with the worker's own key
(talent.domain.personal), and they are never copied into another event, a log or a span."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate, event

from talent.domain import identifiers
from talent.domain.errors import TalentError
from talent.domain.personal import Person, Sealer, upcast_identity
from talent.domain.vocabulary import FIRST_EXAM_YEAR, LEVEL_NAMES, Employment, Level, Role, TrainingKind

MAX_TRAINING_HOURS = 2000.0


class SocialWorker(Person):
    NOUN = "社工"

    class Registered(Aggregate.Created):
        class_version = 2
        sealed_identity: str | None  # name, id_number, phone: sealed with the worker's key (None: version 1)
        role: str
        registered_on: date
        # The area whose office put the worker on the register, their area until they work at a station or agency
        # (events stored before it existed have none).
        area_code: str | None = None
        legacy_identity: dict[str, str] | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            upcast_identity(state, ("name", "id_number", "phone"))

    class Assigned(Aggregate.Event):
        station_id: str
        employment: str
        assigned_on: date

    class Left(Aggregate.Event):
        station_id: str
        left_on: date

    class EmployedByAgency(Aggregate.Event):
        agency_id: str
        employment: str
        employed_on: date

    class LeftAgency(Aggregate.Event):
        agency_id: str
        left_on: date

    class ExamRegistered(Aggregate.Event):
        level: str
        exam_year: int

    class ExamSat(Aggregate.Event):
        level: str
        exam_year: int
        sat_on: date

    class ExamResultRecorded(Aggregate.Event):
        level: str
        exam_year: int
        passed: bool

    class Certified(Aggregate.Event):
        level: str
        certified_on: date

    class SpecialisedInElderlyCare(Aggregate.Event):
        specialised_on: date

    class TrainingCompleted(Aggregate.Event):
        kind: str
        hours: float
        completed_on: date
        station_id: str | None

    class HeadshipStarted(Aggregate.Event):
        station_id: str
        appointed_on: date

    class HeadshipEnded(Aggregate.Event):
        station_id: str
        relieved_on: date

    # --- registration -------------------------------------------------------------------------

    @classmethod
    def register(cls, seal: Sealer, name: str, id_number: str, phone: str, registered_on: date,
                 role: Role = Role.SOCIAL_WORKER, area_code: str | None = None) -> SocialWorker:
        identity = {"name": identifiers.person_name(name), "id_number": identifiers.resident_id_number(id_number),
                    "phone": identifiers.phone_number(phone)}
        role, area_code = Role(role), identifiers.checked_area(area_code)
        worker_id = uuid4()
        return cls._create(cls.Registered, id=worker_id, sealed_identity=seal(worker_id, identity), role=role.value,
                           registered_on=registered_on, area_code=area_code)

    @event(Registered)
    def __init__(self, sealed_identity: str | None, role: str, registered_on: date, area_code: str | None = None,
                 legacy_identity: dict[str, str] | None = None):
        self.area_code = area_code
        self.sealed_identity = sealed_identity
        self.legacy_identity = legacy_identity
        self.erased_on: date | None = None
        self.role = Role(role)
        self.registered_on = registered_on
        self.station_id: str | None = None
        self.employment: Employment | None = None
        self.assigned_on: date | None = None
        self.agency_id: str | None = None
        self.employed_on: date | None = None
        self.exams: dict[tuple[str, int], dict[str, Any]] = {}
        self.level: Level | None = None
        self.certified_on: date | None = None
        self.first_certified_on: date | None = None
        self.elderly_care_since: date | None = None
        self.training_hours = 0.0
        self.trainings: list[dict[str, Any]] = []
        self.head_of: str | None = None
        # Kept after a departure, so a worker who left is still listed under the station (or agency) they left.
        self.left_on: date | None = None
        self.last_station_id: str | None = None
        self.last_agency_id: str | None = None

    # --- employment ---------------------------------------------------------------------------

    def assign(self, station_id: str, employment: Employment, assigned_on: date) -> None:
        """Employment at a station. Assigning again at the same station changes full/part time."""
        station_id = identifiers.station_id(station_id)
        employment = Employment(employment)
        if self.agency_id is not None:
            raise TalentError("该社工受聘于社会工作服务机构，请先办理离职，再到站点任职")
        if self.station_id is not None and self.station_id != station_id:
            raise TalentError("该社工仍在其他站点任职，请先办理离岗")
        if self.station_id == station_id and self.employment is employment:
            raise TalentError("该社工已按此用工方式在本站任职")
        if self.head_of is not None and employment is not Employment.FULL_TIME:
            raise TalentError("站长须为专职社工：请先免去站长职务，再改为兼职")
        if assigned_on < self.registered_on:
            raise TalentError("到岗日期不能早于登记日期")
        self._assigned(station_id, employment.value, assigned_on)

    @event(Assigned)
    def _assigned(self, station_id: str, employment: str, assigned_on: date) -> None:
        if self.station_id != station_id:
            self.assigned_on = assigned_on
        self.station_id = station_id
        self.employment = Employment(employment)
        self.left_on = None

    def employ_at_agency(self, agency_id: str, employment: Employment, employed_on: date) -> None:
        """Employment at a social work service agency instead of a station. Again at the same agency
        changes full/part time. It never counts for a station's quotas."""
        employment = Employment(employment)
        if self.station_id is not None:
            raise TalentError("该社工仍在站点任职，请先办理离岗，再受聘于机构")
        if self.agency_id is not None and self.agency_id != agency_id:
            raise TalentError("该社工仍受聘于其他机构，请先办理离职")
        if self.agency_id == agency_id and self.employment is employment:
            raise TalentError("该社工已按此用工方式受聘于该机构")
        if employed_on < self.registered_on:
            raise TalentError("受聘日期不能早于登记日期")
        if self.employed_on and self.agency_id == agency_id and employed_on < self.employed_on:
            raise TalentError("用工方式变更日期不能早于受聘日期")
        self._employed_by_agency(agency_id, employment.value, employed_on)

    @event(EmployedByAgency)
    def _employed_by_agency(self, agency_id: str, employment: str, employed_on: date) -> None:
        if self.agency_id != agency_id:
            self.employed_on = employed_on
        self.agency_id = agency_id
        self.employment = Employment(employment)
        self.left_on = None

    def leave(self, left_on: date) -> None:
        """Leaves the current station or agency. A head must be relieved first (the application does both at once)."""
        if self.agency_id is not None:
            if self.employed_on and left_on < self.employed_on:
                raise TalentError("离职日期不能早于受聘日期")
            self._left_agency(self.agency_id, left_on)
            return
        if self.station_id is None:
            raise TalentError("该社工当前未在任何站点或机构任职")
        if self.head_of is not None:
            raise TalentError("该社工是站长：请先免去站长职务")
        if self.assigned_on and left_on < self.assigned_on:
            raise TalentError("离岗日期不能早于到岗日期")
        self._left(self.station_id, left_on)

    @event(Left)
    def _left(self, station_id: str, left_on: date) -> None:
        self.last_station_id, self.last_agency_id, self.left_on = station_id, None, left_on
        self.station_id = None
        self.employment = None
        self.assigned_on = None

    @event(LeftAgency)
    def _left_agency(self, agency_id: str, left_on: date) -> None:
        self.last_station_id, self.last_agency_id, self.left_on = None, agency_id, left_on
        self.agency_id = None
        self.employment = None
        self.employed_on = None

    # --- the national exam and certification ----------------------------------------------------

    @staticmethod
    def _check_year(exam_year: int) -> None:
        if not FIRST_EXAM_YEAR <= exam_year <= date.today().year + 1:
            raise TalentError(f"考试年度应在 {FIRST_EXAM_YEAR} 年至 {date.today().year + 1} 年之间")

    def register_for_exam(self, level: Level, exam_year: int) -> None:
        level = Level(level)
        self._check_year(exam_year)
        if (level.value, exam_year) in self.exams:
            raise TalentError(f"已报名 {exam_year} 年度{LEVEL_NAMES[level]}考试")
        if self.level is not None and self.level.rank >= level.rank:
            raise TalentError(f"已持有{LEVEL_NAMES[self.level]}证书，无需报考同级或更低级别")
        self._exam_registered(level.value, exam_year)

    @event(ExamRegistered)
    def _exam_registered(self, level: str, exam_year: int) -> None:
        self.exams[(level, exam_year)] = {"sat_on": None, "passed": None}

    def _exam(self, level: Level, exam_year: int) -> dict[str, Any]:
        try:
            return self.exams[(Level(level).value, exam_year)]
        except KeyError:
            raise TalentError(f"未报名 {exam_year} 年度{LEVEL_NAMES[Level(level)]}考试") from None

    def sit_exam(self, level: Level, exam_year: int, sat_on: date) -> None:
        exam = self._exam(level, exam_year)
        if exam["sat_on"] is not None:
            raise TalentError("已记录参加该次考试")
        if sat_on.year != exam_year:
            raise TalentError("参考日期应在考试年度内")
        self._exam_sat(Level(level).value, exam_year, sat_on)

    @event(ExamSat)
    def _exam_sat(self, level: str, exam_year: int, sat_on: date) -> None:
        self.exams[(level, exam_year)]["sat_on"] = sat_on

    def record_exam_result(self, level: Level, exam_year: int, passed: bool) -> None:
        exam = self._exam(level, exam_year)
        if exam["sat_on"] is None:
            raise TalentError("尚未记录参加该次考试，不能登记成绩")
        if exam["passed"] is not None:
            raise TalentError("该次考试成绩已登记")
        self._exam_result(Level(level).value, exam_year, bool(passed))

    @event(ExamResultRecorded)
    def _exam_result(self, level: str, exam_year: int, passed: bool) -> None:
        self.exams[(level, exam_year)]["passed"] = passed

    def passed(self, level: Level) -> bool:
        return any(lvl == Level(level).value and exam["passed"] for (lvl, _), exam in self.exams.items())

    def certify(self, level: Level, certified_on: date) -> None:
        """The certificate at a level, issued after passing that level's exam."""
        level = Level(level)
        if self.level is not None and self.level.rank >= level.rank:
            raise TalentError(f"已持有{LEVEL_NAMES[self.level]}证书，不能登记同级或更低级别的证书")
        if not self.passed(level):
            raise TalentError(f"尚无{LEVEL_NAMES[level]}考试合格记录，不能登记该级别证书")
        if self.certified_on and certified_on < self.certified_on:
            raise TalentError("取证日期不能早于已持有证书的取证日期")
        self._certified(level.value, certified_on)

    @event(Certified)
    def _certified(self, level: str, certified_on: date) -> None:
        self.level = Level(level)
        self.certified_on = certified_on
        if self.first_certified_on is None:
            self.first_certified_on = certified_on

    @property
    def certified(self) -> bool:
        return self.level is not None

    def specialise_in_elderly_care(self, specialised_on: date) -> None:
        if self.elderly_care_since is not None:
            raise TalentError("已登记为养老服务社工")
        self._specialised(specialised_on)

    @event(SpecialisedInElderlyCare)
    def _specialised(self, specialised_on: date) -> None:
        self.elderly_care_since = specialised_on

    # --- training -----------------------------------------------------------------------------

    def complete_training(
        self, kind: TrainingKind, hours: float, completed_on: date, station_id: str | None = None
    ) -> None:
        kind = TrainingKind(kind)
        if not 0 < hours <= MAX_TRAINING_HOURS:
            raise TalentError(f"培训学时应大于 0 且不超过 {MAX_TRAINING_HOURS:g}")
        self._trained(
            kind.value, float(hours), completed_on, identifiers.station_id(station_id) if station_id else None
        )

    @event(TrainingCompleted)
    def _trained(self, kind: str, hours: float, completed_on: date, station_id: str | None) -> None:
        self.training_hours += hours
        self.trainings.append({"kind": kind, "hours": hours, "completed_on": completed_on, "station_id": station_id})

    # --- station head -------------------------------------------------------------------------

    def check_can_head(self, station_id: str) -> None:
        """A station head is a full-time social worker of that station (A2 §2.2); a certificate counts towards
        the station's level (A2 §2.1), it is not a condition of appointment."""
        station_id = identifiers.station_id(station_id)
        if self.head_of is not None:
            raise TalentError("该社工已是站长")
        if self.station_id != station_id:
            raise TalentError("站长须为本站社工：该社工未在本站任职")
        if self.employment is not Employment.FULL_TIME:
            raise TalentError("站长须为专职社工")

    def start_headship(self, station_id: str, appointed_on: date) -> None:
        self.check_can_head(station_id)
        if self.assigned_on and appointed_on < self.assigned_on:
            raise TalentError("任命日期不能早于到岗日期")
        self._headship_started(identifiers.station_id(station_id), appointed_on)

    @event(HeadshipStarted)
    def _headship_started(self, station_id: str, appointed_on: date) -> None:
        self.head_of = station_id

    def end_headship(self, relieved_on: date) -> None:
        if self.head_of is None:
            raise TalentError("该社工不是站长")
        self._headship_ended(self.head_of, relieved_on)

    @event(HeadshipEnded)
    def _headship_ended(self, station_id: str, relieved_on: date) -> None:
        self.head_of = None
