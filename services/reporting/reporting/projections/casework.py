"""Casework events: cases by domain and stage, escalations, referrals, complaints with response
times, satisfaction surveys, projects, their beneficiaries and their evaluations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from reporting.projections.base import Consumed, Handler, Kind, State
from reporting.projections.facts import Facts, add, centi, china_day

STAGES = ("intake", "assessment", "plan", "intervention", "evaluation", "closing", "closed")
# the codes of pzh_shared.target_groups (服务对象类别), as the event's contract enumerates them
TargetGroup = Literal["hardship_family", "left_behind_elderly", "empty_nest_elderly", "child_in_difficulty",
                      "disabled", "migrant", "relocated"]


class CaseEvent(Consumed):
    case_id: str
    area_code: str
    domain: str


class CaseOpened(CaseEvent):
    """casework.case.opened.v2 (v1 arrives upcast, without categories: upcasting.py)."""

    opened_on: date
    categories: list[TargetGroup]


class CaseAdvanced(CaseEvent):
    stage: str
    advanced_on: date


class CaseTransferred(CaseEvent):
    transferred_on: date


class CaseClosed(CaseEvent):
    closed_on: date


class Escalation(CaseEvent):
    kind: str
    raised_on: date


class Referred(CaseEvent):
    policy: str
    referred_on: date


class ReferralDecided(CaseEvent):
    policy: str
    outcome: str
    decided_on: date


class ComplaintReceived(Consumed):
    complaint_id: str
    station_id: str
    channel: str
    received_at: datetime


class ComplaintClosed(Consumed):
    complaint_id: str
    station_id: str
    channel: str
    closed_at: datetime
    response_hours: float
    resolution_hours: float


class Survey(Consumed):
    survey_id: str
    station_id: str
    respondent: str
    score: float
    surveyed_on: date


class ProjectStarted(Consumed):
    project_id: str
    station_id: str
    domain: str
    started_on: date


class ProjectBeneficiaries(Consumed):
    """casework.project.beneficiaries_recorded.v1: the project's count of people served so far (it replaces the
    previous count, it does not add to it)."""

    project_id: str
    station_id: str
    beneficiaries: int
    recorded_on: date


class ProjectEvaluated(Consumed):
    project_id: str
    station_id: str
    score: float
    evaluated_on: date


def _move(on_field: str, stage: str | None = None):
    """A case event: the case is in the event's area (its station's), at a stage, from that day."""
    def step(state: State, d: dict) -> State:
        timeline = state.setdefault("timeline", [])
        current = timeline[-1][2] if timeline else "intake"
        state["domain"] = d["domain"]
        timeline.append([d[on_field], d["area_code"], stage or d.get("stage") or current])
        if on_field == "closed_on":
            state["closed"] = [d["closed_on"], d["area_code"]]
        if on_field == "opened_on":
            state["opened"] = [d["opened_on"], d["area_code"]]
            state["categories"] = d["categories"]
        return state
    return step


def case_facts(state: State) -> Facts:
    """cases (k1 domain, k2 stage, 'closed' once closed): a stock in the case's area at each day;
    cases_opened and cases_closed (k1 domain): flows; cases_opened_by_group (k1 the client's target group on the
    opening day, k2 domain): a flow, once per group the client was in (a client may be in several or none)."""
    facts: Facts = {}
    domain = state.get("domain", "")
    timeline = state.get("timeline", [])
    for (on, area, stage), following in zip(timeline, [*timeline[1:], None], strict=True):
        add(facts, ("cases", area, None, domain, stage, on), 1)
        if following is not None:
            add(facts, ("cases", area, None, domain, stage, following[0]), -1)
    if "opened" in state:
        add(facts, ("cases_opened", state["opened"][1], None, domain, "", state["opened"][0]), 1)
        for group in state.get("categories", []):
            add(facts, ("cases_opened_by_group", state["opened"][1], None, group, domain, state["opened"][0]), 1)
    if "closed" in state:
        add(facts, ("cases_closed", state["closed"][1], None, domain, "", state["closed"][0]), 1)
    return facts


def _beneficiaries_recorded(state: State, d: dict) -> State:
    # one count a day (a later record of the same day corrects it), at the station the record names
    state.setdefault("counts", {})[d["recorded_on"]] = [d["beneficiaries"], d["station_id"]]
    return state


def project_facts(state: State) -> Facts:
    """beneficiaries: a stock at the project's station, its latest count as of each day; a flow over a period
    is then how many the station's projects served more in it (a lower count corrects, so it subtracts)."""
    facts: Facts = {}
    before = None
    for on in sorted(state.get("counts", {})):
        count, station = state["counts"][on]
        if before is not None:
            add(facts, ("beneficiaries", None, before[1], "", "", on), -before[0])
        add(facts, ("beneficiaries", None, station, "", "", on), count)
        before = (count, station)
    return facts


