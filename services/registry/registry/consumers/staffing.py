"""Consumes the talent service's staffing events (worker assigned / left / certified, head appointed /
relieved) and its registrations of organisations incubated at a station (an organisation through the
incubation pipeline, or a social work service agency counted for the station) into the stations' facts,
so the level rule sees them; effectively once through the
shared TrackedConsumer. Each event is read into the registry's own model of just the fields it
uses, never the talent service's classes."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from pzh_shared.consumer import On, Subscription, TrackedConsumer

from registry.application.service import RegistryApplication
from registry.domain.errors import RegistryError


class WorkerAssigned(BaseModel):
    worker_id: str
    station_id: str
    employment: str
    assigned_on: date


class WorkerLeft(BaseModel):
    worker_id: str
    station_id: str
    left_on: date


class WorkerCertified(BaseModel):
    worker_id: str
    level: str
    certified_on: date


class HeadAppointed(BaseModel):
    station_id: str
    worker_id: str
    appointed_on: date


class OrganisationRegistered(BaseModel):
    organisation_id: str
    host_station_id: str
    registered_on: date


class AgencyRegistered(BaseModel):
    agency_id: str
    station_id: str
    registered_on: date


class HeadRelieved(BaseModel):
    station_id: str
    worker_id: str
    relieved_on: date


def subscription(app: RegistryApplication) -> Subscription:
    handlers: dict[str, On[Any]] = {
        "talent.worker.assigned.v1": On(WorkerAssigned, lambda m, t: app.record_worker_assigned(
            t, m.worker_id, m.station_id, m.employment == "full_time", m.assigned_on)),
        "talent.worker.left.v1": On(WorkerLeft, lambda m, t: app.record_worker_left(
            t, m.worker_id, m.station_id, m.left_on)),
        "talent.worker.certified.v1": On(WorkerCertified, lambda m, t: app.record_worker_certified(
            t, m.worker_id, m.level, m.certified_on)),
        "talent.station_head.appointed.v1": On(HeadAppointed, lambda m, t: app.record_head_appointed(
            t, m.station_id, m.worker_id, m.appointed_on)),
        "talent.station_head.relieved.v1": On(HeadRelieved, lambda m, t: app.record_head_relieved(
            t, m.station_id, m.worker_id, m.relieved_on)),
        # §二(一) "鼓勵站內孵化培育社會工作服務機構": an organisation the station incubated and saw registered is
        # the station's "社會工作服務機構" of the professional level, like an agency brought in by purchase.
        "talent.organisation.registered.v1": On(OrganisationRegistered, lambda m, t: app.record_incubated_agency(
            t, m.host_station_id, m.organisation_id, m.registered_on)),
        "talent.agency.registered.v1": On(AgencyRegistered, lambda m, t: app.record_incubated_agency(
            t, m.station_id, m.agency_id, m.registered_on)),
    }
    return Subscription(app, handlers)


def staffing_consumer(app: RegistryApplication, bootstrap: str, topic: str = "talent.events",
                      group_id: str = "registry-staffing") -> TrackedConsumer:
    return TrackedConsumer(app, subscription(app), bootstrap, topic, group_id, rejected=(RegistryError,))
