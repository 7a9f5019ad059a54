"""The talent service's public integration events. Private domain events are translated here, at
the edge, into versioned contracts (`talent.<aggregate>.<verb>.v<N>`); the JSON Schemas generated
from these models are committed under services/talent/schemas/.

No contract carries personal data: people appear only as opaque UUIDs (worker_id, volunteer_id,
intern_id); names, ID numbers, phone numbers, volunteer numbers and universities stay in the
encrypted event store. Organisation and agency names and registration numbers are public facts
about organisations and are published. Exam registrations, sittings and results stay private.

The staffing contracts (worker assigned / left / certified, station head appointed / relieved) are
consumed by the registry for its station level rule: their types and fields are fixed.
`talent.worker.assigned.v1` is an upsert: a second one for the same worker and station means the
employment changed (full time <-> part time) from `assigned_on`. Employment at a social work service
agency has its own contracts (`talent.worker.employed_by_agency.v1`, `talent.worker.left_agency.v1`),
so the station-only staffing contracts keep their meaning; it never counts for a station's quotas.

An incompatible change is a new version: the translator publishes only the newest, and the older
model stays in CONTRACTS (its schema committed, its catalogue entry kept) for the events of it still
on the topic. `talent.volunteer.hours_logged.v2` (whole minutes) replaced v1 (float hours)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pzh_shared.contracts import UUID_PATTERN, Contract, Publication, aggregate_id, uuid_field

from talent.domain.guidance import GuideKind, StationGuidance, VisitMode
from talent.domain.intern import Intern
from talent.domain.organisation import Agency, Organisation
from talent.domain.staffing import StationStaffing
from talent.domain.vocabulary import Designator, Employment, Level, OrganisationType, Role, TrainingKind
from talent.domain.volunteer import Volunteer
from talent.domain.worker import SocialWorker

# --- staffing (consumed by the registry) ---------------------------------------------------------

class WorkerAssignedV1(Contract):
    """talent.worker.assigned.v1: a social worker is employed at a station (again: employment changed)."""

    model_config = ConfigDict(title="talent.worker.assigned.v1")
    worker_id: str = uuid_field("opaque UUID of the social worker")
    station_id: str = uuid_field("the registry's station UUID")
    employment: Employment
    assigned_on: date


class WorkerLeftV1(Contract):
    """talent.worker.left.v1: a social worker left the station."""

    model_config = ConfigDict(title="talent.worker.left.v1")
    worker_id: str = uuid_field("opaque UUID of the social worker")
    station_id: str = uuid_field("the registry's station UUID")
    left_on: date


class WorkerCertifiedV1(Contract):
    """talent.worker.certified.v1: a social worker holds the certificate of a level from a date."""

    model_config = ConfigDict(title="talent.worker.certified.v1")
    worker_id: str = uuid_field("opaque UUID of the social worker")
    level: Level
    certified_on: date


class StationHeadAppointedV1(Contract):
    """talent.station_head.appointed.v1: a full-time social worker heads the station."""

    model_config = ConfigDict(title="talent.station_head.appointed.v1")
    station_id: str = uuid_field("the registry's station UUID")
    worker_id: str = uuid_field("opaque UUID of the social worker")
    appointed_on: date
    designated_by: Designator | None = Field(None, description="who designated the head (A2 §2.2): agency | "
                                             "county_bureau; absent if it was neither stated nor known from the "
                                             "station's operating model, or the appointment predates it")


class StationHeadRelievedV1(Contract):
    """talent.station_head.relieved.v1: the station's head was relieved; the station has no head."""

    model_config = ConfigDict(title="talent.station_head.relieved.v1")
    station_id: str = uuid_field("the registry's station UUID")
    worker_id: str = uuid_field("opaque UUID of the social worker")
    relieved_on: date


# --- employment at an agency -----------------------------------------------------------------------

class WorkerEmployedByAgencyV1(Contract):
    """talent.worker.employed_by_agency.v1: a social worker is employed by an agency, not by a station.

    Again for the same agency: the employment changed (full time <-> part time). Not a station's staff."""

    model_config = ConfigDict(title="talent.worker.employed_by_agency.v1")
    worker_id: str = uuid_field("opaque UUID of the social worker")
    agency_id: str = uuid_field("opaque UUID of the agency (talent.agency.registered.v1)")
    employment: Employment
    employed_on: date