def _complaint_received(d: dict) -> Facts:
    return {("complaints_received", None, d["station_id"], d["channel"], "", china_day(d["received_at"])): 1}


def _complaint_closed(d: dict) -> Facts:
    on, station, channel = china_day(d["closed_at"]), d["station_id"], d["channel"]
    return {("complaints_closed", None, station, channel, "", on): 1,
            ("complaint_response_hours", None, station, channel, "", on): centi(d["response_hours"]),
            ("complaint_resolution_hours", None, station, channel, "", on): centi(d["resolution_hours"])}


def _survey(d: dict) -> Facts:
    return {("surveys", None, d["station_id"], d["respondent"], "", d["surveyed_on"]): 1,
            ("survey_score", None, d["station_id"], d["respondent"], "", d["surveyed_on"]): centi(d["score"])}


def _case(d: dict) -> str:
    return d["case_id"]


HANDLERS = {
    "casework.case.opened": {2: Handler(CaseOpened, "case", _case, _move("opened_on", "intake"))},
    "casework.case.stage_advanced": {1: Handler(CaseAdvanced, "case", _case, _move("advanced_on"))},
    "casework.case.transferred": {1: Handler(CaseTransferred, "case", _case, _move("transferred_on"))},
    "casework.case.closed": {1: Handler(CaseClosed, "case", _case, _move("closed_on", "closed"))},
    "casework.escalation.raised": {1: Handler(Escalation, facts=lambda d: {
        ("escalations", d["area_code"], None, d["kind"], d["domain"], d["raised_on"]): 1})},
    "casework.case.referred": {1: Handler(Referred, facts=lambda d: {
        ("referrals", d["area_code"], None, d["policy"], "referred", d["referred_on"]): 1})},
    "casework.case.referral_decided": {1: Handler(ReferralDecided, facts=lambda d: {
        ("referrals", d["area_code"], None, d["policy"], d["outcome"], d["decided_on"]): 1})},
    "casework.complaint.received": {1: Handler(ComplaintReceived, facts=_complaint_received)},
    "casework.complaint.closed": {1: Handler(ComplaintClosed, facts=_complaint_closed)},
    "casework.survey.recorded": {1: Handler(Survey, facts=_survey)},
    "casework.project.started": {1: Handler(ProjectStarted, facts=lambda d: {
        ("projects_started", None, d["station_id"], d["domain"], "", d["started_on"]): 1})},
    "casework.project.beneficiaries_recorded": {
        1: Handler(ProjectBeneficiaries, "project", lambda d: d["project_id"], _beneficiaries_recorded)},
    "casework.project.evaluated": {1: Handler(ProjectEvaluated, facts=lambda d: {
        ("project_evaluations", None, d["station_id"], "", "", d["evaluated_on"]): 1,
        ("project_score", None, d["station_id"], "", "", d["evaluated_on"]): centi(d["score"])})},
}
KINDS = {"case": Kind(case_facts), "project": Kind(project_facts)}
