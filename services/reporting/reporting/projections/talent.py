"""Talent events: social workers and certified ones, station heads, volunteers, interns, trainings, guidance
visits, community organisations and agencies. Facts are keyed by station; the area comes from the station
directory when a figure is read."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from reporting.projections.base import Consumed, Handler, Kind, State
from reporting.projections.facts import Facts, add, centi

TrainingKind = Literal["graded", "pre_exam", "continuing_education", "high_level"]


class WorkerAssigned(Consumed):
    worker_id: str
    station_id: str
    assigned_on: date


class WorkerLeft(Consumed):
    worker_id: str
    station_id: str
    left_on: date


class WorkerCertified(Consumed):
    worker_id: str
    certified_on: date


class TrainingCompleted(Consumed):
    worker_id: str
    kind: TrainingKind
    hours: float
    completed_on: date
    station_id: str | None = None


class HeadAppointed(Consumed):
    station_id: str
    worker_id: str
    appointed_on: date


class HeadRelieved(Consumed):
    station_id: str
    relieved_on: date


class VolunteerRegistered(Consumed):
    volunteer_id: str
    station_id: str
    registered_on: date


class VolunteerTrained(Consumed):
    volunteer_id: str
    station_id: str
    trained_on: date


class VolunteerHours(Consumed):
    """talent.volunteer.hours_logged.v2 (v1 arrives upcast: upcasting.py)."""

    volunteer_id: str
    station_id: str
    minutes: int
    served_on: date


class OrganisationFiled(Consumed):
    organisation_id: str
    host_station_id: str
    reform_affected: bool
    filed_on: date


class OrganisationIncubated(Consumed):
    organisation_id: str
    host_station_id: str
    organisation_type: Literal["functional_service", "interest_volunteer"]
    reform_affected: bool
    incubated_on: date


class OrganisationRegistered(Consumed):
    organisation_id: str
    host_station_id: str
    registered_on: date


class OrganisationGraduated(Consumed):
    organisation_id: str
    host_station_id: str
    graduated_on: date


class AgencyRegistered(Consumed):
    agency_id: str
    station_id: str
    registered_on: date


class InternPlaced(Consumed):
    intern_id: str
    station_id: str
    placed_from: date
    placed_until: date


class GuidanceVisit(Consumed):
    """talent.guidance.visit_recorded.v1: a guidance visit (督导记录, §二(一) "定期指導社會工作服務站開展工作")."""

    station_id: str
    visit_id: str
    visited_on: date
    minutes: int


# --- workers -------------------------------------------------------------------------------------
def _assigned(state: State, d: dict) -> State:
    stints = state.setdefault("stints", [])
    if stints and stints[-1][2] is None:
        if stints[-1][0] == d["station_id"]:
            return state  # employment changed at the same station: the stint goes on
        stints[-1][2] = d["assigned_on"]  # the talent service forbids this; never count a worker twice
    stints.append([d["station_id"], d["assigned_on"], None])
    return state


def _left(state: State, d: dict) -> State:
    for stint in reversed(state.get("stints", [])):
        if stint[0] == d["station_id"] and stint[2] is None:
            stint[2] = d["left_on"]
            break
    return state


def _certified(state: State, d: dict) -> State:
    known = state.get("certified_on")
    if known is None or d["certified_on"] < known:
        state["certified_on"] = d["certified_on"]
    return state


def _trained(state: State, d: dict) -> State:
    state.setdefault("trainings", []).append([d["completed_on"], d["kind"], centi(d["hours"]), d.get("station_id")])
    return state


def _station_at(state: State, day: str) -> str | None:
    for station, since, until in state.get("stints", []):
        if since <= day and (until is None or day <= until):
            return station
    return None


def worker_facts(state: State) -> Facts:
    """workers and certified_workers (stocks while employed at a station); certifications (a
    worker's first certificate, for the station employing them that day: the talent service's
    quota rule); trainings and training_hours (k1 kind) for the station that gave the training, or
    else the one employing the worker that day."""
    facts: Facts = {}
    certified = state.get("certified_on")
    for station, since, until in state.get("stints", []):
        add(facts, ("workers", None, station, "", "", since), 1)
        if until:
            add(facts, ("workers", None, station, "", "", until), -1)
        if certified is not None:
            start = max(since, certified)
            if until is None or start < until:
                add(facts, ("certified_workers", None, station, "", "", start), 1)
                if until:
                    add(facts, ("certified_workers", None, station, "", "", until), -1)
    if certified is not None and (station := _station_at(state, certified)) is not None:
        add(facts, ("certifications", None, station, "", "", certified), 1)
    for on, kind, hours, given in state.get("trainings", []):
        station = given or _station_at(state, on)
        if station is not None:
            add(facts, ("trainings", None, station, kind, "", on), 1)
            add(facts, ("training_hours", None, station, kind, "", on), hours)
    return facts


# --- heads ---------------------------------------------------------------------------------------
def _appointed(state: State, d: dict) -> State:
    terms = state.setdefault("terms", [])
    if terms and terms[-1][1] is None:
        terms[-1][1] = d["appointed_on"]
    terms.append([d["appointed_on"], None])
    return state


def _relieved(state: State, d: dict) -> State:
    terms = state.get("terms", [])
    if terms and terms[-1][1] is None:
        terms[-1][1] = d["relieved_on"]
    return state


def head_facts(state: State) -> Facts:
    """heads: 1 while the station has a head."""
    facts: Facts = {}
    for since, until in state.get("terms", []):
        add(facts, ("heads", None, state["id"], "", "", since), 1)
        if until:
            add(facts, ("heads", None, state["id"], "", "", until), -1)
    return facts


# --- volunteers ----------------------------------------------------------------------------------
def _volunteer_registered(state: State, d: dict) -> State:
    state.setdefault("registered", [d["station_id"], d["registered_on"]])
    return state


def _volunteer_trained(state: State, d: dict) -> State:
    first = state.setdefault("trained", {})
    key = f"{d['station_id']}|{d['trained_on'][:4]}"
    if key not in first or d["trained_on"] < first[key]:
        first[key] = d["trained_on"]
    return state


def volunteer_facts(state: State) -> Facts:
    """volunteers (registered, a stock); volunteers_trained: a volunteer once a year per station,
    on the day of their first training there that year (the talent service's quota rule)."""
    facts: Facts = {}
    if "registered" in state:
        station, on = state["registered"]
        add(facts, ("volunteers", None, station, "", "", on), 1)
    for key, on in state.get("trained", {}).items():
        add(facts, ("volunteers_trained", None, key.split("|")[0], "", "", on), 1)
    return facts


def _volunteer_minutes(d: dict) -> Facts:
    """volunteer_minutes: service time in whole minutes (exact sums; the view shows hours)."""
    return {("volunteer_minutes", None, d["station_id"], "", "", d["served_on"]): d["minutes"]}


def _intern_placed(d: dict) -> Facts:
    """interns: a stock, 1 at the station from the first day of the placement to its last (included)."""
    gone = (date.fromisoformat(d["placed_until"]) + timedelta(days=1)).isoformat()
    return {("interns", None, d["station_id"], "", "", d["placed_from"]): 1,
            ("interns", None, d["station_id"], "", "", gone): -1}


def _guidance_visit(d: dict) -> Facts:
    """guidance_visits and guidance_minutes: the visits a station received and their length, on the visit's day."""
    return {("guidance_visits", None, d["station_id"], "", "", d["visited_on"]): 1,
            ("guidance_minutes", None, d["station_id"], "", "", d["visited_on"]): d["minutes"]}


# --- organisations and agencies (one fact per event) ---------------------------------------------
def _reform(flag: bool) -> str:
    return "reform_affected" if flag else ""


def _org(figure: str, on: str, k1: str = "", k2: str = ""):
    def facts(d: dict) -> Facts:
        return {
            (figure, None, d["host_station_id"], d.get(k1, "") if k1 else "", _reform(d[k2]) if k2 else "", d[on]): 1
        }

    return facts


HANDLERS = {
    "talent.worker.assigned": {1: Handler(WorkerAssigned, "worker", lambda d: d["worker_id"], _assigned)},
    "talent.worker.left": {1: Handler(WorkerLeft, "worker", lambda d: d["worker_id"], _left)},
    "talent.worker.certified": {1: Handler(WorkerCertified, "worker", lambda d: d["worker_id"], _certified)},
    "talent.worker.training_completed": {1: Handler(TrainingCompleted, "worker", lambda d: d["worker_id"], _trained)},
    "talent.station_head.appointed": {1: Handler(HeadAppointed, "head", lambda d: d["station_id"], _appointed)},
    "talent.station_head.relieved": {1: Handler(HeadRelieved, "head", lambda d: d["station_id"], _relieved)},
    "talent.volunteer.registered": {
        1: Handler(VolunteerRegistered, "volunteer", lambda d: d["volunteer_id"], _volunteer_registered)
    },
    "talent.volunteer.trained": {
        1: Handler(VolunteerTrained, "volunteer", lambda d: d["volunteer_id"], _volunteer_trained)
    },
    "talent.volunteer.hours_logged": {2: Handler(VolunteerHours, facts=_volunteer_minutes)},
    "talent.guidance.visit_recorded": {1: Handler(GuidanceVisit, facts=_guidance_visit)},
    "talent.intern.placed": {1: Handler(InternPlaced, facts=_intern_placed)},
    "talent.organisation.filed": {
        1: Handler(OrganisationFiled, facts=_org("organisations_filed", "filed_on", k2="reform_affected"))
    },
    "talent.organisation.incubated": {
        1: Handler(
            OrganisationIncubated,
            facts=_org("organisations_incubated", "incubated_on", k1="organisation_type", k2="reform_affected"),
        )
    },
    "talent.organisation.registered": {
        1: Handler(OrganisationRegistered, facts=_org("organisations_registered", "registered_on"))
    },
    "talent.organisation.graduated": {
        1: Handler(OrganisationGraduated, facts=_org("organisations_graduated", "graduated_on"))
    },
    "talent.agency.registered": {
        1: Handler(
            AgencyRegistered, facts=lambda d: {("agencies", None, d["station_id"], "", "", d["registered_on"]): 1}
        )
    },
}
KINDS = {"worker": Kind(worker_facts), "head": Kind(head_facts), "volunteer": Kind(volunteer_facts)}
