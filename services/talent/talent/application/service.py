"""The talent service's use cases: commands in, aggregates saved (several at once where a rule
spans them, so they succeed or fail together).

People's personal data (workers', volunteers' and interns' names, ID numbers and phones) is sealed here with the
person's own data key from the key store before an aggregate records it, as casework does for its clients; a read
that opens the ID number or phone in clear is written to the read audit first (no audit record, no data), and an
erasure destroys the key."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta, timezone
from typing import Any, Protocol
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Tracking
from pzh_shared.eventstore import ServiceApplication
from pzh_shared.personal import AuditQuery, AuditRecord, KeyStore, ReadAudit
from pzh_shared.sealing import seal, unseal

from talent.application.lists import talent_lists
from talent.application.quota_facts import FactsBuilder
from talent.domain import identifiers
from talent.domain.area_reform import AreaReform, area_reform_id
from talent.domain.errors import AlreadyRegistered, NotFound, PersonErased, TalentError
from talent.domain.guidance import GuideKind, StationGuidance, VisitMode, guidance_id, guides
from talent.domain.intern import Intern
from talent.domain.organisation import Agency, Organisation
from talent.domain.personal import Person, Sealer
from talent.domain.quotas import QuotaResult, StationKind, evaluate
from talent.domain.staffing import StationStaffing, staffing_id
from talent.domain.station_profile import StationProfile, profile_id
from talent.domain.uniqueness import UniqueKey, unique_key_id
from talent.domain.vocabulary import (
    Designator,
    Employment,
    Level,
    OrganisationType,
    Role,
    StationTier,
    TrainingKind,
)
from talent.domain.volunteer import Volunteer
from talent.domain.worker import SocialWorker


class PublicLog(Protocol):
    """The service's publication (adapters.integration.PUBLICATION), passed in by the composition root."""

    def published_after(self, app: Any, start: int, page_size: int = ...
                        ) -> Iterator[tuple[int, str, str, dict[str, Any]]]: ...


# Without a cipher key (development only) unique-key ids are keyed with this public constant.
_DEV_SECRET = b"pzh-talent-unique-keys-development-only"
ERASED = "[已删除]"
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
AUDIT_PAGE_MAX = 1000  # read-audit records per answer; `after` pages on
# The kinds of people, as the read audit names them (subject_kind).
PEOPLE: dict[str, type[Person]] = {"worker": SocialWorker, "volunteer": Volunteer, "intern": Intern}