class WorkerLeftAgencyV1(Contract):
    """talent.worker.left_agency.v1: a social worker left the agency that employed them."""

    model_config = ConfigDict(title="talent.worker.left_agency.v1")
    worker_id: str = uuid_field("opaque UUID of the social worker")
    agency_id: str = uuid_field("opaque UUID of the agency")
    left_on: date


# --- the guidance network (指导, 督导记录) -----------------------------------------------------------------

class GuidanceAssignedV1(Contract):
    """talent.guidance.assigned.v1: from a day a station is guided by N certified workers or one agency of its
    county (§二(一)); a later one for the same station replaces the guides from its day."""

    model_config = ConfigDict(title="talent.guidance.assigned.v1")
    station_id: str = uuid_field("the registry's station UUID")
    guide_kind: GuideKind
    guide_ids: list[str] = Field(min_length=1, description="opaque UUIDs of the workers, or of the one agency")
    assigned_on: date


class GuidanceEndedV1(Contract):
    """talent.guidance.ended.v1: the station is no longer guided from a day."""

    model_config = ConfigDict(title="talent.guidance.ended.v1")
    station_id: str = uuid_field("the registry's station UUID")
    ended_on: date


class GuidanceVisitRecordedV1(Contract):
    """talent.guidance.visit_recorded.v1: a guidance visit (督导记录) to a station. What was discussed (topics) is
    free text and stays private."""

    model_config = ConfigDict(title="talent.guidance.visit_recorded.v1")
    station_id: str = uuid_field("the registry's station UUID")
    visit_id: str = uuid_field("opaque UUID of the visit")
    visited_on: date
    guide_id: str = uuid_field("opaque UUID of the worker or agency who guided")
    mode: VisitMode
    minutes: int = Field(gt=0, description="the visit's length in whole minutes")



class WorkerRegisteredV1(Contract):
    """talent.worker.registered.v1: a practitioner was put on the talent register."""

    model_config = ConfigDict(title="talent.worker.registered.v1")
    worker_id: str = uuid_field("opaque UUID of the practitioner")
    role: Role
    registered_on: date


class WorkerElderlyCareSpecialisedV1(Contract):
    """talent.worker.elderly_care_specialised.v1: a social worker specialises in elderly care."""

    model_config = ConfigDict(title="talent.worker.elderly_care_specialised.v1")
    worker_id: str = uuid_field("opaque UUID of the social worker")
    specialised_on: date


class WorkerTrainingCompletedV1(Contract):
    """talent.worker.training_completed.v1: a practitioner completed a training with hours."""

    model_config = ConfigDict(title="talent.worker.training_completed.v1")
    worker_id: str = uuid_field("opaque UUID of the practitioner")
    kind: TrainingKind
    hours: float = Field(gt=0)
    completed_on: date
    station_id: str | None = Field(
        default=None, pattern=UUID_PATTERN, description="the station that gave the training, if any"
    )


class InternPlacedV1(Contract):
    """talent.intern.placed.v1: a university intern is placed at a station for a period."""

    model_config = ConfigDict(title="talent.intern.placed.v1")
    intern_id: str = uuid_field("opaque UUID of the intern")
    station_id: str = uuid_field("the registry's station UUID")
    placed_from: date
    placed_until: date


# --- volunteers ------------------------------------------------------------------------------------

class VolunteerRegisteredV1(Contract):
    """talent.volunteer.registered.v1: a volunteer registered with a station."""

    model_config = ConfigDict(title="talent.volunteer.registered.v1")
    volunteer_id: str = uuid_field("opaque UUID of the volunteer")
    station_id: str = uuid_field("the registry's station UUID")
    registered_on: date


class VolunteerTrainedV1(Contract):
    """talent.volunteer.trained.v1: a station trained a volunteer (the yearly volunteer quota counts these)."""

    model_config = ConfigDict(title="talent.volunteer.trained.v1")
    volunteer_id: str = uuid_field("opaque UUID of the volunteer")
    station_id: str = uuid_field("the registry's station UUID")
    trained_on: date


