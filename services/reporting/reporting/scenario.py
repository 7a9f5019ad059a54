"""A synthetic year of the platform's published events (all four topics), for tests, demos and
benchmarks: CloudEvents envelopes exactly as the relays publish them, keyed by aggregate id, plus
the plain records they were made from (`truth`) so a test can compute the expected figures
without this service's code. Deterministic for a given seed. No personal data.

The year is made for a deployment's root (by default the reporting settings' default city): its areas
and their names come from the pinned area file, each county's network from the pinned targets file (the
counties under the root that have targets), the provincial pilots from the reporting rules; the code names
no area of its own."""

from __future__ import annotations

import csv
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from pzh_shared.areas import depth, within
from pzh_shared.envelope import Envelope, event_id

from reporting.reports import rules
from reporting.settings import ReportingSettings


def _data_dir() -> Path:
    """The repository's deploy/data (the pinned reference files) when running from a checkout, else
    deploy/data under the working directory, as the registry finds them."""
    checkout = Path(__file__).resolve().parents[3] / "deploy" / "data"
    return checkout if checkout.is_dir() else Path("deploy/data")


AREAS_FILE = _data_dir() / "areas-2023.csv"
TARGETS_FILE = _data_dir() / "targets-2021.csv"
# The settings' default, not the environment's: the same seed must give the same year on every machine.
DEFAULT_ROOT: str = ReportingSettings.model_fields["city_code"].default
DOMAINS = ("social_assistance", "elderly_care", "child_welfare", "disability")
STAGES = ("intake", "assessment", "plan", "intervention", "evaluation", "closing")
TOPIC = {
    "registry": "registry.events",
    "talent": "talent.events",
    "casework": "casework.events",
    "funding": "funding.events",
}


@dataclass(frozen=True)
class Network:
    """What the year is made of: the root and the areas between it and the counties (code, parent, level,
    name; parents first, the root's parent None as the root is the top of what is published), the counties
    with their names, parents and annex targets (general station, township stations, village rooms) in code order,
    and the provincial pilot counties among them."""

    areas: tuple[tuple[str, str | None, str, str], ...]
    counties: dict[str, str]
    parents: dict[str, str]
    targets: dict[str, tuple[int, int, int]]
    pilots: frozenset[str]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


@lru_cache(maxsize=8)
def network(root: str = DEFAULT_ROOT, year: int = 2024) -> Network:
    """The root's network from the pinned files (each county's latest targets; the pilots of the rules in
    force on the year's first day)."""
    by_code = {row["code"]: row for row in _rows(AREAS_FILE)}
    latest = sorted(_rows(TARGETS_FILE), key=lambda row: int(row["year"]))
    targets = {row["county_code"]: (int(row["general_station"]), int(row["township_station"]),
                                    int(row["village_room"])) for row in latest}
    counties = sorted(code for code in targets if code in by_code and code != root and within(code, root))
    if root not in by_code or not counties:
        raise ValueError(f"{root}: not in {AREAS_FILE}, or no county under it has targets in {TARGETS_FILE}")
    between: set[str] = set()
    for county in counties:
        up = by_code[county]["parent_code"]
        while up != root:
            between.add(up)
            up = by_code[up]["parent_code"]
    areas: list[tuple[str, str | None, str, str]] = [(root, None, by_code[root]["level"], by_code[root]["name"])]
    areas += [(code, by_code[code]["parent_code"], by_code[code]["level"], by_code[code]["name"])
              for code in sorted(between, key=lambda code: (depth(code), code))]
    pilots = frozenset(rules.load().at(date(year, 1, 1)).provincial_pilot_counties) & set(counties)
    return Network(tuple(areas), {code: by_code[code]["name"] for code in counties},
                   {code: by_code[code]["parent_code"] for code in counties},
                   {code: targets[code] for code in counties}, pilots)


# The default root's counties and pilots, for the callers that predate `network`.
COUNTIES = network().counties
PILOTS = set(network().pilots)


