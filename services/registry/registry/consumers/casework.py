"""Consumes casework's events (`casework.events`) into the stations' professional services (能开展专业社会工作服务,
§二(一)): a case is in force at its station from its opening until it is closed or transferred away (and at
the station it is transferred to from that day); a project from its start until its performance evaluation
(绩效评估, the last stage of A2 §4.4's project process). Only the ids, stations and days are read: nothing
about the client. Effectively once through the shared TrackedConsumer; messages the registry cannot apply (a
station it does not know) go to `casework.events.dlq`."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict
from pzh_shared.consumer import On, Subscription, TrackedConsumer

from registry.application.service import RegistryApplication
from registry.domain.errors import RegistryError

GROUP_ID = "registry-casework"


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the client's age band, domain and risk are not the registry's


class CaseOpened(_Read):
    case_id: str
    station_id: str
    opened_on: date


class CaseClosed(_Read):
    case_id: str
    station_id: str
    closed_on: date


class CaseTransferred(_Read):
    case_id: str
    station_id: str
    from_station_id: str
    transferred_on: date


class ProjectStarted(_Read):
    project_id: str
    station_id: str
    started_on: date


class ProjectEvaluated(_Read):
    project_id: str
    station_id: str
    evaluated_on: date


def subscription(app: RegistryApplication) -> Subscription:
    handlers: dict[str, On[Any]] = {
        "casework.case.opened.v1": On(CaseOpened, lambda m, t: app.record_casework(
            t, m.station_id, "case", m.case_id, True, m.opened_on)),
        # v2 adds the client's target groups, not the registry's: read like v1 (old v1 events stay on the topic)
        "casework.case.opened.v2": On(CaseOpened, lambda m, t: app.record_casework(
            t, m.station_id, "case", m.case_id, True, m.opened_on)),
        "casework.case.closed.v1": On(CaseClosed, lambda m, t: app.record_casework(
            t, m.station_id, "case", m.case_id, False, m.closed_on)),
        "casework.case.transferred.v1": On(CaseTransferred, lambda m, t: app.record_case_transferred(
            t, m.case_id, m.from_station_id, m.station_id, m.transferred_on)),
        "casework.project.started.v1": On(ProjectStarted, lambda m, t: app.record_casework(
            t, m.station_id, "project", m.project_id, True, m.started_on)),
        "casework.project.evaluated.v1": On(ProjectEvaluated, lambda m, t: app.record_casework(
            t, m.station_id, "project", m.project_id, False, m.evaluated_on)),
    }
    return Subscription(app, handlers)


def casework_consumer(app: RegistryApplication, bootstrap: str, topic: str = "casework.events",
                      group_id: str = GROUP_ID) -> TrackedConsumer:
    return TrackedConsumer(app, subscription(app), bootstrap, topic, group_id, rejected=(RegistryError,))
