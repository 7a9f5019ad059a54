"""The funding service's lists (pzh_shared.listing): budgets, contracts, disbursements, annual project
plans, the filing queue (contracts and plans waiting to be filed with the level above), subsidies and awards,
venture philanthropy rounds, charity and community funds, the charity needs ledger and donation points.

Nothing here is personal: agencies, area codes, statuses, dates and amounts only. Amounts are kept as
whole fen (so they sort as numbers) and leave as decimal strings in yuan, like every funding answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from pzh_shared.listing import ListField, ListSpec, RecentAggregates, Update

from funding.domain import areas
from funding.domain.budget import SourceBudget
from funding.domain.charity import CharityNeed, DonationPoint
from funding.domain.contract import Contract
from funding.domain.fund import Fund
from funding.domain.grant import Grant, VentureRound
from funding.domain.money import FEN, text
from funding.domain.plan import ProjectPlan
from funding.domain.vocabulary import FilingStatus, ResourceKind, SourceKind

Rows = list[dict[str, Any]]


class ContractStatus(StrEnum):
    """Where a contract stands, as its list filters it."""

    SIGNED = "signed"  # signed, waiting to be filed
    FILED = "filed"
    RETURNED = "returned"
    SPOT_CHECKED = "spot_checked"  # filed, and spot-checked at least once

    @property
    def label(self) -> str:
        return {"signed": "待备案", "filed": "已备案", "returned": "已退回", "spot_checked": "已抽查"}[self.value]


def _money(name: str, label: str, sortable: bool = False) -> ListField:
    return ListField(name, kind="int", filter="none", sortable=sortable, label=label)


SOURCES = ListSpec("sources", (
    ListField("area_code", filter="area", sortable=True, label="行政区划代码"),
    ListField("year", kind="int", sortable=True, label="年度"),
    ListField("source", label="资金来源代码"),
    ListField("source_name", filter="none", label="资金来源"),
    _money("budget", "预算(元)", sortable=True),
    _money("spent", "已支出(元)"),
    _money("balance", "余额(元)", sortable=True),
    ListField("budgeted_on", filter="none", label="预算登记日期"),
), default_sort="area_code")

CONTRACTS = ListSpec("contracts", (
    ListField("contract_id"),
    ListField("provider_agency", filter="search", sortable=True, label="承接机构"),
    ListField("purchaser", label="购买主体"),
    ListField("area_code", filter="area", sortable=True, label="行政区划代码"),
    ListField("funding_area_code", label="资金所属县(区)"),
    ListField("year", kind="int", label="年度"),
    ListField("signed_on", filter="none", sortable=True, label="签订日期"),
    ListField("period_start", filter="none", label="服务期开始"),
    ListField("period_end", filter="none", label="服务期结束"),
    _money("amount", "合同金额(元)", sortable=True),
    _money("paid", "已拨付(元)"),
    ListField("station_count", kind="int", filter="none", label="服务站点数"),
    ListField("status"),
    ListField("status_label", filter="none", label="状态"),
    ListField("spot_checks", kind="int", filter="none", label="抽查次数"),
), default_sort="-signed_on")

# Which contracts serve a station: a contract serves many, so the contracts list asks this one first.
CONTRACT_STATIONS = ListSpec("contract_stations", (ListField("contract_id"), ListField("station_id")))

DISBURSEMENTS = ListSpec("disbursements", (
    ListField("contract_id", label="合同编号"),
    ListField("instalment", kind="int", filter="none", label="期次"),
    ListField("provider_agency", filter="search", label="承接机构"),
    ListField("area_code", filter="area", label="行政区划代码"),
    ListField("year", kind="int", label="年度"),
    ListField("paid_on", filter="none", sortable=True, label="拨付日期"),
    ListField("milestone", filter="none", label="拨付节点"),
    _money("amount", "拨付金额(元)", sortable=True),
    ListField("sources", filter="none"),  # "kind=fen;kind=fen", shown as lines
    ListField("source_names", filter="none", label="资金来源"),
    # One flag per source kind, so "paid from social assistance funds" is an indexed filter.
    *(ListField(f"from_{kind.value}", kind="bool") for kind in SourceKind),
), default_sort="-paid_on")

PLANS = ListSpec("project_plans", (
    ListField("title", filter="search", sortable=True, label="计划名称"),
    ListField("area_code", filter="area", sortable=True, label="行政区划代码"),
    ListField("year", kind="int", sortable=True, label="年度"),
    ListField("project_count", kind="int", filter="none", label="项目数"),
    _money("total_amount", "计划金额(元)", sortable=True),
    ListField("submitted_on", filter="none", sortable=True, label="报送日期"),
    ListField("status"),
    ListField("status_label", filter="none", label="状态"),
), default_sort="-submitted_on")

FILING_QUEUE = ListSpec("filing_queue", (
    ListField("type"),
    ListField("type_label", filter="none", label="类别"),
    ListField("title", filter="search", label="承接机构或计划名称"),
    ListField("area_code", filter="area", sortable=True, label="行政区划代码"),
    ListField("filed_by", label="备案报送单位"),
    ListField("filed_with", label="备案机关"),
    ListField("year", kind="int", label="年度"),
    _money("amount", "金额(元)", sortable=True),
    ListField("status"),
    ListField("status_label", filter="none", label="状态"),
    ListField("since", filter="none", sortable=True, label="等待起始日期"),
), default_sort="since")

GRANTS = ListSpec("grants", (
    ListField("grant_id"),
    ListField("kind"),
    ListField("kind_label", filter="none", label="类别"),
    ListField("organisation", filter="search", sortable=True, label="受资助机构"),
    ListField("purpose", filter="none", label="事由"),
    ListField("area_code", filter="area", sortable=True, label="行政区划代码"),
    ListField("station_id"),
    ListField("source"),
    ListField("source_name", filter="none", label="资金来源"),
    ListField("year", kind="int", label="年度"),
    _money("amount", "金额(元)", sortable=True),
    ListField("awarded_on", filter="none", sortable=True, label="发放日期"),
), default_sort="-awarded_on")

VENTURE_ROUNDS = ListSpec("venture_rounds", (
    ListField("round_id"),
    ListField("title", filter="search", sortable=True, label="创投名称"),
    ListField("area_code", filter="area", sortable=True, label="行政区划代码"),
    ListField("year", kind="int", sortable=True, label="年度"),
    ListField("source"),
    ListField("source_name", filter="none", label="资金来源"),
    _money("budget", "创投资金总额(元)", sortable=True),
    ListField("applications", kind="int", filter="none", label="申报数"),
    ListField("awards", kind="int", filter="none", label="资助项目数"),
    _money("awarded", "已资助(元)"),
    _money("paid", "已拨付(元)"),
    ListField("opened_on", filter="none", sortable=True, label="申报开始"),
    ListField("closes_on", filter="none", label="申报截止"),
), default_sort="-opened_on")

FUNDS = ListSpec("funds", (
    ListField("fund_id"),
    ListField("kind"),
    ListField("kind_label", filter="none", label="类别"),
    ListField("name", filter="search", sortable=True, label="基金名称"),
    ListField("area_code", filter="area", sortable=True, label="行政区划代码"),
    ListField("station_id"),
    ListField("organisation", filter="none", label="设立机构"),
    _money("received", "累计收入(元)"),
    _money("paid", "累计支出(元)"),
    _money("balance", "余额(元)", sortable=True),
    ListField("established_on", filter="none", sortable=True, label="设立日期"),
), default_sort="-established_on")

CHARITY_NEEDS = ListSpec("charity_needs", (
    ListField("need_id"),
    ListField("area_code", filter="area", sortable=True, label="行政区划代码"),
    ListField("station_id"),
    ListField("category"),
    ListField("category_label", filter="none", label="需求类别"),
    ListField("summary", filter="search", label="需求概述"),
    ListField("recorded_on", filter="none", sortable=True, label="登记日期"),
    ListField("status"),
    ListField("status_label", filter="none", label="状态"),
    ListField("resource_label", filter="none", label="对接资源类别"),
    ListField("resource_name", filter="none", label="对接资源"),
    ListField("met_on", filter="none", label="对接日期"),
), default_sort="-recorded_on")

DONATION_POINTS = ListSpec("donation_points", (
    ListField("point_id"),
    ListField("name", filter="search", sortable=True, label="捐赠点名称"),
    ListField("area_code", filter="area", sortable=True, label="行政区划代码"),
    ListField("operator", filter="none", label="运营慈善组织"),
    ListField("location", filter="none", label="设置地点"),
    ListField("opened_on", filter="none", sortable=True, label="设立日期"),
    ListField("status"),
    ListField("status_label", filter="none", label="状态"),
    ListField("closed_on", filter="none", label="撤销日期"),
), default_sort="-opened_on")

SPECS = (SOURCES, CONTRACTS, CONTRACT_STATIONS, DISBURSEMENTS, PLANS, FILING_QUEUE, GRANTS, VENTURE_ROUNDS, FUNDS,
         CHARITY_NEEDS, DONATION_POINTS)
MONEY_FIELDS = {spec.name: [f.name for f in spec.fields if f.kind == "int" and f.label.endswith("(元)")]
                for spec in SPECS}


def columns(spec: ListSpec) -> list[tuple[str, str]]:
    """An export's columns: every labelled field, in the spec's order."""
    return [(f.name, f.label) for f in spec.fields if f.label]


def fen(amount: Decimal) -> int:
    return int(amount.quantize(FEN) * 100)


def yuan_text(value: int | None) -> str | None:
    return None if value is None else text(Decimal(value) / 100)


# --- rows -------------------------------------------------------------------------------------------


def budget_row(b: SourceBudget) -> dict[str, Any]:
    return {"area_code": b.area_code, "year": b.year, "source": b.source.value, "source_name": b.source.label,
            "budget": fen(b.amount), "spent": fen(b.drawn), "balance": fen(b.balance),
            "budgeted_on": b.budgeted_on.isoformat() if b.budgeted_on else None}


def contract_status(c: Contract) -> ContractStatus:
    if c.filing is FilingStatus.FILED:
        return ContractStatus.SPOT_CHECKED if c.spot_checks else ContractStatus.FILED
    return ContractStatus.RETURNED if c.filing is FilingStatus.RETURNED else ContractStatus.SIGNED


def contract_row(c: Contract) -> dict[str, Any]:
    status = contract_status(c)
    return {"contract_id": str(c.id), "provider_agency": c.provider_agency, "purchaser": c.purchaser.value,
            "area_code": c.area_code, "funding_area_code": c.funding_area, "year": c.signed_on.year,
            "signed_on": c.signed_on.isoformat(), "period_start": c.period_start.isoformat(),
            "period_end": c.period_end.isoformat(), "amount": fen(c.amount), "paid": fen(c.paid),
            "station_count": len(c.station_ids), "status": status.value, "status_label": status.label,
            "spot_checks": len(c.spot_checks)}


def disbursement_row(c: Contract, d: dict[str, Any]) -> dict[str, Any]:
    kinds = [SourceKind(line["source"]) for line in d["sources"]]
    flags = {f"from_{kind.value}": kind in kinds for kind in SourceKind}
    return {"contract_id": str(c.id), "instalment": d["instalment"], "provider_agency": c.provider_agency,
            "area_code": c.area_code, "year": d["paid_on"].year, "paid_on": d["paid_on"].isoformat(),
            "milestone": d["milestone"], "amount": fen(d["amount"]),
            "sources": ";".join(f"{line['source']}={fen(line['amount'])}" for line in d["sources"]),
            "source_names": "、".join(kind.label for kind in kinds), **flags}


def plan_since(p: ProjectPlan) -> date:
    """The plan's latest submission: a resubmitted plan waits from its resubmission."""
    resubmitted = [entry["on"] for entry in p.filings if entry["status"] == "resubmitted"]
    return resubmitted[-1] if resubmitted else p.submitted_on


