"""Casework's lists (pzh_shared.listing): what each list keeps and which rows a domain event changes.

Clients are searched, never listed: their row holds only keyed hashes of name, ID number and phone (blind
fields, exact match) beside their area and station, so the list file holds no personal value in clear. Case
rows carry no client identity at all (the client's id only as a blind field, for counting a client's open
cases); complaint summaries, which may name people, stay out of the lists too. The possible duplicates found at
intake (a client's `likeness_key`: name and birth date) are a list of pairs of client ids and places."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from pzh_shared.listing import ListField, ListSpec, RecentAggregates, Update

from casework.domain.case import Case
from casework.domain.client import Client
from casework.domain.feedback import Complaint, Survey
from casework.domain.project import Project
from casework.domain.vocabulary import CASE_STAGES, PROJECT_STAGES

if TYPE_CHECKING:
    from casework.application.service import CaseworkApplication


def _dates(prefix: str, label: str) -> tuple[ListField, ...]:
    """A day (sortable) and its month and year (exact filters: the lists' date filters)."""
    return (ListField(prefix, sortable=True, filter="none", label=label), ListField(f"{prefix}_month", label=""),
            ListField(f"{prefix}_year", label=""))


def _dated(prefix: str, on: date | datetime | None) -> dict[str, Any]:
    if on is None:
        return {prefix: None, f"{prefix}_month": None, f"{prefix}_year": None}
    day = on.date() if isinstance(on, datetime) else on
    return {prefix: on.isoformat(), f"{prefix}_month": day.isoformat()[:7], f"{prefix}_year": str(day.year)}


_PLACE = (ListField("area_code", filter="area", sortable=True, label="行政区划代码"),
          ListField("station_id", label="站点编号"))

CLIENTS = ListSpec("clients", (
    ListField("name_key", kind="blind"), ListField("id_key", kind="blind"), ListField("phone_key", kind="blind"),
    ListField("likeness_key", kind="blind"), *_PLACE, ListField("registered_on", sortable=True, filter="none"),
), default_sort="registered_on")

CASES = ListSpec("cases", (
    *_PLACE, ListField("client_key", kind="blind"),
    ListField("stage", label="阶段"), ListField("stage_no", kind="int", filter="none", sortable=True),
    ListField("stage_since", filter="none", label="本阶段开始日期"),
    ListField("status", label="状态"), ListField("risk_level", sortable=True, label="风险等级"),
    ListField("worker", sortable=True, label="负责社工"), ListField("domain", label="服务领域"),
    *_dates("opened_on", "开案日期"),
    ListField("next_step", filter="none", label="下一步"),
    ListField("due_on", filter="none", sortable=True, label="期限"),
    ListField("awaiting", label="待审批事项"), ListField("awaiting_since", filter="none", label="提交审批日期"),
), default_sort="due_on")

PROJECTS = ListSpec("projects", (
    ListField("title", filter="search", sortable=True, label="项目名称"), *_PLACE,
    ListField("contract_id", label="合同编号"), ListField("domain", label="服务领域"), ListField("stage", label="阶段"),
    ListField("stage_no", kind="int", filter="none", sortable=True),
    *_dates("started_on", "开始日期"),
    ListField("beneficiaries", kind="int", filter="none", sortable=True, label="受益人数"),
    ListField("score", filter="none", label="绩效评分"),
), default_sort="started_on")

COMPLAINTS = ListSpec("complaints", (
    *_PLACE, ListField("channel", label="渠道"), ListField("status", label="状态"),
    *_dates("received_at", "受理时间"),
    ListField("handled_at", filter="none", label="处理时间"), ListField("closed_at", filter="none", label="办结时间"),
    ListField("response_hours", filter="none", label="响应时长(小时)"),
    ListField("resolution_hours", filter="none", label="办结时长(小时)"),
), default_sort="received_at")

SURVEYS = ListSpec("surveys", (
    *_PLACE, ListField("respondent", label="调查对象"), ListField("method", label="调查方式"),
    ListField("score", filter="none", label="评分"), *_dates("surveyed_on", "调查日期"),
), default_sort="surveyed_on")

# A pair of client records that may be one person, flagged at the intake of `client_id` (the place is its own).
DUPLICATES = ListSpec("duplicates", (
    ListField("client_id", label="新登记服务对象编号"),
    ListField("other_client_id", label="疑似重复的已有服务对象编号"),
    *_PLACE, ListField("other_area_code", filter="none", label="已有记录行政区划代码"),
    ListField("other_station_id", filter="none", label="已有记录站点编号"),
    ListField("flagged_on", sortable=True, filter="none", label="发现日期"),
), default_sort="flagged_on")

SPECS = (CLIENTS, CASES, PROJECTS, COMPLAINTS, SURVEYS, DUPLICATES)


def digits(phone: str | None) -> str | None:
    """A phone number as the search compares it: its digits only (138-0000 1111 is 13800001111)."""
    return re.sub(r"\D", "", phone) if phone else None


# Dots written between the parts of a transcribed name (阿依·古丽, 阿依・古丽, 阿依‧古丽, 阿依•古丽) and NFKC leaves.
_NAME_DOTS = re.compile("[\u00b7\u2022\u2027\u2219\u22c5\u30fb\uff65\u0387\u16eb\u2e31]")


def likeness(name: str | None, birth_date: date | None) -> str | None:
    """What two registrations of one person most likely share beyond an ID number: the name as NFKC folds it
    (full-width letters and digits to their usual forms) without spaces or middle dots, and the birth date. The
    lists keep only its blind hash, which also folds case."""
    if not name or birth_date is None:
        return None
    folded = _NAME_DOTS.sub("", "".join(unicodedata.normalize("NFKC", name).split()))
    return f"{folded}|{birth_date.isoformat()}" if folded else None


def client_row(app: CaseworkApplication, client: Client) -> dict[str, Any] | None:
    identity = app.identity(client)
    if identity is None or not client.is_active:
        return None  # erased, or merged into another record: out of the search and the intake checks
    return {"name_key": identity.get("name"), "id_key": (identity.get("id_number") or "").upper() or None,
            "phone_key": digits(identity.get("phone")),
            "likeness_key": likeness(identity.get("name"), identity.get("birth_date")), "area_code": client.area_code,
            "station_id": client.station_id, "registered_on": client.registered_on.isoformat()}


def duplicate_rows(client: Client, other_of: Callable[[str], Client | None]) -> Iterable[Update]:
    """The review queue's rows of the client's flagged pairs: a pair stays while it is open and both records are
    active (a dismissal, a merge or an erasure on either side takes it out)."""
    for other_id, pair in client.duplicates.items():
        other = other_of(other_id)
        if other is None:
            continue  # a pair is recorded on both records in one save: never on one alone
        newer, older = (client, other) if pair["at_intake"] else (other, client)
        keep = pair["status"] == "open" and newer.is_active and older.is_active
        yield "duplicates", f"{newer.id}:{older.id}", {
            "client_id": str(newer.id), "other_client_id": str(older.id), "area_code": newer.area_code,
            "station_id": newer.station_id, "other_area_code": older.area_code, "other_station_id": older.station_id,
            "flagged_on": cast(date, pair["flagged_on"]).isoformat()} if keep else None


def case_row(case: Case) -> dict[str, Any]:
    step = case.next_step()
    awaiting = step.step.removesuffix("_approval") if step and step.awaits_approval else None
    return {"area_code": case.area_code, "station_id": case.station_id, "client_key": case.client_id,
            "stage": case.stage.value, "stage_no": CASE_STAGES.index(case.stage) + 1,
            "stage_since": case.stages[-1]["on"],
            "status": "closed" if case.is_closed else "open", "risk_level": case.risk_level.value,
            "worker": case.worker, "domain": case.domain.value, **_dated("opened_on", case.opened_on),
            "next_step": step.step if step else None, "due_on": step.due_on.isoformat() if step else None,
            "awaiting": awaiting, "awaiting_since": step.since.isoformat() if awaiting and step else None}


def project_row(project: Project) -> dict[str, Any]:
    return {"title": project.title, "area_code": project.area_code, "station_id": project.station_id,
            "contract_id": project.contract_id, "domain": project.domain.value, "stage": project.stage.value,
            "stage_no": PROJECT_STAGES.index(project.stage) + 1, **_dated("started_on", project.started_on),
            "beneficiaries": project.beneficiaries, "score": project.score}


def complaint_row(complaint: Complaint) -> dict[str, Any]:
    return {"area_code": complaint.area_code, "station_id": complaint.station_id, "channel": complaint.channel.value,
            "status": complaint.status, **_dated("received_at", complaint.received_at),
            "handled_at": complaint.handled_at.isoformat() if complaint.handled_at else None,
            "closed_at": complaint.closed_at.isoformat() if complaint.closed_at else None,
            "response_hours": complaint.response_hours, "resolution_hours": complaint.resolution_hours}


def survey_row(survey: Survey) -> dict[str, Any]:
    return {"area_code": survey.area_code, "station_id": survey.station_id, "respondent": survey.respondent.value,
            "method": survey.method.value, "score": survey.score, **_dated("surveyed_on", survey.surveyed_on)}


def projector(app: CaseworkApplication) -> Callable[[Any], Iterable[Update]]:
    """project(domain event) for casework's ListIndex: the row of the aggregate the event belongs to, as it is now."""
    rows: dict[str, tuple[str, Callable[[Any], dict[str, Any] | None]]] = {
        "Client": ("clients", lambda c: client_row(app, c)), "Case": ("cases", case_row),
        "Project": ("projects", project_row), "Complaint": ("complaints", complaint_row),
        "Survey": ("surveys", survey_row),
    }
    recent = RecentAggregates(app.repository.get)

    def project(domain_event: Any) -> Iterable[Update]:
        kind = type(domain_event).__qualname__.split(".")[0]
        if kind not in rows:
            return []  # contracts, withdrawn charity events: no list of casework's
        list_name, row = rows[kind]
        aggregate: Any = recent.of(domain_event)
        updates: list[Update] = [(list_name, str(aggregate.id), row(aggregate))]
        if kind == "Client":
            updates += duplicate_rows(aggregate, lambda other_id: recent.load(UUID(other_id)))
        return updates

    return project