class TalentApplication(ServiceApplication):
    name = "talent"
    not_found = NotFound

    def __init__(self, env: Any = None, *, publication: PublicLog, keys: KeyStore, audit: ReadAudit) -> None:
        super().__init__(env)
        self.keys = keys
        self.audit = audit
        self.publication = publication  # what the service publishes: the quotas fold its public events
        # The quota facts, folded once and then caught up with what the log gained since (one per process: each
        # API replica folds the shared log itself), so a request reads the newest events, not the whole log.
        self._quota_builder = FactsBuilder()
        self._quota_position = 0
        self._quota_lock = threading.Lock()
        cipher_key = self.env.get("CIPHER_KEY") or ""
        self._key_secret = (
            hashlib.sha256(b"pzh-talent-unique-keys\x00" + cipher_key.encode()).digest() if cipher_key else _DEV_SECRET
        )
        # The lists' blind fields are keyed from the same secret, separated by purpose.
        self.lists = talent_lists(self, hashlib.sha256(b"pzh-talent-lists\x00" + self._key_secret).digest(),
                                  self.identity)

    def close(self) -> None:
        super().close()
        self.keys.close()
        self.audit.close()

    # --- helpers ------------------------------------------------------------------------------

    def _claim(self, kind: str, value: str, owner: Aggregate) -> UniqueKey:
        return UniqueKey.claim(unique_key_id(self._key_secret, kind, value), kind, owner.id)

    @contextmanager
    def _new_person(self) -> Iterator[Sealer]:
        """A sealer that gives each new person a data key; the keys are destroyed again if the registration fails
        (refused, or its save clashes), so no key outlives a person who was never saved."""
        created: list[UUID] = []

        def seal_with_new_key(person_id: UUID, identity: dict[str, str]) -> str:
            key = self.keys.create(person_id)
            created.append(person_id)
            return seal(key, person_id, identity)

        try:
            yield seal_with_new_key
        except BaseException:
            for person_id in created:
                self.keys.erase(person_id)
            raise

    def _save_new(self, message: str, *aggregates: Aggregate) -> None:
        """Saves brand-new aggregates with their unique keys; a clash on a key is AlreadyRegistered."""
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise AlreadyRegistered(message) from None

    # --- social workers -----------------------------------------------------------------------

    def register_worker(self, name: str, id_number: str, phone: str, registered_on: date,
                        role: Role = Role.SOCIAL_WORKER, area_code: str | None = None) -> UUID:
        with self._new_person() as sealer:
            worker = SocialWorker.register(sealer, name, id_number, phone, registered_on, role, area_code)
            self._save_new("该身份证号码已登记在人才库中", worker,
                           self._claim("worker_id_number", identifiers.resident_id_number(id_number), worker))
        return worker.id

    def worker(self, worker_id: UUID | str) -> SocialWorker:
        return self.get_existing(SocialWorker, worker_id, "社工")

    def _change_worker(self, worker_id: UUID | str, change: Callable[[SocialWorker], object]) -> None:
        """Loads the worker, applies one of its commands and saves it."""
        worker = self.worker(worker_id)
        change(worker)
        self.save(worker)

    def assign_worker(self, worker_id: UUID | str, station_id: str, employment: Employment, assigned_on: date) -> None:
        self._change_worker(worker_id, lambda w: w.assign(station_id, employment, assigned_on))

    def employ_at_agency(
        self, worker_id: UUID | str, agency_id: UUID | str, employment: Employment, employed_on: date
    ) -> None:
        """Employment at a registered social work service agency instead of a station."""
        agency = self.agency(agency_id)
        if employed_on < agency.registered_on:
            raise TalentError("受聘日期不能早于该机构的登记日期")
        self._change_worker(worker_id, lambda w: w.employ_at_agency(str(agency.id), employment, employed_on))

    def worker_leaves(self, worker_id: UUID | str, left_on: date) -> None:
        """Leaving the station or the agency; a head is relieved on the same day, in the same save."""
        worker = self.worker(worker_id)
        if worker.head_of is not None:
            staffing = self.staffing(worker.head_of)
            staffing.relieve(left_on)
            worker.end_headship(left_on)
            worker.leave(left_on)
            self.save(staffing, worker)
        else:
            worker.leave(left_on)
            self.save(worker)

    def register_for_exam(self, worker_id: UUID | str, level: Level, exam_year: int) -> None:
        self._change_worker(worker_id, lambda w: w.register_for_exam(level, exam_year))

    def sit_exam(self, worker_id: UUID | str, level: Level, exam_year: int, sat_on: date) -> None:
        self._change_worker(worker_id, lambda w: w.sit_exam(level, exam_year, sat_on))

    def record_exam_result(self, worker_id: UUID | str, level: Level, exam_year: int, passed: bool) -> None:
        self._change_worker(worker_id, lambda w: w.record_exam_result(level, exam_year, passed))

    def certify(self, worker_id: UUID | str, level: Level, certified_on: date) -> None:
        self._change_worker(worker_id, lambda w: w.certify(level, certified_on))

    def specialise_in_elderly_care(self, worker_id: UUID | str, specialised_on: date) -> None:
        self._change_worker(worker_id, lambda w: w.specialise_in_elderly_care(specialised_on))

    def complete_training(self, worker_id: UUID | str, kind: TrainingKind, hours: float, completed_on: date,
                          station_id: str | None = None) -> None:
        self._change_worker(worker_id, lambda w: w.complete_training(kind, hours, completed_on, station_id))

    # --- station heads ------------------------------------------------------------------------

    def staffing(self, station_id: str) -> StationStaffing:
        try:
            return self.repository.get(staffing_id(station_id))
        except AggregateNotFoundError:
            raise NotFound(f"站点 {identifiers.station_id(station_id)} 尚无站长任免记录") from None

    def head_of(self, station_id: str) -> StationStaffing | None:
        try:
            return self.staffing(station_id)
        except NotFound:
            return None

    def appoint_head(
        self, station_id: str, worker_id: UUID | str, appointed_on: date, designated_by: Designator | None = None
    ) -> StationStaffing:
        """The station's staffing and the worker are saved together: a concurrent appointment at the same
        station (or of the same worker elsewhere) makes one of the two saves fail with IntegrityError."""
        station_id = identifiers.station_id(station_id)
        worker = self.worker(worker_id)
        worker.check_can_head(station_id)
        staffing = self.head_of(station_id) or StationStaffing.start(station_id)
        profile = self._station_profile(station_id)
        staffing.appoint(worker.id, appointed_on, designated_by, profile.operating_model if profile else None)
        worker.start_headship(station_id, appointed_on)
        self.save(staffing, worker)
        return staffing

    def relieve_head(self, station_id: str, relieved_on: date) -> UUID:
        staffing = self.staffing(station_id)
        worker_id = staffing.relieve(relieved_on)
        worker = self.worker(worker_id)
        worker.end_headship(relieved_on)
        self.save(staffing, worker)
        return worker.id

    # --- volunteers ---------------------------------------------------------------------------

    def register_volunteer(
        self,
        name: str,
        id_number: str,
        phone: str,
        number: str,
        station_id: str,
        registered_on: date,
        trained_on: date | None = None,
        hours: float | None = None,
        served_on: date | None = None,
    ) -> UUID:
        """One volunteer, with the training by their station and hours, saved whole or not at all."""
        with self._new_person() as sealer:
            volunteer = Volunteer.register(sealer, name, id_number, phone, number, station_id, registered_on)
            if trained_on is not None:
                volunteer.record_training(volunteer.station_id, trained_on)
            if hours:
                volunteer.log_hours(hours, served_on or registered_on)
            self._save_new("该志愿者编号或身份证号码已登记", volunteer,
                           self._claim("volunteer_number", volunteer.volunteer_number, volunteer),
                           self._claim("volunteer_id_number", identifiers.resident_id_number(id_number), volunteer))
        return volunteer.id

    def volunteer(self, volunteer_id: UUID | str) -> Volunteer:
        return self.get_existing(Volunteer, volunteer_id, "志愿者")

    def train_volunteer(self, volunteer_id: UUID | str, station_id: str, trained_on: date) -> None:
        volunteer = self.volunteer(volunteer_id)
        volunteer.record_training(station_id, trained_on)
        self.save(volunteer)

    def log_volunteer_hours(self, volunteer_id: UUID | str, hours: float, served_on: date) -> None:
        volunteer = self.volunteer(volunteer_id)
        volunteer.log_hours(hours, served_on)
        self.save(volunteer)

    # --- interns ------------------------------------------------------------------------------

    def register_intern(self, name: str, phone: str, university: str, registered_on: date) -> UUID:
        with self._new_person() as sealer:
            intern = Intern.register(sealer, name, phone, university, registered_on)
            self.save(intern)
        return intern.id

    def intern(self, intern_id: UUID | str) -> Intern:
        return self.get_existing(Intern, intern_id, "实习生")

    def place_intern(self, intern_id: UUID | str, station_id: str, placed_from: date, placed_until: date,
                     supervisor_id: UUID | str | None = None) -> None:
        intern = self.intern(intern_id)
        if supervisor_id is not None:
            supervisor_id = str(self.worker(supervisor_id).id)
        intern.place(station_id, placed_from, placed_until, supervisor_id)
        self.save(intern)

    # --- people's personal data ---------------------------------------------------------------

    def person(self, kind: str, person_id: UUID | str) -> Person:
        cls = PEOPLE[kind]
        return self.get_existing(cls, person_id, cls.NOUN)

    def identity(self, person: Person) -> dict[str, str] | None:
        """The person's name, ID number (not for interns) and phone in clear, or None once erased."""
        if person.sealed_identity is None:
            return person.legacy_identity  # stored before sealing (None once erased)
        value: dict[str, str] | None = unseal(self.keys.get(person.id), person.id, person.sealed_identity)
        return value

    def read_personal_data(self, kind: str, person_id: UUID | str, user: str, purpose: str) -> dict[str, Any]:
        """The person's identity unmasked: recorded in the read audit before it is opened."""
        person = self.person(kind, person_id)
        record = self.audit.record(user, "personal_data_read", kind, str(person.id), purpose)
        identity = self.identity(person)
        return {"person_id": str(person.id), "kind": kind, "erased": identity is None, "erased_on": person.erased_on,
                "identity": identity if identity is not None else dict.fromkeys(_fields(kind), ERASED),
                "audit_seq": record.seq}

    def erase_person(self, kind: str, person_id: UUID | str, erased_on: date, user: str,
                     purpose: str) -> AuditRecord:
        """Erasure on request (PIPL): audited, then the data key is destroyed before the marker event is saved,
        so even a crash in between leaves the identity unreadable. The person's history and counts stay."""
        person = self.person(kind, person_id)
        if person.erased_on is not None:
            raise PersonErased(f"该{person.NOUN}的个人信息已删除")
        record = self.audit.record(user, "erasure", kind, str(person.id), purpose)
        self.keys.erase(person.id)
        person.erase(erased_on)
        self.save(person)
        self.lists.catch_up()  # out of the lists' blind fields at once, not at the next read
        return record

    def find_audit_records(self, query: AuditQuery) -> list[AuditRecord]:
        """The records an auditor asks for, at most AUDIT_PAGE_MAX; a time without an offset is China time."""
        since, until = (m.replace(tzinfo=CHINA) if m and m.tzinfo is None else m for m in (query.since, query.until))
        return self.audit.find(replace(query, since=since, until=until, limit=min(max(query.limit, 1), AUDIT_PAGE_MAX)))

    def verify_audit(self) -> list[int]:
        return self.audit.verify()

    # --- organisations and agencies -----------------------------------------------------------

    def file_organisation(self, name: str, host_station_id: str, community_code: str, filed_on: date) -> UUID:
        """Files an organisation of a community at its host station; whether the community is reform-affected is
        the registry's flag of that community on `filed_on` (issue 17 item 6: derived, never typed)."""
        organisation = Organisation.file(name, host_station_id, community_code,
                                         self.reform_affected_on(community_code, filed_on), filed_on)
        self.save(organisation)
        return organisation.id

    def reform_affected_on(self, community_code: str, on: date) -> bool:
        """The registry's reform flag of an area on a day, as talent learnt it from `registry.events`."""
        try:
            area: AreaReform = self.repository.get(area_reform_id(community_code))
            flag = area.reform_affected_on(on)
        except AggregateNotFoundError:
            flag = None
        if flag is None:
            raise TalentError(f"所在社区(community_code) {community_code} 在 {on} 未在登记服务中登记"
                              "（或人才服务尚未收到其登记信息 registry.area.registered，请稍后再试）")
        return flag

    def organisation(self, organisation_id: UUID | str) -> Organisation:
        return self.get_existing(Organisation, organisation_id, "社会组织")

    def start_incubation(self, organisation_id: UUID | str, started_on: date) -> None:
        organisation = self.organisation(organisation_id)
        organisation.start_incubation(started_on)
        self.save(organisation)

    def complete_incubation(
        self, organisation_id: UUID | str, organisation_type: OrganisationType, incubated_on: date
    ) -> None:
        organisation = self.organisation(organisation_id)
        organisation.complete_incubation(organisation_type, incubated_on)
        self.save(organisation)

    def register_organisation(self, organisation_id: UUID | str, registration_number: str, registered_on: date) -> None:
        organisation = self.organisation(organisation_id)
        organisation.register(registration_number, registered_on)
        assert organisation.registration_number is not None  # set by register(), for the type checker
        self._save_new("该登记证号已被其他组织或机构使用", organisation,
                       self._claim("registration_number", organisation.registration_number, organisation))

    def graduate_organisation(self, organisation_id: UUID | str, graduated_on: date) -> None:
        organisation = self.organisation(organisation_id)
        organisation.graduate(graduated_on)
        self.save(organisation)

    def register_agency(self, name: str, registration_number: str, station_id: str, registered_on: date) -> UUID:
        agency = Agency.register(name, registration_number, station_id, registered_on)
        self._save_new(
            "该登记证号已被其他组织或机构使用",
            agency,
            self._claim("registration_number", agency.registration_number, agency),
        )
        return agency.id

    def agency(self, agency_id: UUID | str) -> Agency:
        return self.get_existing(Agency, agency_id, "社会工作服务机构")

    # --- the guidance network (指导, 督导记录) ---------------------------------------------------------

    def _guide_county(self, kind: GuideKind, guide_id: str, on: date) -> str | None:
        """The county a guide works in on `on` (None: not in post), after checking it may guide at all."""
        if kind is GuideKind.AGENCY:
            agency = self.agency(guide_id)
            if agency.registered_on > on:
                raise TalentError(f"社会工作服务机构 {guide_id} 在 {on} 尚未登记")
            station: str | None = agency.station_id
        else:
            worker = self.worker(guide_id)
            if worker.first_certified_on is None or worker.first_certified_on > on:
                raise TalentError(f"指导方须为专业(持证)社会工作者：社工 {guide_id} 在 {on} 尚未持证")
            agency_id = worker.agency_id
            station = self.agency(agency_id).station_id if agency_id else worker.station_id
        profile = self._station_profile(station) if station else None
        return profile.area_code[:6] if profile is not None else None

    def assign_guidance(self, station_id: str, kind: GuideKind, guide_ids: list[str], assigned_on: date) -> None:
        """The county bureau assigns N certified workers or one agency of its county to guide a township station or
        village room from `assigned_on` (§二(一) "采取N個專業社會工作者或1個社會工作服務機構指導多個社會工作服務站
        (室)")."""
        kind = GuideKind(kind)
        profile = self.station_profile(station_id)
        if profile.tier not in (StationTier.TOWNSHIP_STATION, StationTier.VILLAGE_ROOM):
            raise TalentError("受指导的是乡镇(街道)社会工作服务站和村(社区)社会工作服务室：该站点是"
                              f"{profile.tier.value}")
        county = profile.area_code[:6]
        guide_ids = guides(kind, guide_ids)  # the shape first: a wrong count is not a missing worker
        for guide in guide_ids:
            if self._guide_county(kind, str(guide), assigned_on) != county:
                raise TalentError(f"指导方 {guide} 应为本县(区) {county} 在岗的社工人才"
                                  "（县(区)民政局统筹辖区内社工人才资源）")
        guidance = self.find(guidance_id(profile.station_id), StationGuidance) or StationGuidance(
            station_id=profile.station_id)
        guidance.assign(kind, [str(g) for g in guide_ids], assigned_on)
        self.save(guidance)

    def station_guidance(self, station_id: str) -> StationGuidance | None:
        return self.find(guidance_id(station_id), StationGuidance)

    def _existing_guidance(self, station_id: str) -> StationGuidance:
        guidance = self.station_guidance(station_id)
        if guidance is None:
            raise NotFound(f"站点 {station_id} 尚无指导安排")
        return guidance

    def end_guidance(self, station_id: str, ended_on: date) -> None:
        guidance = self._existing_guidance(station_id)
        guidance.end(ended_on)
        self.save(guidance)

    def record_guidance_visit(self, station_id: str, visited_on: date, guide_id: str, mode: VisitMode, hours: float,
                              topics: str, today: date | None = None) -> UUID:
        """One guidance visit (督导记录) by a guide of the station that day; not in the future."""
        if visited_on > (today or date.today()):
            raise TalentError("督导日期(visited_on)不能晚于今天")
        guidance = self._existing_guidance(station_id)
        visit_id = uuid4()
        guidance.record_visit(str(visit_id), visited_on, str(guide_id), mode, hours, topics)
        self.save(guidance)
        return visit_id


    def learn_station(
        self,
        tracking: Tracking,
        station_id: str,
        tier: StationTier,
        provincial_pilot: bool,
        area_code: str,
        planned_on: date,
        operating_model: str | None = None,
    ) -> None:
        """The registry planned a station: its profile, saved with the message's tracking record in one
        transaction. A republished planned event (relays publish at least once) finds the facts unchanged."""
        station_id = identifiers.station_id(station_id)
        profile = self._station_profile(station_id)
        changed: list[Aggregate] = []
        if profile is None:
            changed = [StationProfile.learn(station_id, tier, provincial_pilot, area_code, planned_on, operating_model)]
        elif profile.revise(tier, provincial_pilot, area_code):
            changed = [profile]
        self.save_tracked(tracking, *changed)

    def learn_area(self, tracking: Tracking, code: str, reform_affected: bool, valid_from: date) -> None:
        """The registry registered an area: its reform flag from `valid_from`, with the message's tracking record."""
        try:
            self.repository.get(area_reform_id(code))
            self.save_tracked(tracking)  # republished: known already
        except AggregateNotFoundError:
            self.save_tracked(tracking, AreaReform(code=code, reform_affected=reform_affected, valid_from=valid_from))

    def learn_reform_flag(self, tracking: Tracking, code: str, reform_affected: bool, on: date) -> None:
        """The registry set an area's reform flag from `on` (an area talent has not heard of is a broken message)."""
        try:
            area: AreaReform = self.repository.get(area_reform_id(code))
        except AggregateNotFoundError:
            raise NotFound(f"人才服务尚未收到行政区划 {code} 的登记信息") from None
        self.save_tracked(tracking, *([area] if area.set_flag(reform_affected, on) else []))

    def _station_profile(self, station_id: str) -> StationProfile | None:
        try:
            return self.repository.get(profile_id(station_id))
        except AggregateNotFoundError:
            return None

    def station_profile(self, station_id: str) -> StationProfile:
        """The station's tier and pilot flag as the registry published them; NotFound until talent has heard of it."""
        profile = self._station_profile(station_id)
        if profile is None:
            raise NotFound(
                f"人才服务尚未收到站点 {identifiers.station_id(station_id)} 的规划登记信息(registry.station.planned)，"
                "无法确定其考核类别：请确认该站点已在登记服务中规划，稍后再试"
            )
        return profile

    # --- quotas -------------------------------------------------------------------------------

    def quotas(self, station_id: str, year: int) -> list[QuotaResult]:
        """Quotas of one station and year, from the quota facts kept caught up with the log, for the station's
        kind as the registry's facts make it (NotFound for a station talent has not heard of)."""
        return self.evaluate_quotas(station_id, year, self.station_profile(station_id).kind)

    def station_quotas(self, station_id: str, year: int) -> tuple[StationProfile, list[QuotaResult]]:
        """The station's profile (tier, pilot flag) and its quotas of a year between 2000 and 2100."""
        if not 2000 <= year <= 2100:
            raise TalentError("年度应在 2000 至 2100 之间")
        profile = self.station_profile(station_id)
        return profile, self.evaluate_quotas(station_id, year, profile.kind)

    def quota_items(self, rows: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
        """The quotas of a page of stations (rows of the stations list) in a year."""
        if not 2000 <= year <= 2100:
            raise TalentError("年度应在 2000 至 2100 之间")
        with self._quota_facts() as builder:
            facts = {row["id"]: builder.facts(row["id"]) for row in rows}
        for row in rows:
            results = evaluate(StationKind(row["kind"]), row["id"], year, facts[row["id"]])
            row.update(station_id=row["id"], year=year, quotas=results, met=all(r.met for r in results),
                       unmet="、".join(r.label for r in results if not r.met))
        return rows

    @contextmanager
    def _quota_facts(self) -> Iterator[FactsBuilder]:
        """The quota facts caught up with the log, held (from other requests' catching up) while they are read."""
        with self._quota_lock:
            for position, _, event_type, data in self.publication.published_after(self, self._quota_position):
                self._quota_builder.apply(event_type, data)
                self._quota_position = position
            yield self._quota_builder

    def evaluate_quotas(self, station_id: str, year: int, kind: StationKind) -> list[QuotaResult]:
        """The quotas of a station of the given kind (for tests and what-if questions, not the API)."""
        station_id = identifiers.station_id(station_id)
        with self._quota_facts() as builder:
            facts = builder.facts(station_id)
        return evaluate(kind, station_id, year, facts)


def _fields(kind: str) -> tuple[str, ...]:
    return ("name", "phone") if kind == "intern" else ("name", "id_number", "phone")