def plan_row(p: ProjectPlan) -> dict[str, Any]:
    return {"title": p.title, "area_code": p.area_code, "year": p.year, "project_count": len(p.projects),
            "total_amount": fen(p.total_amount), "submitted_on": plan_since(p).isoformat(),
            "status": p.filing.value, "status_label": p.filing.label}


def queue_row(kind: str, title: str, area_code: str, year: int, amount: Decimal, status: FilingStatus,
              since: date) -> dict[str, Any]:
    filed_by, filed_with = areas.filing_parties(area_code)
    return {"type": kind, "type_label": "购买服务合同" if kind == "contract" else "年度项目计划", "title": title,
            "area_code": area_code, "filed_by": filed_by, "filed_with": filed_with, "year": year,
            "amount": fen(amount), "status": status.value, "status_label": status.label, "since": since.isoformat()}


def contract_queue_row(c: Contract) -> dict[str, Any] | None:
    """A contract waits to be filed while pending, and while returned: it has no resubmission, so once
    corrected it is filed as it stands (Contract.file), and it waits from the day it was returned."""
    if c.filing is FilingStatus.FILED:
        return None
    returned = [entry["on"] for entry in c.filings if entry["status"] == "returned"]
    since = returned[-1] if c.filing is FilingStatus.RETURNED and returned else c.signed_on
    return queue_row("contract", c.provider_agency, c.area_code, c.signed_on.year, c.amount, c.filing, since)