class VolunteerHoursLoggedV1(Contract):
    # The docstring is the published schema's description, its first paragraph one line: hence the
    # concatenated form.
    (
        "talent.volunteer.hours_logged.v1, superseded by v2 (no longer published; consumers upcast old v1 events "
        "to v2): service hours as a float.\n"
        "\n"
        "    Kept, with its schema, for the v1 events still on the topic within its retention."
    )

    model_config = ConfigDict(title="talent.volunteer.hours_logged.v1")
    volunteer_id: str = uuid_field("opaque UUID of the volunteer")
    station_id: str = uuid_field("the registry's station UUID")
    hours: float = Field(gt=0)
    served_on: date


class VolunteerHoursLoggedV2(Contract):
    # The docstring is the published schema's description, one line: hence the concatenated form.
    (
        "talent.volunteer.hours_logged.v2: service time of a volunteer, in whole minutes "
        "(v1's float hours summed inexactly)."
    )

    model_config = ConfigDict(title="talent.volunteer.hours_logged.v2")
    volunteer_id: str = uuid_field("opaque UUID of the volunteer")
    station_id: str = uuid_field("the registry's station UUID")
    minutes: int = Field(gt=0, description="service time in whole minutes")
    served_on: date


def service_minutes(hours: float) -> int:
    """Hours as whole minutes, rounded half up from the decimal the hours were entered as (7.5 -> 8, never
    to even as round() does); at least 1, as every logged entry has hours > 0. Reporting's v1 -> v2
    upcaster computes the same, so a v1 and a v2 event of the same service time count the same."""
    return max(1, int((Decimal(str(hours)) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


# --- organisations and agencies -------------------------------------------------------------------

class OrganisationFiledV1(Contract):
    """talent.organisation.filed.v1: a community social organisation was filed at its host station."""

    model_config = ConfigDict(title="talent.organisation.filed.v1")
    organisation_id: str = uuid_field("opaque UUID of the organisation")
    name: str
    host_station_id: str = uuid_field("the registry's station UUID")
    reform_affected: bool = Field(description="in a community affected by the 2020 boundary reform (涉改社区)")
    filed_on: date


class OrganisationIncubationStartedV1(Contract):
    """talent.organisation.incubation_started.v1: the station began incubating the organisation."""

    model_config = ConfigDict(title="talent.organisation.incubation_started.v1")
    organisation_id: str = uuid_field("opaque UUID of the organisation")
    host_station_id: str = uuid_field("the registry's station UUID")
    started_on: date


class OrganisationIncubatedV1(Contract):
    """talent.organisation.incubated.v1: incubation completed; the organisation's type is settled."""

    model_config = ConfigDict(title="talent.organisation.incubated.v1")
    organisation_id: str = uuid_field("opaque UUID of the organisation")
    host_station_id: str = uuid_field("the registry's station UUID")
    organisation_type: OrganisationType
    reform_affected: bool
    incubated_on: date


class OrganisationRegisteredV1(Contract):
    """talent.organisation.registered.v1: registered with civil affairs (unified social credit code)."""

    model_config = ConfigDict(title="talent.organisation.registered.v1")
    organisation_id: str = uuid_field("opaque UUID of the organisation")
    host_station_id: str = uuid_field("the registry's station UUID")
    registration_number: str = Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
    registered_on: date


class OrganisationGraduatedV1(Contract):
    """talent.organisation.graduated.v1: the organisation left the incubator (出壳)."""

    model_config = ConfigDict(title="talent.organisation.graduated.v1")
    organisation_id: str = uuid_field("opaque UUID of the organisation")
    host_station_id: str = uuid_field("the registry's station UUID")
    graduated_on: date


class AgencyRegisteredV1(Contract):
    """talent.agency.registered.v1: a social work service agency registered, counted for a station."""

    model_config = ConfigDict(title="talent.agency.registered.v1")
    agency_id: str = uuid_field("opaque UUID of the agency")
    name: str
    registration_number: str = Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
    station_id: str = uuid_field("the registry's station UUID")
    registered_on: date


CONTRACTS: dict[str, type[BaseModel]] = {
    "talent.worker.registered.v1": WorkerRegisteredV1,
    "talent.worker.assigned.v1": WorkerAssignedV1,
    "talent.worker.left.v1": WorkerLeftV1,
    "talent.worker.employed_by_agency.v1": WorkerEmployedByAgencyV1,
    "talent.worker.left_agency.v1": WorkerLeftAgencyV1,
    "talent.worker.certified.v1": WorkerCertifiedV1,
    "talent.worker.elderly_care_specialised.v1": WorkerElderlyCareSpecialisedV1,
    "talent.worker.training_completed.v1": WorkerTrainingCompletedV1,
    "talent.station_head.appointed.v1": StationHeadAppointedV1,
    "talent.station_head.relieved.v1": StationHeadRelievedV1,
    "talent.intern.placed.v1": InternPlacedV1,
    "talent.volunteer.registered.v1": VolunteerRegisteredV1,
    "talent.volunteer.trained.v1": VolunteerTrainedV1,
    "talent.volunteer.hours_logged.v1": VolunteerHoursLoggedV1,
    "talent.volunteer.hours_logged.v2": VolunteerHoursLoggedV2,
    "talent.organisation.filed.v1": OrganisationFiledV1,
    "talent.organisation.incubation_started.v1": OrganisationIncubationStartedV1,
    "talent.organisation.incubated.v1": OrganisationIncubatedV1,
    "talent.organisation.registered.v1": OrganisationRegisteredV1,
    "talent.organisation.graduated.v1": OrganisationGraduatedV1,
    "talent.agency.registered.v1": AgencyRegisteredV1,
    "talent.guidance.assigned.v1": GuidanceAssignedV1,
    "talent.guidance.ended.v1": GuidanceEndedV1,
    "talent.guidance.visit_recorded.v1": GuidanceVisitRecordedV1,
}



# domain event class -> (integration type, data built from the event alone). Built field by field
# on purpose: a new attribute on a domain event (say, a phone) never leaks by accident.
_TRANSLATIONS: dict[type, tuple[str, Any]] = {
    SocialWorker.Registered: (
        "talent.worker.registered.v1",
        lambda e: dict(worker_id=aggregate_id(e), role=e.role, registered_on=e.registered_on),
    ),
    SocialWorker.Assigned: (
        "talent.worker.assigned.v1",
        lambda e: dict(
            worker_id=aggregate_id(e), station_id=e.station_id, employment=e.employment, assigned_on=e.assigned_on
        ),
    ),
    SocialWorker.Left: (
        "talent.worker.left.v1",
        lambda e: dict(worker_id=aggregate_id(e), station_id=e.station_id, left_on=e.left_on),
    ),
    SocialWorker.EmployedByAgency: (
        "talent.worker.employed_by_agency.v1",
        lambda e: dict(
            worker_id=aggregate_id(e), agency_id=e.agency_id, employment=e.employment, employed_on=e.employed_on
        ),
    ),
    SocialWorker.LeftAgency: (
        "talent.worker.left_agency.v1",
        lambda e: dict(worker_id=aggregate_id(e), agency_id=e.agency_id, left_on=e.left_on),
    ),
    SocialWorker.Certified: (
        "talent.worker.certified.v1",
        lambda e: dict(worker_id=aggregate_id(e), level=e.level, certified_on=e.certified_on),
    ),
    SocialWorker.SpecialisedInElderlyCare: (
        "talent.worker.elderly_care_specialised.v1",
        lambda e: dict(worker_id=aggregate_id(e), specialised_on=e.specialised_on),
    ),
    SocialWorker.TrainingCompleted: (
        "talent.worker.training_completed.v1",
        lambda e: dict(
            worker_id=aggregate_id(e), kind=e.kind, hours=e.hours, completed_on=e.completed_on, station_id=e.station_id
        ),
    ),
    StationStaffing.HeadAppointed: (
        "talent.station_head.appointed.v1",
        lambda e: dict(
            station_id=e.station_id, worker_id=e.worker_id, appointed_on=e.appointed_on, designated_by=e.designated_by
        ),
    ),
    StationStaffing.HeadRelieved: (
        "talent.station_head.relieved.v1",
        lambda e: dict(station_id=e.station_id, worker_id=e.worker_id, relieved_on=e.relieved_on),
    ),
    Intern.Placed: (
        "talent.intern.placed.v1",
        lambda e: dict(
            intern_id=aggregate_id(e), station_id=e.station_id, placed_from=e.placed_from, placed_until=e.placed_until
        ),
    ),
    Volunteer.Registered: (
        "talent.volunteer.registered.v1",
        lambda e: dict(volunteer_id=aggregate_id(e), station_id=e.station_id, registered_on=e.registered_on),
    ),
    Volunteer.Trained: (
        "talent.volunteer.trained.v1",
        lambda e: dict(volunteer_id=aggregate_id(e), station_id=e.station_id, trained_on=e.trained_on),
    ),
    # v2 since minutes replaced float hours; the domain keeps hours as entered (v1 stays in CONTRACTS for old events)
    Volunteer.HoursLogged: (
        "talent.volunteer.hours_logged.v2",
        lambda e: dict(
            volunteer_id=aggregate_id(e),
            station_id=e.station_id,
            minutes=service_minutes(e.hours),
            served_on=e.served_on,
        ),
    ),
    Organisation.Filed: (
        "talent.organisation.filed.v1",
        lambda e: dict(
            organisation_id=aggregate_id(e),
            name=e.name,
            host_station_id=e.host_station_id,
            reform_affected=e.reform_affected,
            filed_on=e.filed_on,
        ),
    ),
    Organisation.IncubationStarted: (
        "talent.organisation.incubation_started.v1",
        lambda e: dict(organisation_id=aggregate_id(e), host_station_id=e.host_station_id, started_on=e.started_on),
    ),
    Organisation.Incubated: (
        "talent.organisation.incubated.v1",
        lambda e: dict(
            organisation_id=aggregate_id(e),
            host_station_id=e.host_station_id,
            organisation_type=e.organisation_type,
            reform_affected=e.reform_affected,
            incubated_on=e.incubated_on,
        ),
    ),
    Organisation.Registered: (
        "talent.organisation.registered.v1",
        lambda e: dict(
            organisation_id=aggregate_id(e),
            host_station_id=e.host_station_id,
            registration_number=e.registration_number,
            registered_on=e.registered_on,
        ),
    ),
    Organisation.Graduated: (
        "talent.organisation.graduated.v1",
        lambda e: dict(organisation_id=aggregate_id(e), host_station_id=e.host_station_id, graduated_on=e.graduated_on),
    ),
    StationGuidance.GuidesAssigned: (
        "talent.guidance.assigned.v1",
        lambda e: dict(station_id=e.station_id, guide_kind=e.guide_kind, guide_ids=list(e.guide_ids),
                       assigned_on=e.assigned_on),
    ),
    StationGuidance.GuidanceEnded: (
        "talent.guidance.ended.v1",
        lambda e: dict(station_id=e.station_id, ended_on=e.ended_on),
    ),
    StationGuidance.VisitRecorded: (
        "talent.guidance.visit_recorded.v1",
        lambda e: dict(station_id=e.station_id, visit_id=e.visit_id, visited_on=e.visited_on, guide_id=e.guide_id,
                       mode=e.mode, minutes=round(e.hours * 60)),
    ),
    Agency.Registered: (
        "talent.agency.registered.v1",
        lambda e: dict(
            agency_id=aggregate_id(e),
            name=e.name,
            registration_number=e.registration_number,
            station_id=e.station_id,
            registered_on=e.registered_on,
        ),
    ),
}


# What the relay publishes (PUBLICATION.translate: (integration type, JSON data), None for private events such as
# exam steps and unique keys) and the types published from now on (PUBLICATION.published: CONTRACTS without the
# superseded versions kept for old events, hours_logged.v1).
PUBLICATION = Publication(_TRANSLATIONS, CONTRACTS)