@dataclass
class Scenario:
    events: list[tuple[str, Envelope]] = field(default_factory=list)  # (topic, envelope) in publication order
    truth: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _versions: dict[str, int] = field(default_factory=dict)

    def emit(self, event_type: str, subject: str, data: dict[str, Any]) -> None:
        version = self._versions[subject] = self._versions.get(subject, 0) + 1
        service = event_type.split(".")[0]
        self.events.append((TOPIC[service], Envelope(
            id=event_id(subject, version), source=f"/{service}", type=event_type, subject=subject,
            time=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=len(self.events)), data=data)))

    def record(self, kind: str, **row: Any) -> None:
        self.truth.setdefault(kind, []).append(row)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _areas(s: Scenario, net: Network, year: int) -> dict[str, str]:
    """The administrative areas the stations sit in, as the registry publishes them, with a year of
    changes: per county the townships of its township stations (named after the county: the area file
    has no township of these synthetic codes), one more that the first station covers (片区), one with no
    station; the middle county (in code order) gets a township on 1 July, numbered next after its last;
    the last county's station-less township is merged into its first on 1 April; the first county's first
    township is renamed on 1 March; the second-to-last county's second township is flagged reform-affected
    on 1 February. Odd-numbered townships are reform-affected (涉改) from the start. No randomness, so
    the rest of the scenario draws the same numbers as before. Returns each code's first name."""
    start = date(year - 2, 1, 1)
    first: dict[str, str] = {}

    def register(code: str, parent: str | None, lvl: str, name: str, reform: bool, valid_from: date) -> None:
        subject = str(uuid.uuid5(uuid.NAMESPACE_URL, f"area:{code}"))
        s.emit("registry.area.registered.v1", subject, {
            "area_code": code, "parent_code": parent, "level": lvl, "name": name, "reform_affected": reform,
            "valid_from": valid_from.isoformat(), "vintage": str(valid_from.year)})
        s.record("areas", area_code=code, level=lvl, valid_from=valid_from, valid_to=None,
                 names=[(valid_from, name)], reform=[(valid_from, reform)])
        first[code] = name

    def change(code: str, on: date, change: str, **data: Any) -> None:
        subject = str(uuid.uuid5(uuid.NAMESPACE_URL, f"area:{code}"))
        s.emit(
            "registry.area.changed.v1",
            subject,
            {"area_code": code, "change": change, "effective_on": on.isoformat(), **data},
        )
        row = next(a for a in s.truth["areas"] if a["area_code"] == code)
        if change == "renamed":
            row["names"].append((on, data["name"]))
        elif change == "reform_flag_set":
            row["reform"].append((on, data["reform_affected"]))
        else:
            row["valid_to"] = on

    for code, parent, lvl, name in net.areas:
        register(code, parent, lvl, name, False, start)
    for county, (_, t, v) in net.targets.items():
        register(county, net.parents[county], "county", net.counties[county], False, start)
        for n in range(1, t + 3):
            register(f"{county}{n:03d}", county, "township", f"{net.counties[county]}第{n}镇", n % 2 == 1, start)
        for i in range(1, v):
            code = f"{county}{1 + i % max(t, 1):03d}{i:03d}"
            register(code, code[:9], "village", f"{first[code[:9]]}第{i}村", False, start)
    counties = list(net.counties)
    grown, merging, renamed = counties[len(counties) // 2], counties[-1], counties[0]
    flagged = counties[max(len(counties) - 2, 0)]
    last = max(int(code[6:]) for code in first if len(code) == 9 and code.startswith(grown))
    register(f"{grown}{last + 1:03d}", grown, "township", f"{net.counties[grown]}新设街道", False, date(year, 7, 1))
    station_less = f"{merging}{net.targets[merging][1] + 2:03d}"
    change(station_less, date(year, 4, 1), "merged", successors=[f"{merging}001"])
    change(f"{renamed}001", date(year, 3, 1), "renamed", name=f"{net.counties[renamed]}新城街道")
    change(f"{flagged}002", date(year, 2, 1), "reform_flag_set", reform_affected=True)
    return first



def build(seed: int = 7, year: int = 2024, root: str = DEFAULT_ROOT) -> Scenario:
    rng = random.Random(seed)
    s = Scenario()
    net = network(root, year)
    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    area_names = _areas(s, net, year)
    revised = list(net.counties)[len(net.counties) // 2]  # the county that also gains a township
    for county, (g, t, v) in net.targets.items():
        subject = str(uuid.uuid5(uuid.NAMESPACE_URL, f"targets:{county}:{year}"))
        on = date(year, 1, 5)
        s.emit("registry.target.set.v1", subject, {"county_code": county, "year": year, "general_station": g,
               "township_station": t, "village_room": v, "effective_on": on.isoformat(), "source": "annex1"})
        s.record("targets", county=county, year=year, on=on, values=(g, t, v))
        if county == revised:  # revised in the second quarter
            on2 = date(year, 5, 10)
            s.emit(
                "registry.target.set.v1",
                subject,
                {
                    "county_code": county,
                    "year": year,
                    "general_station": 1,
                    "township_station": t + 1,
                    "village_room": v + 2,
                    "effective_on": on2.isoformat(),
                    "source": "administrator",
                },
            )
            s.record("targets", county=county, year=year, on=on2, values=(1, t + 1, v + 2))
    stations: list[dict[str, Any]] = []
    for county, (_, t, v) in net.targets.items():
        plan = [("general_station", county)]
        plan += [("township_station", f"{county}{i:03d}") for i in range(1, t + 1)]
        plan += [
            ("village_room", f"{county}{1 + i % max(t, 1):03d}{i:03d}") for i in range(1, v)
        ]  # one short of target
        for tier, area in plan:
            sid = _uuid(rng)
            pilot = tier == "township_station" and county in net.pilots
            opened = _day(rng, date(year - 1, 6, 1), date(year, 9, 30))
            name = area_names[area] + {"general_station": "社会工作服务总站", "township_station": "社会工作服务站",
                                       "village_room": "社会工作服务室"}[tier]
            # the county's first township station also serves the next township (片区化)
            covers = [f"{county}{t + 1:03d}"] if area == f"{county}001" and tier == "township_station" else []
            s.emit(
                "registry.station.planned.v1",
                sid,
                {
                    "station_id": sid,
                    "tier": tier,
                    "area_code": area,
                    "county_code": county,
                    "name": name,
                    "construction_mode": "county_self_built",
                    "operating_model": "self_operated",
                    "agency": None,
                    "provincial_pilot": pilot,
                    "governance_pilot": False,
                    "covers": covers,
                    "planned_on": (opened - timedelta(days=30)).isoformat(),
                },
            )
            s.emit(
                "registry.station.opened.v1",
                sid,
                {
                    "station_id": sid,
                    "tier": tier,
                    "area_code": area,
                    "county_code": county,
                    "name": name,
                    "opened_on": opened.isoformat(),
                },
            )
            level_on = opened + timedelta(days=20)
            s.emit(
                "registry.station.level_changed.v1",
                sid,
                {"station_id": sid, "level": "basic", "previous_level": "none", "effective_on": level_on.isoformat()},
            )
            row = {"station_id": sid, "tier": tier, "area_code": area, "county": county, "pilot": pilot,
                   "opened_on": opened, "closed_on": None, "level_on": level_on, "name": name, "covers": covers}
            if tier == "village_room" and rng.random() < 0.15:
                closed = _day(rng, opened + timedelta(days=1), dec31)
                s.emit(
                    "registry.station.closed.v1",
                    sid,
                    {"station_id": sid, "effective_on": closed.isoformat(), "reason": "撤并"},
                )
                row["closed_on"] = closed
            stations.append(row)
            s.record("stations", **row)
    township = [st for st in stations if st["tier"] == "township_station"]
    for st in township:
        for _ in range(rng.randint(1, 4)):  # social workers, some certified this year
            wid = _uuid(rng)
            since = _day(rng, date(year - 1, 1, 1), date(year, 6, 30))
            s.emit(
                "talent.worker.assigned.v1",
                wid,
                {
                    "worker_id": wid,
                    "station_id": st["station_id"],
                    "employment": "full_time",
                    "assigned_on": since.isoformat(),
                },
            )
            certified = _day(rng, jan1, dec31) if rng.random() < 0.6 else None
            if certified and certified >= since:
                s.emit("talent.worker.certified.v1", wid, {"worker_id": wid, "level": "assistant_social_worker",
                                                            "certified_on": certified.isoformat()})
            else:
                certified = None
            s.record("workers", worker_id=wid, station_id=st["station_id"], since=since, certified_on=certified)
        for _ in range(rng.randint(5, 40)):  # volunteers trained, some twice
            vid = _uuid(rng)
            first = _day(rng, jan1, dec31)
            s.emit("talent.volunteer.registered.v1", vid, {"volunteer_id": vid, "station_id": st["station_id"],
                                                            "registered_on": first.isoformat()})
            days = sorted({first, _day(rng, first, dec31)} if rng.random() < 0.3 else {first})
            for d in days:
                s.emit(
                    "talent.volunteer.trained.v1",
                    vid,
                    {"volunteer_id": vid, "station_id": st["station_id"], "trained_on": d.isoformat()},
                )
            s.record("volunteer_trainings", volunteer_id=vid, station_id=st["station_id"], first=days[0])
        for _ in range(rng.randint(0, 5)):  # community organisations
            oid = _uuid(rng)
            filed = _day(rng, jan1, date(year, 10, 31))
            incubated = filed + timedelta(days=rng.randint(10, 60))
            kind = rng.choice(["functional_service", "interest_volunteer"])
            reform = rng.random() < 0.4
            s.emit(
                "talent.organisation.filed.v1",
                oid,
                {
                    "organisation_id": oid,
                    "name": "社区社会组织",
                    "host_station_id": st["station_id"],
                    "reform_affected": reform,
                    "filed_on": filed.isoformat(),
                },
            )
            s.emit(
                "talent.organisation.incubated.v1",
                oid,
                {
                    "organisation_id": oid,
                    "host_station_id": st["station_id"],
                    "organisation_type": kind,
                    "reform_affected": reform,
                    "incubated_on": incubated.isoformat(),
                },
            )
            registered = incubated + timedelta(days=rng.randint(5, 40)) if rng.random() < 0.5 else None
            if registered:
                s.emit(
                    "talent.organisation.registered.v1",
                    oid,
                    {
                        "organisation_id": oid,
                        "host_station_id": st["station_id"],
                        # a credit code's digits 3-8 are the registering authority's area: the first county's
                        "registration_number": f"52{next(iter(net.counties))}MJ0000001X",
                        "registered_on": registered.isoformat(),
                    },
                )
            s.record(
                "organisations",
                station_id=st["station_id"],
                incubated_on=incubated,
                registered_on=registered,
                type=kind,
            )
    for st in stations:
        for _ in range(rng.randint(0, 3)):  # cases
            cid = _uuid(rng)
            domain = rng.choice(DOMAINS)
            opened = _day(rng, jan1, date(year, 11, 30))
            ctx = {"case_id": cid, "station_id": st["station_id"], "area_code": st["area_code"], "domain": domain,
                   "risk_level": "medium", "age_band": "60-79"}
            s.emit("casework.case.opened.v1", cid, {**ctx, "opened_on": opened.isoformat()})
            steps, on = [], opened
            for frm, to in zip(STAGES, STAGES[1:rng.randint(1, len(STAGES))], strict=False):
                on = on + timedelta(days=rng.randint(1, 20))
                s.emit(
                    "casework.case.stage_advanced.v1",
                    cid,
                    {**ctx, "from_stage": frm, "stage": to, "advanced_on": on.isoformat()},
                )
                steps.append((on, to))
            closed = None
            if steps and steps[-1][1] == "closing" and rng.random() < 0.7:
                closed = on + timedelta(days=3)
                s.emit(
                    "casework.case.closed.v1",
                    cid,
                    {**ctx, "closed_on": closed.isoformat(), "duration_days": (closed - opened).days},
                )
            if domain == "child_welfare" and rng.random() < 0.5:
                s.emit(
                    "casework.escalation.raised.v1",
                    cid,
                    {
                        **{**ctx, "age_band": "6-13"},
                        "escalation_id": _uuid(rng),
                        "kind": "suspected_child_abuse",
                        "raised_on": opened.isoformat(),
                    },
                )
                s.record("escalations", county=st["county"], on=opened)
            if domain == "social_assistance":
                s.emit(
                    "casework.case.referred.v1",
                    cid,
                    {
                        **ctx,
                        "referral_id": _uuid(rng),
                        "policy": "minimum_living_allowance",
                        "referred_on": opened.isoformat(),
                    },
                )
                s.record("referrals", county=st["county"], on=opened)
            s.record("cases", county=st["county"], domain=domain, opened_on=opened, steps=steps, closed_on=closed)
        if rng.random() < 0.5:  # a complaint and surveys
            qid = _uuid(rng)
            received = datetime.combine(_day(rng, jan1, date(year, 11, 30)), datetime.min.time(), UTC) + timedelta(
                hours=rng.randint(0, 23)
            )
            s.emit(
                "casework.complaint.received.v1",
                qid,
                {
                    "complaint_id": qid,
                    "station_id": st["station_id"],
                    "channel": "phone",
                    "received_at": received.isoformat(),
                },
            )
            response, resolution = rng.randint(1, 48), rng.randint(49, 300)
            closed_at = received + timedelta(hours=resolution)
            s.emit(
                "casework.complaint.closed.v1",
                qid,
                {
                    "complaint_id": qid,
                    "station_id": st["station_id"],
                    "channel": "phone",
                    "received_at": received.isoformat(),
                    "closed_at": closed_at.isoformat(),
                    "response_hours": float(response),
                    "resolution_hours": float(resolution),
                },
            )
            s.record(
                "complaints", county=st["county"], received_at=received, closed_at=closed_at, response_hours=response
            )
            for respondent in ("client", "purchaser"):
                score = rng.randint(70, 100)
                on = _day(rng, jan1, dec31)
                sid = _uuid(rng)
                s.emit(
                    "casework.survey.recorded.v1",
                    sid,
                    {
                        "survey_id": sid,
                        "station_id": st["station_id"],
                        "respondent": respondent,
                        "method": "questionnaire",
                        "score": float(score),
                        "surveyed_on": on.isoformat(),
                    },
                )
                s.record("surveys", county=st["county"], on=on, score=score)
    for county in net.counties:
        total = rng.randint(5_000_000_00, 20_000_000_00)
        cap = total * 3 // 100
        s.emit(
            "funding.hardship_spending.recorded.v1",
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"cap:{county}:{year - 1}")),
            {
                "area_code": county,
                "year": year - 1,
                "total": _money(total),
                "cap_year": year,
                "cap": _money(cap),
                "recorded_on": date(year, 1, 10).isoformat(),
            },
        )
        s.record("caps", county=county, year=year, cap=cap)
        bid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"budget:{county}:{year}:social_assistance"))
        s.emit(
            "funding.source.budgeted.v1",
            bid,
            {
                "budget_id": bid,
                "area_code": county,
                "year": year,
                "source": "social_assistance",
                "amount": _money(cap),
                "budgeted_on": date(year, 1, 12).isoformat(),
            },
        )
        cid = _uuid(rng)
        amount = rng.randint(100_000_00, cap)
        lottery = amount // 2
        assistance = amount - lottery
        signed = date(year, 2, 1)
        station_ids = [st["station_id"] for st in township if st["county"] == county]
        s.emit(
            "funding.contract.signed.v1",
            cid,
            {
                "contract_id": cid,
                "purchaser": "civil_affairs",
                "provider_agency": "某社工机构",
                "station_ids": station_ids,
                "area_code": county,
                "amount": _money(amount),
                "period_start": signed.isoformat(),
                "period_end": dec31.isoformat(),
                "sources": [
                    {"source": "welfare_lottery", "amount": _money(lottery)},
                    {"source": "social_assistance", "amount": _money(assistance)},
                ],
                "signed_on": signed.isoformat(),
            },
        )
        paid = 0
        for instalment, paid_on in enumerate((date(year, 3, 1), date(year, 8, 1)), start=1):
            part_l, part_a = lottery // 2, assistance // 2
            paid += part_l + part_a
            s.emit(
                "funding.funds.disbursed.v1",
                cid,
                {
                    "contract_id": cid,
                    "area_code": county,
                    "funding_area_code": county,
                    "year": year,
                    "instalment": instalment,
                    "milestone": f"第{instalment}期",
                    "amount": _money(part_l + part_a),
                    "sources": [
                        {"source": "welfare_lottery", "amount": _money(part_l)},
                        {"source": "social_assistance", "amount": _money(part_a)},
                    ],
                    "paid_on": paid_on.isoformat(),
                    "contract_amount": _money(amount),
                    "paid_to_date": _money(paid),
                    "evaluation": None,
                },
            )
            s.record("disbursements", county=county, paid_on=paid_on, total=part_l + part_a, assistance=part_a)
    return s