def plan_queue_row(p: ProjectPlan) -> dict[str, Any] | None:
    """A plan waits to be filed while pending; a returned one waits on its submitter (a resubmission)."""
    if p.filing is not FilingStatus.PENDING:
        return None
    return queue_row("plan", p.title, p.area_code, p.year, p.total_amount, p.filing, plan_since(p))


def grant_row(g: Grant) -> dict[str, Any]:
    return {"grant_id": str(g.id), "kind": g.kind.value, "kind_label": g.kind.label, "organisation": g.organisation,
            "purpose": g.purpose, "area_code": g.area_code, "station_id": g.station_id, "source": g.source.value,
            "source_name": g.source.label, "year": g.awarded_on.year, "amount": fen(g.amount),
            "awarded_on": g.awarded_on.isoformat()}


def venture_row(v: VentureRound) -> dict[str, Any]:
    return {"round_id": str(v.id), "title": v.title, "area_code": v.area_code, "year": v.year,
            "source": v.source.value, "source_name": v.source.label, "budget": fen(v.budget),
            "applications": len(v.applications),
            "awards": sum(1 for a in v.applications if a["awarded"] is not None),
            "awarded": fen(v.awarded), "paid": fen(v.paid), "opened_on": v.opened_on.isoformat(),
            "closes_on": v.closes_on.isoformat()}


def fund_row(f: Fund) -> dict[str, Any]:
    return {"fund_id": str(f.id), "kind": f.kind.value, "kind_label": f.kind.label, "name": f.name,
            "area_code": f.area_code, "station_id": f.station_id, "organisation": f.organisation,
            "received": fen(f.received), "paid": fen(f.paid), "balance": fen(f.balance),
            "established_on": f.established_on.isoformat()}


def need_row(n: CharityNeed) -> dict[str, Any]:
    met = n.met or {}
    resource = met.get("resource_kind")
    return {"need_id": str(n.id), "area_code": n.area_code, "station_id": n.station_id,
            "category": n.category.value, "category_label": n.category.label, "summary": n.summary,
            "recorded_on": n.recorded_on.isoformat(), "status": "met" if n.met else "open",
            "status_label": "已对接" if n.met else "待对接",
            "resource_label": ResourceKind(str(resource)).label if resource else None,
            "resource_name": met.get("resource_name"),
            "met_on": met["met_on"].isoformat() if n.met else None}


def point_row(p: DonationPoint) -> dict[str, Any]:
    return {"point_id": str(p.id), "name": p.name, "area_code": p.area_code, "operator": p.operator,
            "location": p.location, "opened_on": p.opened_on.isoformat(),
            "status": "closed" if p.closed_on else "open", "status_label": "已撤销" if p.closed_on else "运行中",
            "closed_on": p.closed_on.isoformat() if p.closed_on else None}


# One row per aggregate, rewritten from its state after each of its events.
_ROWS: dict[type, tuple[str, Callable[[Any], dict[str, Any]]]] = {
    Grant.Event: ("grants", grant_row),
    VentureRound.Event: ("venture_rounds", venture_row),
    Fund.Event: ("funds", fund_row),
    CharityNeed.Event: ("charity_needs", need_row),
    DonationPoint.Event: ("donation_points", point_row),
}


# --- the projector --------------------------------------------------------------------------------


def _contract_updates(c: Contract, domain_event: DomainEventProtocol[Any]) -> Iterator[Update]:
    cid = str(c.id)
    yield "contracts", cid, contract_row(c)
    yield "filing_queue", cid, contract_queue_row(c)
    if isinstance(domain_event, Contract.Signed):  # a contract's stations never change after signing
        for station_id in c.station_ids:
            yield "contract_stations", f"{cid}:{station_id}", {"contract_id": cid, "station_id": station_id}
    if isinstance(domain_event, Contract.Disbursed):
        for d in c.disbursements:  # rows keyed by instalment: writing them again changes nothing
            yield "disbursements", f"{cid}:{d['instalment']}", disbursement_row(c, d)


def projector(load: Callable[[Any], Any]) -> Callable[[DomainEventProtocol[Any]], Iterator[Update]]:
    """What each stored event changes in the lists; `load` gets the event's aggregate as it is now."""
    recent = RecentAggregates(load)

    def project(domain_event: DomainEventProtocol[Any]) -> Iterator[Update]:
        if isinstance(domain_event, SourceBudget.Event):
            budget = recent.of(domain_event)
            yield "sources", str(budget.id), budget_row(budget)
        elif isinstance(domain_event, Contract.Event):
            yield from _contract_updates(recent.of(domain_event), domain_event)
        elif isinstance(domain_event, ProjectPlan.Event):
            plan = recent.of(domain_event)
            pid = str(plan.id)
            yield "project_plans", pid, plan_row(plan)
            yield "filing_queue", pid, plan_queue_row(plan)
        else:
            for event_class, (name, row) in _ROWS.items():
                if isinstance(domain_event, event_class):
                    aggregate = recent.of(domain_event)
                    yield name, str(aggregate.id), row(aggregate)
        # cap ledgers have no list: GET /assistance-cap answers for one area and year

    return project


# --- what a page shows beyond the index ---------------------------------------------------------------


def presenter(list_name: str, today: date | None = None) -> Callable[[Rows], Rows]:
    """Turns stored rows into answered rows: fen to yuan strings, disbursement source lines, waiting days."""
    money = MONEY_FIELDS[list_name]

    def present(rows: Rows) -> Rows:
        shown = []
        for row in rows:
            row = {k: v for k, v in row.items() if not k.startswith("from_")}
            row.update({name: yuan_text(row.get(name)) for name in money})
            if list_name == "disbursements":
                row["sources"] = _source_lines(str(row.get("sources") or ""))
            if list_name == "filing_queue" and today is not None:
                row["waiting_days"] = (today - date.fromisoformat(str(row["since"]))).days
            shown.append(row)
        return shown

    return present


def _source_lines(stored: str) -> list[dict[str, str]]:
    lines = []
    for part in filter(None, stored.split(";")):
        kind, _, amount = part.partition("=")
        lines.append({"source": kind, "amount": yuan_text(int(amount)) or "0.00"})
    return lines
