"""`make demo`: drives a running platform through the gateway's public API with a realistic, seeded
year of the city's social work system, then generates that year's quarterly notices.

    python -m localinfra.demo --gateway http://127.0.0.1:8100 --username admin --password ...

The year's data is a plain data structure (`build_scenario()`): the annex 1 network (48 stations in
the five counties, opened through the year), workers with their exams and certificates, station
heads, volunteers and their trainings, organisation incubations, cases (obviously fake clients),
complaints and surveys, budgets, the 3% cap, contracts and their instalments; and the items built later (client
categories, project beneficiaries, guidance visits, subsidies and awards, a 公益创投 round, community funds, charity
needs and donation points). Every command carries
its business date, so the notices of that year are reproducible and a test can compute every
expected figure from the same structure (tests/e2e/test_quarterly_scenario.py).

The demo year is the plan's first year (2021): every API used takes the business date. After it, a small
current layer (`build_current()`) dated in the nine weeks before today (China time) keeps the work
queues alive: open cases of the demo social worker with deadlines overdue, due today and upcoming, a
plan and a closing waiting for the demo supervisor, contracts of the demo county waiting to be
filed, an open complaint. None of it falls into the demo year, so the year's notices stay as they
are; on a clock that would put it there the layer is left out, with a note. Townships and villages
get codes 0xx (e.g. 510421001), apart from the 1xx-9xx codes the e2e tests draw at random, and every
person is invented (names like 演示社工007, ID numbers in the non-existent area 510499). At the end
the demo prints, for each demo account, what its first console page shows."""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

DEMO_YEAR = 2021  # the plan's year (annex 1: 各县(区)2021年社会工作服务站(室)建设任务表)
SEED = 20250101
CHINA = timezone(timedelta(hours=8))
# code, name, annex 1 targets (general station / township stations / village rooms), provincial social
# work pilot (its township stations are provincial pilot stations), urban-rural governance pilot
COUNTIES = [
    ("510402", "东区", (1, 4, 7), True, False),
    ("510403", "西区", (1, 1, 4), False, True),
    ("510411", "仁和区", (1, 3, 8), False, False),
    ("510421", "米易县", (1, 3, 9), True, False),
    ("510422", "盐边县", (1, 1, 3), False, False),
]
NUMERALS = "一二三四五六七八九十"
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
ORG_THEMES = ("邻里互助", "银龄志愿", "青少年成长", "文体兴趣", "平安巡防", "环境守护")


# --- the scenario: plain data ----------------------------------------------------------------------
@dataclass(frozen=True)
class Area:
    code: str
    name: str
    reform_affected: bool


@dataclass(frozen=True)
class Station:
    key: str
    name: str
    tier: str  # general_station / township_station / village_room
    area_code: str
    county: str
    opened_on: date
    provincial_pilot: bool = False
    governance_pilot: bool = False
    construction_mode: str = "county_self_built"


@dataclass(frozen=True)
class Certificate:
    level: str
    exam_year: int
    sat_on: date
    certified_on: date


@dataclass(frozen=True)
class Worker:
    key: str
    name: str
    id_number: str
    phone: str
    registered_on: date
    station: str  # station key
    employment: str
    assigned_on: date
    certificates: tuple[Certificate, ...] = ()  # in order; the first one makes a newly certified worker
    head_on: date | None = None
    trainings: tuple[tuple[str, float, date], ...] = ()  # kind, hours, completed_on


@dataclass(frozen=True)
class Volunteer:
    number: str
    name: str
    id_number: str
    phone: str
    station: str  # the station that registered (and, when trained_on, trained) them
    registered_on: date
    trained_on: date | None
    # later trainings: (station key, day); a volunteer counts once per station and year
    more_trainings: tuple[tuple[str, date], ...] = ()


@dataclass(frozen=True)
class Organisation:
    name: str
    station: str
    community: str  # the village (社区) it is filed in: whether it is 涉改 is the registry's flag of that village
    filed_on: date
    started_on: date | None
    incubated_on: date | None
    organisation_type: str
    registered_on: date | None = None
    registration_number: str = ""


@dataclass(frozen=True)
class Case:
    key: str
    client_name: str
    birth_date: date
    station: str
    area_code: str
    domain: str
    opened_on: date
    subtype: str | None = None
    guardian_consent_on: date | None = None  # minors
    referral: tuple[str, date, str, date] | None = None  # policy, referred_on, outcome, decided_on
    abuse_reported_on: date | None = None
    stages: tuple[tuple[str, date], ...] = ()  # stages after intake, each with its day; "closed" = closure
    worker: str | None = None  # the social worker's account; None: the account that opens the case
    categories: tuple[str, ...] = ()  # the client's target groups (服务对象类别) at intake


@dataclass(frozen=True)
class Complaint:
    station: str
    channel: str
    summary: str
    received_at: datetime
    handled_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class Survey:
    station: str
    respondent: str
    method: str
    score: int
    surveyed_on: date


@dataclass(frozen=True)
class Budget:
    county: str
    source: str
    amount: int  # yuan
    budgeted_on: date


@dataclass(frozen=True)
class Hardship:
    county: str
    year: int
    total: int  # yuan
    recorded_on: date


@dataclass(frozen=True)
class Instalment:
    milestone: str
    paid_on: date
    sources: tuple[tuple[str, int], ...]  # (source, yuan)

    @property
    def amount(self) -> int:
        return sum(a for _, a in self.sources)


@dataclass(frozen=True)
class Contract:
    key: str
    county: str
    purchaser: str
    provider_agency: str
    stations: tuple[str, ...]
    service_items: tuple[str, ...]
    sources: tuple[tuple[str, int], ...]
    signed_on: date
    filed_on: date | None  # None: waiting to be filed
    instalments: tuple[Instalment, ...]

    @property
    def amount(self) -> int:
        return sum(a for _, a in self.sources)


@dataclass(frozen=True)
class Project:
    """A service project of a contract at one of its stations, taken to implementation, with the count of people
    it has served recorded from time to time (each count replaces the one before: a lower one corrects it)."""

    key: str
    contract: str  # contract key
    station: str
    domain: str
    title: str
    started_on: date
    implemented_on: date  # design, review and implementation on the days up to it
    beneficiaries: tuple[tuple[int, date], ...]


@dataclass(frozen=True)
class Guidance:
    """A certified worker of the county guiding a township station from `guided_from` (督导), and the visits."""

    station: str
    guide: str  # worker key
    guided_from: date
    visits: tuple[tuple[date, str], ...]  # (day, on_site / remote)


@dataclass(frozen=True)
class Grant:
    kind: str  # subsidy / award
    organisation: str
    purpose: str
    area_code: str
    source: str
    amount: int
    awarded_on: date


@dataclass(frozen=True)
class VentureRound:
    """A 公益创投 round of a county with one application, awarded and paid in instalments."""

    key: str
    county: str
    title: str
    source: str
    budget: int
    opened_on: date
    closes_on: date
    organisation: str
    project: str
    area_code: str
    requested: int
    applied_on: date
    awarded: int
    awarded_on: date
    payments: tuple[tuple[int, date], ...]


@dataclass(frozen=True)
class Fund:
    """A community fund (社区基金) of a village with its gifts (donor kind, donor, yuan, day) and payments to
    projects (project, category, yuan, day)."""

    key: str
    name: str
    area_code: str
    established_on: date
    receipts: tuple[tuple[str, str | None, int, date], ...]
    payments: tuple[tuple[str, str, int, date], ...]


@dataclass(frozen=True)
class CharityNeed:
    area_code: str
    category: str
    summary: str
    recorded_on: date
    met: tuple[str, date] | None = None  # (the fund key that met it, day)


@dataclass(frozen=True)
class DonationPoint:
    name: str
    area_code: str
    operator: str
    location: str
    opened_on: date
    closed_on: date | None = None


@dataclass
class Scenario:
    year: int
    targets: dict[str, tuple[int, int, int]]  # county -> (general, township, village), effective 1 January
    areas: list[Area] = field(default_factory=list)
    stations: list[Station] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    volunteers: list[Volunteer] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    hardship: list[Hardship] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    guidance: list[Guidance] = field(default_factory=list)
    grants: list[Grant] = field(default_factory=list)
    ventures: list[VentureRound] = field(default_factory=list)
    funds: list[Fund] = field(default_factory=list)
    needs: list[CharityNeed] = field(default_factory=list)
    points: list[DonationPoint] = field(default_factory=list)

    def station(self, key: str) -> Station:
        return next(s for s in self.stations if s.key == key)


# --- invented identities ---------------------------------------------------------------------------
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def fake_id_number(born: date, serial: int) -> str:
    """A well-formed resident ID number (GB 11643 check digit) of the non-existent area 510499."""
    first17 = f"510499{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def fake_credit_code(n: int) -> str:
    """A well-formed unified social credit code (GB 32100 check character), marked MJ (民间, invented)."""
    first17 = f"52510400MJ{n:07d}"
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return first17 + _CREDIT_CHARS[(31 - total % 31) % 31]


class _Days:
    """Seeded dates inside the demo year."""

    def __init__(self, rng: random.Random, year: int):
        self.rng, self.year = rng, year

    def between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def months(self, first: int, last: int, year: int | None = None) -> date:
        y = year or self.year
        return self.between(date(y, first, 1), date(y, last, 28))


# --- building the year -----------------------------------------------------------------------------
def build_scenario(year: int = DEMO_YEAR, seed: int = SEED) -> Scenario:
    rng = random.Random(seed)
    days = _Days(rng, year)
    end = date(year, 12, 28)
    sc = Scenario(year=year, targets={code: targets for code, _, targets, _, _ in COUNTIES})
    people = 0

    def person() -> int:
        nonlocal people
        people += 1
        return people

    # the network: one township per township station, villages shared out among them
    for code, name, (_, township, village), pilot, governance in COUNTIES:
        townships = []
        for t in range(township):
            area = Area(
                f"{code}{t + 1:03d}",
                f"{name}演示{NUMERALS[t]}{'街道' if code in ('510402', '510403') else '镇'}",
                reform_affected=t % 2 == 0,
            )  # 8 of the 12: over half in reform-affected townships
            townships.append(area)
            sc.areas.append(area)
        villages = []
        for v in range(village):
            parent = townships[v % township]
            area = Area(f"{parent.code}{v // township + 1:03d}", f"{parent.name}演示{NUMERALS[v // township]}村",
                        reform_affected=rng.random() < 0.4)
            villages.append(area)
            sc.areas.append(area)
        # 盐边县 starts late: its general station opens in July, so the first half-year shows the gap
        general_on = date(year, 7, 8) if code == "510422" else days.months(1, 3)
        sc.stations.append(Station(f"{code}-g", f"{name}社会工作服务总站", "general_station", code, code, general_on,
                                   construction_mode="provincial_award" if pilot else "county_self_built"))
        for t, area in enumerate(townships):
            sc.stations.append(
                Station(
                    f"{code}-t{t + 1}",
                    f"{area.name}社会工作服务站",
                    "township_station",
                    area.code,
                    code,
                    days.months(2, 9),
                    provincial_pilot=pilot,
                    governance_pilot=governance,
                    construction_mode="provincial_award"
                    if pilot
                    else "governance_pilot"
                    if governance
                    else "existing_venue",
                )
            )
        for v, area in enumerate(villages):
            sc.stations.append(
                Station(
                    f"{code}-v{v + 1}",
                    f"{area.name}社会工作服务室",
                    "village_room",
                    area.code,
                    code,
                    days.months(3, 12),
                )
            )

    # staffing: workers with their exams and certificates, heads, trainings
    def certificate(level: str, when: str) -> Certificate:
        if when == "before":  # certified years ago: a certified worker, not a new one
            exam = rng.choice((year - 4, year - 3, year - 2))
            return Certificate(level, exam, date(exam, 6, 18), date(exam, 11, rng.randint(1, 28)))
        if when == "early":  # the previous year's exam, certificate early in the year
            return Certificate(level, year - 1, date(year - 1, 6, 15), days.months(1, 5))
        return Certificate(level, year, date(year, 6, 14), days.months(8, 12))  # this year's exam

    for station in sc.stations:
        if station.tier == "general_station":
            plan = [
                ("full_time", "before", True),
                ("full_time", rng.choice(("early", "late")), False),
                ("part_time", "none", False),
            ]
        elif station.tier == "township_station":
            plan = [("full_time", rng.choice(("before", "early")), True)]
            plan += [(rng.choice(("full_time", "part_time")), rng.choice(("early", "late", "late", "none")), False)
                     for _ in range(rng.randint(1, 3))]
        else:
            plan = [("part_time", rng.choice(("early", "late", "none", "none")), False)] if rng.random() < 0.6 else []
        for n, (employment, when, head) in enumerate(plan):
            p = person()
            assigned_on = min(station.opened_on + timedelta(days=rng.randint(0, 20)), date(year, 12, 31))
            certs: tuple[Certificate, ...] = ()
            if when != "none":
                # an "early" certificate may predate the assignment: certified while at no station, it
                # counts for no station's quota (the talent service's rule), and the notice agrees
                certs = (certificate("assistant_social_worker", when),)
                if when == "before" and rng.random() < 0.3:  # an upgrade this year is not a new certificate
                    certs += (Certificate("social_worker", year, date(year, 6, 14), days.months(9, 12)),)
            head_on = None
            if head:
                head_on = max(assigned_on, certs[0].certified_on) + timedelta(days=rng.randint(1, 10))
            trainings = tuple(
                (kind, float(rng.choice((8, 12, 16, 24))), days.between(assigned_on, end))
                for kind in rng.sample(("graded", "pre_exam", "continuing_education"), rng.randint(0, 2)))
            born = date(1970, 1, 1) + timedelta(days=p * 61)
            sc.workers.append(
                Worker(
                    key=f"{station.key}-w{n + 1}",
                    name=f"演示社工{p:03d}",
                    id_number=fake_id_number(born, p),
                    phone=f"139{p:08d}",
                    registered_on=assigned_on - timedelta(days=rng.randint(0, 30)),
                    station=station.key,
                    employment=employment,
                    assigned_on=assigned_on,
                    certificates=certs,
                    head_on=head_on,
                    trainings=trainings,
                )
            )

    # volunteers, registered and trained by their station (the national system's export, imported as CSV)
    stations_by_county: dict[str, list[Station]] = {}
    for station in sc.stations:
        stations_by_county.setdefault(station.county, []).append(station)
    for station in sc.stations:
        count = {
            "general_station": rng.randint(4, 12),
            "township_station": rng.randint(8, 40),
            "village_room": rng.randint(0, 5),
        }[station.tier]
        general = stations_by_county[station.county][0]
        for _ in range(count):
            p = person()
            registered_on = days.between(date(year - 1, 6, 1), min(end, station.opened_on + timedelta(days=150)))
            roll = rng.random()
            if roll < 0.12:  # trained last year only
                trained_on = days.between(registered_on, date(year - 1, 12, 20)) if registered_on.year < year else None
            else:
                trained_on = days.between(max(registered_on, station.opened_on), end)
            more: list[tuple[str, date]] = []
            if rng.random() < 0.15:  # a refresher at the same station: the same year counts once
                more.append((station.key, days.between(max(registered_on, station.opened_on), end)))
            if station.key != general.key and rng.random() < 0.1:  # a training at the county's general station
                more.append((general.key, days.between(max(registered_on, general.opened_on), end)))
            more = [(k, d) for k, d in more if d != trained_on]
            born = date(1984, 1, 1) + timedelta(days=p * 3)
            sc.volunteers.append(
                Volunteer(
                    number=f"PZH-DEMO-{p:05d}",
                    name=f"演示志愿者{p:04d}",
                    id_number=fake_id_number(born, p),
                    phone=f"137{p:08d}",
                    station=station.key,
                    registered_on=registered_on,
                    trained_on=trained_on,
                    more_trainings=tuple(more),
                )
            )

    # community social organisations: incubated at the stations (pilot stations also get them registered)
    org_n = 0
    villages = [a.code for a in sc.areas if len(a.code) == 12]
    for station in sc.stations:
        if station.tier == "village_room":
            continue
        # a village of the station's township (of its county for a general station)
        communities = [v for v in villages if v.startswith(station.area_code)] or [
            v for v in villages if v.startswith(station.county)]
        pilot = station.provincial_pilot
        count = rng.randint(1, 3) if (pilot or station.tier == "general_station") else rng.randint(2, 8)
        for _ in range(count):
            org_n += 1
            filed_on = days.between(station.opened_on, date(year, 8, 31))
            started_on = filed_on + timedelta(days=rng.randint(10, 60)) if rng.random() < 0.9 else None
            incubated_on = None
            if started_on is not None:
                candidate = started_on + timedelta(days=rng.randint(30, 120))
                incubated_on = candidate if candidate <= end else None
            registered_on = None
            if incubated_on is not None and (pilot or rng.random() < 0.1):
                candidate = incubated_on + timedelta(days=rng.randint(15, 60))
                registered_on = candidate if candidate <= end and rng.random() < 0.8 else None
            kind = rng.choice(("functional_service", "interest_volunteer"))
            sc.organisations.append(
                Organisation(
                    name=(f"{station.name.replace('社会工作服务总站', '').replace('社会工作服务站', '')}"
                          f"{ORG_THEMES[org_n % 6]}会{org_n}"),
                    station=station.key,
                    community=rng.choice(communities),
                    filed_on=filed_on,
                    started_on=started_on,
                    incubated_on=incubated_on,
                    organisation_type=kind,
                    registered_on=registered_on,
                    registration_number=fake_credit_code(org_n) if registered_on else "",
                )
            )

    # cases: invented clients, the casework process, referrals and abuse reports
    domains = (
        "social_assistance",
        "elderly_care",
        "disability",
        "marriage_family",
        "rural_revitalisation",
        "community_governance",
    )
    stages = ("assessment", "plan", "intervention", "evaluation", "closing", "closed")
    case_n = 0
    for station in sc.stations:
        if station.tier == "village_room":
            continue
        for c in range(rng.randint(2, 5)):
            case_n += 1
            opened_on = days.between(max(station.opened_on, date(year, 1, 5)), date(year, 12, 10))
            child = station.tier == "township_station" and station.key.endswith("-t1") and c == 0
            domain = "child_welfare" if child else rng.choice(domains)
            born = date(year - 10, 3, 1) if child else date(1940, 1, 1) + timedelta(days=rng.randint(0, 15000))
            referral = None
            if domain == "social_assistance" and rng.random() < 0.6:
                referral = (
                    rng.choice(
                        ("minimum_living_allowance", "extreme_poverty_support", "medical", "temporary_assistance")
                    ),
                    opened_on + timedelta(days=2),
                    rng.choice(("granted", "granted", "refused")),
                    opened_on + timedelta(days=9),
                )
            reached: list[tuple[str, date]] = []
            on = opened_on + timedelta(days=10)
            for stage in stages[:rng.randint(0, len(stages))]:
                on += timedelta(days=rng.randint(3, 20))
                if on > end:
                    break
                reached.append((stage, on))
            sc.cases.append(
                Case(
                    key=f"case-{case_n}",
                    client_name=f"演示对象{case_n:03d}",
                    birth_date=born,
                    station=station.key,
                    area_code=station.area_code,
                    domain=domain,
                    opened_on=opened_on,
                    subtype=rng.choice(("identification", "resource_linking", "counselling"))
                    if domain == "social_assistance"
                    else None,
                    guardian_consent_on=opened_on if child else None,
                    referral=referral,
                    abuse_reported_on=opened_on + timedelta(days=1) if child else None,
                    stages=tuple(reached),
                )
            )

    # complaints and satisfaction surveys at the township stations
    topics = (
        "活动通知不及时",
        "预约等候时间较长",
        "服务时间与工作时间冲突",
        "希望增加老年人服务项目",
        "办事指引不清楚",
    )
    for station in sc.stations:
        if station.tier != "township_station":
            continue
        for _ in range(rng.randint(0, 3)):
            received = datetime.combine(
                days.between(station.opened_on, date(year, 12, 20)), datetime.min.time(), CHINA
            ) + timedelta(hours=rng.randint(9, 16))
            handled = received + timedelta(hours=rng.choice((2, 4, 6, 24, 48))) if rng.random() < 0.85 else None
            closed = handled + timedelta(hours=rng.choice((24, 48, 72))) if handled and rng.random() < 0.8 else None
            sc.complaints.append(Complaint(station.key, rng.choice(("in_person", "phone", "online", "suggestion_box")),
                                           rng.choice(topics), received, handled, closed))
        for _ in range(rng.randint(2, 5)):
            sc.surveys.append(Survey(station.key, rng.choice(("client", "purchaser", "implementer")),
                                     rng.choice(("interview", "phone", "questionnaire")), rng.randint(70, 100),
                                     days.between(station.opened_on, end)))

    # money: budgets, last year's hardship spending (this year's 3% cap), contracts and instalments
    hardship_totals = {
        "510402": 2_400_000,
        "510403": 1_800_000,
        "510411": 3_000_000,
        "510421": 3_600_000,
        "510422": 2_000_000,
    }
    for code, name, _, pilot, _ in COUNTIES:
        budgeted_on = date(year, 1, 6)
        for source, amount in (
            ("welfare_lottery", 200_000),
            ("fiscal_county", 300_000),
            ("social_assistance", 100_000),
        ):
            sc.budgets.append(Budget(code, source, amount, budgeted_on))
        if pilot:
            sc.budgets.append(Budget(code, "provincial_pilot_award", 150_000, budgeted_on))
        sc.hardship.append(Hardship(code, year - 1, hardship_totals[code], date(year, 1, 8)))
        cap = hardship_totals[code] * 3 // 100
        assistance = cap * 6 // 10 // 100 * 100
        parts = (("welfare_lottery", 120_000), ("fiscal_county", 150_000), ("social_assistance", assistance))
        county_stations = [s.key for s in stations_by_county[code] if s.tier in ("general_station", "township_station")]
        signed_on = days.between(date(year, 2, 10), date(year, 3, 10))
        filed_on = signed_on + timedelta(days=rng.randint(5, 15))
        share = ((4, "首期"), (3, "中期评估后"), (2, "末期"))
        paid = (filed_on + timedelta(days=10), days.months(7, 8), days.months(11, 11))
        sc.contracts.append(Contract(
            key=f"{code}-main", county=code, purchaser="civil_affairs", provider_agency=f"{name}演示社会工作服务中心",
            stations=tuple(county_stations), service_items=("社会救助服务", "养老服务", "儿童关爱服务"), sources=parts,
            signed_on=signed_on, filed_on=filed_on,
            instalments=tuple(Instalment(milestone, on, tuple((s, a * tenths // 10) for s, a in parts))
                              for (tenths, milestone), on in zip(share, paid, strict=True))))
        if pilot:
            signed_on = days.months(4, 5)
            sc.contracts.append(
                Contract(
                    key=f"{code}-pilot",
                    county=code,
                    purchaser="civil_affairs",
                    provider_agency=f"{name}演示社工事务所",
                    stations=tuple(county_stations[1:]),
                    service_items=("省级试点站点运营",),
                    sources=(("provincial_pilot_award", 100_000),),
                    signed_on=signed_on,
                    filed_on=signed_on + timedelta(days=7),
                    instalments=(Instalment("首期", days.months(9, 10), (("provincial_pilot_award", 50_000),)),),
                )
            )
        if code == "510411":
            signed_on = days.months(4, 4)
            sc.contracts.append(
                Contract(
                    key=f"{code}-disability",
                    county=code,
                    purchaser="disabled_persons_federation",
                    provider_agency="仁和区演示助残服务社",
                    stations=(county_stations[1],),
                    service_items=("残疾人社区康复服务",),
                    sources=(("fiscal_county", 50_000),),
                    signed_on=signed_on,
                    filed_on=signed_on + timedelta(days=5),
                    instalments=(Instalment("首期", days.months(5, 6), (("fiscal_county", 25_000),)),),
                )
            )
    _later_items(sc, random.Random(seed + 1))
    return sc


# the client categories a case's domain suggests (pzh_shared.target_groups); a client may be in none
GROUPS_BY_DOMAIN = {
    "social_assistance": (("hardship_family",), ("hardship_family", "disabled")),
    "elderly_care": (("empty_nest_elderly",), ("left_behind_elderly",), ("empty_nest_elderly", "hardship_family")),
    "disability": (("disabled",),),
    "child_welfare": (("child_in_difficulty",),),
    "rural_revitalisation": (("relocated",), ("migrant",)),
    "community_governance": (("migrant",),),
    "marriage_family": ((),),
}


def _later_items(sc: Scenario, rng: random.Random) -> None:
    """What the platform learnt after the scenario was first written (issue 17 items 11, 13, 14, 15): client
    categories, project beneficiaries, guidance visits, money beyond purchases and community charity. Drawn from
    a generator of their own, so the year's earlier data (and its notices) stay as they were; none of it is a
    contract instalment, so the notices' `disbursed` does not move."""
    year = sc.year
    sc.cases[:] = [replace(c, categories=rng.choice(GROUPS_BY_DOMAIN[c.domain])) if rng.random() < 0.75 else c
                   for c in sc.cases]
    for n, (code, name, _, pilot, _) in enumerate(COUNTIES):
        here = [s for s in sc.stations if s.county == code]
        general = next(s for s in here if s.tier == "general_station")
        township = next(s for s in here if s.tier == "township_station")
        village = next(a.code for a in sc.areas if len(a.code) == 12 and a.code.startswith(township.area_code))
        main = next(c for c in sc.contracts if c.key == f"{code}-main")
        # two projects of the county's main contract; a later count replaces the earlier one (one is corrected down)
        for p, station in enumerate((general, township)):
            started = max(main.signed_on, station.opened_on) + timedelta(days=rng.randint(5, 20))
            implemented = started + timedelta(days=21)
            counts = [rng.randint(8, 30)]
            counts += [counts[-1] + rng.randint(0, 25), counts[-1] + rng.randint(-3, 40)]
            days = [implemented + timedelta(days=10), date(year, 9, 15), date(year, 11, 20)]
            sc.projects.append(Project(
                f"{code}-project-{p + 1}", main.key, station.key, ("elderly_care", "child_welfare")[p],
                f"{name}演示{('银龄关爱', '童伴成长')[p]}项目", started, implemented,
                tuple(sorted(((max(c, 0), d) for c, d in zip(counts, days, strict=True) if d > implemented),
                             key=lambda count: count[1]))))
        # the general station's head (certified years ago) guides the first township station, on site or remotely
        guide = next(w for w in sc.workers if w.station == general.key and w.head_on)
        guided_from = max(township.opened_on, guide.assigned_on, guide.head_on) + timedelta(days=3)
        visits = tuple((d, ("on_site", "remote")[v % 2]) for v, d in enumerate(
            guided_from + timedelta(days=k) for k in (5, 40, 95, 150)) if d <= date(year, 12, 20))
        if guided_from <= date(year, 12, 20):
            sc.guidance.append(Guidance(township.key, guide.key, guided_from, visits))
        agency = main.provider_agency
        sc.grants.append(Grant("subsidy", agency, "站点运营补贴", township.area_code, "fiscal_county",
                               6_000 + 1_000 * n, date(year, (4, 9)[n % 2], 10 + n)))
        if pilot:
            sc.grants.append(Grant("award", agency, "省级试点优秀站点", township.area_code, "welfare_lottery", 5_000,
                                   date(year, 11, 16)))
        awarded = 12_000 + 2_000 * n
        sc.ventures.append(VentureRound(
            f"{code}-venture", code, f"{name}{year}年公益创投", "welfare_lottery", 40_000, date(year, 3, 2),
            date(year, 3, 31), f"{name}演示邻里互助会", "留守儿童陪伴", township.area_code, awarded + 3_000,
            date(year, 3, 12), awarded, date(year, 4, 15),
            ((awarded // 2, date(year, 5, 12 + n)), (awarded - awarded // 2, date(year, 9, 8 + n)))))
        fund = Fund(f"{code}-fund", f"{name}演示社区基金", village, date(year, 3, 1),
                    (("enterprise", f"{name}演示企业", 20_000 + 1_000 * n, date(year, 3, 16)),
                     ("individual", None, 500 * (n + 1), date(year, 8, 1))),
                    (("高龄老人助餐", "elderly", 6_000, date(year, 5, 20)),
                     ("困境儿童课业辅导", "children", 3_000 + 500 * n, date(year, 10, 10))))
        sc.funds.append(fund)
        sc.needs.append(CharityNeed(village, "elderly", "高龄独居老人助餐需求", date(year, 4, 1),
                                    (fund.key, date(year, 5, 20))))
        sc.needs.append(CharityNeed(township.area_code, "children", "困境儿童课业辅导需求", date(year, 9, 5),
                                    (fund.key, date(year, 10, 10)) if n % 2 == 0 else None))
        sc.points.append(DonationPoint(f"{name}演示慈善捐赠点", village, f"{name}慈善会", "村委会一楼",
                                       date(year, 4, 10), date(year, 11, 30) if code == "510403" else None))
        if n == 2:
            sc.points.append(DonationPoint(f"{name}演示慈善超市", township.area_code, f"{name}慈善会", "街道服务中心",
                                           date(year, 8, 18)))


# --- the current weeks: what the work queues show ---------------------------------------------------
@dataclass(frozen=True)
class Current:
    """The weeks before `today` at the demo accounts' station, so their work queues are alive: open cases of the
    social worker at every stage (some overdue, one due today), a plan and a closing waiting for the supervisor,
    one case of the station operator, contracts of the county waiting to be filed and an open complaint. Dated
    after the demo year, so its notices stay as they are."""

    today: date
    cases: tuple[Case, ...]
    contracts: tuple[Contract, ...]
    complaints: tuple[Complaint, ...]


def china_today() -> date:
    return datetime.now(CHINA).date()


def demo_station(sc: Scenario) -> Station:
    """The township station with the most cases of the year: where the demo accounts work."""
    return min((s for s in sc.stations if s.tier == "township_station"),
               key=lambda s: (-sum(c.station == s.key for c in sc.cases), s.key))


# (days before today the case opened, stages after intake as (stage, days before today), domain, the worker's
# role); the deadlines (casework's STEP_DAYS) then fall: 1 upcoming, 2 due today, 3 overdue (plan), 4 waiting for
# the plan's approval, 5 in intervention, 6 waiting for the closing's approval (overdue), 7 the operator's own
CURRENT_CASES: tuple[tuple[int, tuple[tuple[str, int], ...], str, str], ...] = (
    (2, (), "child_welfare", "social_worker"),
    (7, (), "elderly_care", "social_worker"),
    (26, (("assessment", 22),), "social_assistance", "social_worker"),
    (21, (("assessment", 17), ("plan", 4)), "disability", "social_worker"),
    (50, (("assessment", 46), ("plan", 40), ("intervention", 36)), "marriage_family", "social_worker"),
    (63, (("assessment", 60), ("plan", 55), ("intervention", 50), ("evaluation", 20), ("closing", 9)),
     "elderly_care", "social_worker"),
    (5, (), "rural_revitalisation", "station_operator"),
)


def build_current(sc: Scenario, today: date) -> Current | None:
    """The current weeks' data, or None when any of it would fall into the demo year (a machine whose clock
    says the demo year is not over: its notices must not change)."""
    station = demo_station(sc)
    users = {role: name for name, role, _ in demo_accounts(sc)}
    county = next(c for c in COUNTIES if c[0] == station.county)

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    cases = []
    for n, (opened, stages, domain, role) in enumerate(CURRENT_CASES, start=len(sc.cases) + 1):
        child = domain == "child_welfare"
        born = ago(9 * 365) if child else date(1950, 1, 1) + timedelta(days=n * 97)
        cases.append(Case(key=f"current-case-{n}", client_name=f"演示对象{n:03d}", birth_date=born, station=station.key,
                          area_code=station.area_code, domain=domain, opened_on=ago(opened),
                          subtype="resource_linking" if domain == "social_assistance" else None,
                          guardian_consent_on=ago(opened) if child else None,
                          stages=tuple((stage, ago(days)) for stage, days in stages), worker=users[role]))
    stations = tuple(s.key for s in sc.stations if s.county == county[0] and s.tier != "village_room")
    contracts = (
        Contract(key=f"{county[0]}-current-main", county=county[0], purchaser="civil_affairs",
                 provider_agency=f"{county[1]}演示社会工作服务中心", stations=stations,
                 service_items=("社会救助服务", "养老服务"),
                 sources=(("welfare_lottery", 80_000), ("fiscal_county", 120_000)),
                 signed_on=ago(12), filed_on=None, instalments=()),
        Contract(key=f"{county[0]}-current-children", county=county[0], purchaser="civil_affairs",
                 provider_agency=f"{county[1]}演示社工事务所", stations=(station.key,), service_items=("儿童关爱服务",),
                 sources=(("fiscal_county", 60_000),), signed_on=ago(4), filed_on=None, instalments=()),
    )
    received = datetime.combine(ago(1), datetime.min.time(), CHINA) + timedelta(hours=10)
    complaints = (Complaint(station.key, "phone", "希望增加周末活动时段", received, None, None),)
    current = Current(today, tuple(cases), contracts, complaints)
    days = [d for c in cases for d in (c.opened_on, *(on for _, on in c.stages))]
    days += [c.signed_on for c in contracts] + [received.date()]
    return current if min(days) > date(sc.year, 12, 31) else None


# --- driving the platform --------------------------------------------------------------------------
class DemoError(RuntimeError):
    pass


class AlreadyLoaded(DemoError):
    pass


def _money(yuan: int) -> str:
    return f"{Decimal(yuan):.2f}"


class Driver:
    """Sends the scenario's commands through the gateway; stops at the first refusal, naming it."""

    def __init__(self, client: httpx.Client, say=print):
        self.client, self.say = client, say
        self.ids: dict[str, str] = {}
        self.calls = 0
        self.supervisors: dict[str, dict[str, str]] = {}  # county -> the headers of its approving supervisor

    def supervisor(self, county: str) -> dict[str, str]:
        """The headers of a supervisor account of the county, made (or its password renewed) by the loading
        administrator: the gateway takes a case plan's or closing's approval only from a supervisor of the case's
        station or county, and never from the case's own worker (issue 18)."""
        if county not in self.supervisors:
            from localinfra.run import new_password

            username, password = f"demo-loader-supervisor-{county}", new_password()
            made = self.call("POST", "/api/gateway/users", {"username": username, "password": password,
                                                             "role": "supervisor", "area_code": county},
                             expect=(201, 409))
            if "error" in made:  # made by an earlier run: a new password for this one
                self.call("POST", f"/api/gateway/users/{username}/password", {"password": password})
            signed = self.call("POST", "/api/gateway/login", {"username": username, "password": password})
            self.supervisors[county] = {"Authorization": f"Bearer {signed['access_token']}"}
        return self.supervisors[county]

    def call(
        self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> Any:
        for attempt in range(5):
            reply = self.client.request(method, path, json=body, **kwargs)
            self.calls += 1
            if reply.status_code not in (429, 502, 503) or attempt == 4:
                break
            time.sleep(1 + attempt)  # rate limit or a service still starting: try again
        if reply.status_code not in expect:
            raise DemoError(f"{method} {path} 未成功（HTTP {reply.status_code}）：{reply.text[:500]}")
        return reply.json() if reply.content else None

    def load(self, sc: Scenario, today: date | None = None) -> dict[str, str]:
        """The year, then the current weeks before `today` (default: today in China)."""
        first = sc.areas[0].code
        if self.client.get(f"/api/areas/{first}").status_code == 200:
            raise AlreadyLoaded(
                f"行政区划 {first} 已登记：演示数据已加载过（如需重来：停止 make run，执行 make clean 后再启动）"
            )
        y = sc.year
        self.say(f"【1/9】设定 {y} 年各县(区)建设目标（附件1）……")
        for county, (g, t, v) in sc.targets.items():
            self.call(
                "PUT",
                f"/api/targets/{county}/{y}",
                {"general_station": g, "township_station": t, "village_room": v, "on": f"{y}-01-01"},
            )
        self.say(f"【2/9】登记 {len(sc.areas)} 个乡镇(街道)与村(社区)，开设 {len(sc.stations)} 个站点……")
        rows = io.StringIO()
        writer = csv.writer(rows)
        writer.writerow(["code", "name", "reform_affected", "valid_from"])
        for area in sc.areas:
            writer.writerow([area.code, area.name, "是" if area.reform_affected else "否", "2020-01-01"])
        self.call("POST", "/api/areas/import", content=rows.getvalue().encode(), headers={"content-type": "text/csv"})
        for s in sc.stations:
            reply = self.call("POST", "/api/stations", {
                "name": s.name, "tier": s.tier, "area_code": s.area_code, "opened_on": s.opened_on.isoformat(),
                "planned_on": (s.opened_on - timedelta(days=30)).isoformat(), "provincial_pilot": s.provincial_pilot,
                "governance_pilot": s.governance_pilot, "construction_mode": s.construction_mode})
            self.ids[s.key] = reply["station_id"]
        self._staff(sc)
        self._volunteers(sc)
        self._organisations(sc)
        self._cases(sc)
        self._feedback(sc)
        self._money(sc)
        self._later(sc)
        self.load_current(sc, build_current(sc, today or china_today()))
        self.say(f"数据加载完成：共调用接口 {self.calls} 次。")
        return self.ids

    def load_current(self, sc: Scenario, current: Current | None) -> None:
        """The current weeks after the year (its stations and supervisors), or a note why there are none."""
        if current is None:
            self.say(f"注意：未加载近期数据（在办个案、待审批、待备案）：其日期（今天之前的九周内）"
                     f"会落入 {sc.year} 年，改变该年的通报")
            return
        self.say(f"【近期】截至 {current.today}：{len(current.cases)} 个在办个案、"
                 f"{len(current.contracts)} 份待备案合同、{len(current.complaints)} 件待办投诉……")
        for case in current.cases:
            self._case(sc, case)
        for contract in current.contracts:
            self._contract(contract)
        for complaint in current.complaints:
            self._complaint(sc, complaint)

    def _staff(self, sc: Scenario) -> None:
        self.say(f"【3/9】登记 {len(sc.workers)} 名社工：考试、持证、到岗、站长任命与培训……")
        for w in sc.workers:
            # registered by the office of the station's area, where the worker's list shows them until employed
            registration = {"name": w.name, "id_number": w.id_number, "phone": w.phone,
                            "registered_on": w.registered_on.isoformat(), "area_code": sc.station(w.station).area_code}
            wid = self.ids[w.key] = self.call("POST", "/api/workers", registration)["worker_id"]
            # certificates before this station (never later than assignment) are entered first, as they were
            early = [c for c in w.certificates if c.certified_on < w.assigned_on]
            for c in early:
                self._certify(wid, c)
            self.call(
                "POST",
                f"/api/workers/{wid}/assignment",
                {
                    "station_id": self.ids[w.station],
                    "employment": w.employment,
                    "assigned_on": w.assigned_on.isoformat(),
                },
            )
            late = [c for c in w.certificates if c not in early]
            if w.head_on is not None:
                for c in [c for c in late if c.certified_on < w.head_on]:
                    self._certify(wid, c)
                late = [c for c in late if c.certified_on >= w.head_on]
                self.call(
                    "PUT",
                    f"/api/talent/stations/{self.ids[w.station]}/head",
                    {"worker_id": wid, "appointed_on": w.head_on.isoformat()},
                )
            for c in late:
                self._certify(wid, c)
            for kind, hours, on in w.trainings:
                self.call(
                    "POST",
                    f"/api/workers/{wid}/trainings",
                    {"kind": kind, "hours": hours, "completed_on": on.isoformat()},
                )

    def _certify(self, wid: str, c: Certificate) -> None:
        exam = {"level": c.level, "exam_year": c.exam_year}
        self.call("POST", f"/api/workers/{wid}/exams", exam)
        self.call("POST", f"/api/workers/{wid}/exams/sitting", {**exam, "sat_on": c.sat_on.isoformat()})
        self.call("POST", f"/api/workers/{wid}/exams/result", {**exam, "passed": True})
        self.call(
            "POST", f"/api/workers/{wid}/certification", {"level": c.level, "certified_on": c.certified_on.isoformat()}
        )

    def _volunteers(self, sc: Scenario) -> None:
        self.say(f"【4/9】从全国志愿服务信息系统导出表导入 {len(sc.volunteers)} 名志愿者及其培训……")
        for station in sc.stations:
            mine = [v for v in sc.volunteers if v.station == station.key]
            if not mine:
                continue
            rows = io.StringIO()
            writer = csv.writer(rows)
            writer.writerow(["志愿者编号", "姓名", "证件号码", "手机号码", "注册日期", "培训日期"])
            for v in mine:
                writer.writerow([v.number, v.name, v.id_number, v.phone, v.registered_on.isoformat(),
                                 v.trained_on.isoformat() if v.trained_on else ""])
            reply = self.call(
                "POST",
                "/api/volunteers/import",
                content=rows.getvalue().encode(),
                headers={"content-type": "text/csv"},
                params={"station_id": self.ids[station.key]},
            )
            if reply["failed"]:
                raise DemoError(f"志愿者导入有 {reply['failed']} 行未成功：{reply['errors'][:3]}")
            for line in reply["volunteers"]:
                self.ids[mine[line["line"] - 2].number] = line["volunteer_id"]
        for v in sc.volunteers:
            for station, on in v.more_trainings:
                self.call(
                    "POST",
                    f"/api/volunteers/{self.ids[v.number]}/trainings",
                    {"station_id": self.ids[station], "trained_on": on.isoformat()},
                )

    def _file_organisation(self, o: Organisation) -> str:
        """Files it in its village. Talent learns the village's reform flag from registry.events: just after the
        areas were registered its stations consumer may not have caught up, which the 422 naming community_code
        says; that one is retried for up to a minute."""
        body = {"name": o.name, "host_station_id": self.ids[o.station], "community_code": o.community,
                "filed_on": o.filed_on.isoformat()}
        for _ in range(60):
            reply = self.call("POST", "/api/organisations", body, expect=(201, 422))
            if "organisation_id" in reply:
                return str(reply["organisation_id"])
            if "community_code" not in reply["error"]["message"]:
                break
            time.sleep(1)
        raise DemoError(f"POST /api/organisations 未成功（HTTP 422）：{reply['error']['message']}")

    def _organisations(self, sc: Scenario) -> None:
        self.say(f"【5/9】备案并孵化 {len(sc.organisations)} 个社区社会组织……")
        for o in sc.organisations:
            oid = self._file_organisation(o)
            if o.started_on:
                self.call("POST", f"/api/organisations/{oid}/incubation", {"started_on": o.started_on.isoformat()})
            if o.incubated_on:
                self.call("POST", f"/api/organisations/{oid}/incubated", {"organisation_type": o.organisation_type,
                                                                          "incubated_on": o.incubated_on.isoformat()})
            if o.registered_on:
                self.call(
                    "POST",
                    f"/api/organisations/{oid}/registration",
                    {"registration_number": o.registration_number, "registered_on": o.registered_on.isoformat()},
                )

    def _cases(self, sc: Scenario) -> None:
        self.say(f"【6/9】登记服务对象（均为虚构）并办理 {len(sc.cases)} 个个案……")
        for c in sc.cases:
            self._case(sc, c)

    def _case(self, sc: Scenario, c: Case) -> None:
        """Registers the case's client (with the guardian's consent for a minor) and walks the case through its
        stages; a plan and a closing are approved on the day the case moves past them."""
        station = self.ids[c.station]
        supervisor = self.supervisor(sc.station(c.station).county)
        client = self.call("POST", "/api/clients", {
            "station_id": station, "area_code": c.area_code, "name": c.client_name,
            "birth_date": c.birth_date.isoformat(), "registered_on": c.opened_on.isoformat(),
            "categories": list(c.categories)})["client_id"]
        if c.guardian_consent_on:
            self.call("POST", f"/api/clients/{client}/consent", {
                "basis": "guardian_consent", "guardian_name": f"{c.client_name}的监护人",
                "guardian_relationship": "母亲", "on": c.guardian_consent_on.isoformat()})
        opening = {"client_id": client, "station_id": station, "area_code": c.area_code, "domain": c.domain,
                   "subtype": c.subtype, "opened_on": c.opened_on.isoformat()}
        case = self.call("POST", "/api/cases", opening | ({"worker": c.worker} if c.worker else {}))["case_id"]
        self.ids[c.key] = case
        if c.abuse_reported_on:
            self.call("POST", f"/api/cases/{case}/abuse-reports", {"on": c.abuse_reported_on.isoformat()})
        if c.referral:
            policy, referred_on, outcome, decided_on = c.referral
            referral = self.call("POST", f"/api/cases/{case}/referrals",
                                 {"policy": policy, "on": referred_on.isoformat()})["referral_id"]
            self.call("POST", f"/api/cases/{case}/referrals/{referral}/outcome",
                      {"outcome": outcome, "on": decided_on.isoformat()})
        for stage, on in c.stages:
            approval = {"on": on.isoformat()}  # the approver is the supervisor signed in
            if stage == "closed":
                self.call("POST", f"/api/cases/{case}/closing-approval", approval, headers=supervisor)
                self.call("POST", f"/api/cases/{case}/closure", {"on": on.isoformat()})
                continue
            if stage == "intervention":
                self.call("POST", f"/api/cases/{case}/plan-approval", approval, headers=supervisor)
            self.call("POST", f"/api/cases/{case}/stage", {"stage": stage, "on": on.isoformat()})

    def _feedback(self, sc: Scenario) -> None:
        self.say(f"【7/9】受理 {len(sc.complaints)} 件投诉，录入 {len(sc.surveys)} 份满意度调查……")
        for c in sc.complaints:
            self._complaint(sc, c)
        for s in sc.surveys:
            self.call("POST", "/api/surveys", {
                "station_id": self.ids[s.station], "area_code": sc.station(s.station).area_code,
                "respondent": s.respondent, "method": s.method, "score": s.score,
                "surveyed_on": s.surveyed_on.isoformat()})

    def _complaint(self, sc: Scenario, c: Complaint) -> None:
        cid = self.call("POST", "/api/complaints", {
            "station_id": self.ids[c.station], "area_code": sc.station(c.station).area_code, "channel": c.channel,
            "summary": c.summary, "received_at": c.received_at.isoformat()})["complaint_id"]
        if c.handled_at:
            self.call("POST", f"/api/complaints/{cid}/handling",
                      {"action": "已联系反映人并安排专人跟进", "handled_at": c.handled_at.isoformat()})
        if c.closed_at:
            self.call("POST", f"/api/complaints/{cid}/closure",
                      {"response": "已整改并回访，反映人表示满意", "closed_at": c.closed_at.isoformat()})

    def _money(self, sc: Scenario) -> None:
        self.say(
            f"【8/9】下达预算、登记上年困难群众救助支出（3% 上限），"
            f"签订并备案 {len(sc.contracts)} 份购买服务合同，分期拨付……"
        )
        for b in sc.budgets:
            self.call(
                "POST",
                "/api/sources",
                {
                    "area_code": b.county,
                    "year": sc.year,
                    "source": b.source,
                    "amount": _money(b.amount),
                    "budgeted_on": b.budgeted_on.isoformat(),
                },
            )
        for h in sc.hardship:
            self.call(
                "POST",
                "/api/hardship-spending",
                {
                    "area_code": h.county,
                    "year": h.year,
                    "total": _money(h.total),
                    "recorded_on": h.recorded_on.isoformat(),
                },
            )
        for c in sc.contracts:
            self._contract(c)

    def _later(self, sc: Scenario) -> None:
        self.say(f"【9/9】补贴奖励 {len(sc.grants)} 笔、公益创投 {len(sc.ventures)} 轮、社区基金 {len(sc.funds)} 个、"
                 f"慈善需求 {len(sc.needs)} 条、捐赠点 {len(sc.points)} 个、督导 {len(sc.guidance)} 站、"
                 f"项目 {len(sc.projects)} 个……")
        for g in sc.grants:
            self.call("POST", "/api/grants", {
                "kind": g.kind, "organisation": g.organisation, "purpose": g.purpose, "area_code": g.area_code,
                "source": g.source, "amount": _money(g.amount), "awarded_on": g.awarded_on.isoformat()})
        for v in sc.ventures:
            rid = self.call("POST", "/api/venture-rounds", {
                "area_code": v.county, "year": sc.year, "title": v.title, "source": v.source,
                "budget": _money(v.budget), "opened_on": v.opened_on.isoformat(),
                "closes_on": v.closes_on.isoformat()})["round_id"]
            applied = self.call("POST", f"/api/venture-rounds/{rid}/applications", {
                "organisation": v.organisation, "project": v.project, "area_code": v.area_code,
                "requested": _money(v.requested), "applied_on": v.applied_on.isoformat()})
            no = applied["applications"][-1]["application_no"]
            application = f"/api/venture-rounds/{rid}/applications/{no}"
            self.call("POST", f"{application}/award", {"amount": _money(v.awarded),
                                                        "awarded_on": v.awarded_on.isoformat()})
            for amount, on in v.payments:
                self.call("POST", f"{application}/disbursements", {"amount": _money(amount), "paid_on": on.isoformat()})
        for f in sc.funds:
            fid = self.ids[f.key] = self.call("POST", "/api/funds", {
                "kind": "community_fund", "name": f.name, "area_code": f.area_code,
                "established_on": f.established_on.isoformat()})["fund_id"]
            # a fund's entries are taken in the order of their days (funding refuses one dated before the last)
            entries = [(on, "receipts", {"donor_kind": kind, "donor_name": donor, "amount": _money(amount),
                                         "received_on": on.isoformat()}) for kind, donor, amount, on in f.receipts]
            entries += [(on, "payments", {"project": project, "category": category, "amount": _money(amount),
                                          "paid_on": on.isoformat()}) for project, category, amount, on in f.payments]
            for _, kind, body in sorted(entries, key=lambda entry: entry[0]):
                self.call("POST", f"/api/funds/{fid}/{kind}", body)
        for n in sc.needs:
            need = self.call("POST", "/api/charity/needs", {"area_code": n.area_code, "category": n.category,
                                                             "summary": n.summary,
                                                             "recorded_on": n.recorded_on.isoformat()})["need_id"]
            if n.met:
                fund = next(f for f in sc.funds if f.key == n.met[0])
                self.call("POST", f"/api/charity/needs/{need}/meeting", {
                    "resource_kind": "community_fund", "resource_id": self.ids[fund.key],
                    "resource_name": fund.name, "met_on": n.met[1].isoformat()})
        for p in sc.points:
            point = self.call("POST", "/api/charity/donation-points", {
                "name": p.name, "area_code": p.area_code, "operator": p.operator, "location": p.location,
                "opened_on": p.opened_on.isoformat()})["point_id"]
            if p.closed_on:
                self.call("POST", f"/api/charity/donation-points/{point}/closing",
                          {"closed_on": p.closed_on.isoformat()})
        for g in sc.guidance:
            station = self.ids[g.station]
            self.call("PUT", f"/api/talent/stations/{station}/guidance", {
                "guide_kind": "workers", "guide_ids": [self.ids[g.guide]], "guided_from": g.guided_from.isoformat()})
            for on, mode in g.visits:
                self.call("POST", f"/api/talent/stations/{station}/guidance/visits", {
                    "visited_on": on.isoformat(), "guide_id": self.ids[g.guide], "mode": mode, "hours": 2,
                    "topics": "个案记录规范与服务计划督导"})
        for p in sc.projects:
            self._project(p)

    def _project(self, p: Project) -> None:
        """Starts the project, takes it to implementation and records its counts. Casework learns the contract from
        funding.events: just after it was signed its consumer may not have caught up, which the 422
        unknown_contract says; that one is retried for up to a minute."""
        body = {"contract_id": self.ids[p.contract], "station_id": self.ids[p.station], "domain": p.domain,
                "title": p.title, "started_on": p.started_on.isoformat()}
        for _ in range(60):
            reply = self.call("POST", "/api/projects", body, expect=(201, 422))
            if "project_id" in reply or reply["error"]["code"] != "unknown_contract":
                break
            time.sleep(1)
        if "project_id" not in reply:
            raise DemoError(f"POST /api/projects 未成功（HTTP 422）：{reply['error']['message']}")
        project = reply["project_id"]
        steps = ("design", "review", "implementation")
        for k, stage in enumerate(steps):
            on = p.implemented_on - timedelta(days=7 * (len(steps) - 1 - k))
            self.call("POST", f"/api/projects/{project}/stage", {"stage": stage, "on": on.isoformat()})
        for count, on in p.beneficiaries:
            self.call("POST", f"/api/projects/{project}/beneficiaries", {"beneficiaries": count, "on": on.isoformat()})

    def _contract(self, c: Contract) -> None:
        """Signs a contract; files it and pays its instalments, if it has them."""
        contract = self.call("POST", "/api/contracts", {
            "purchaser": c.purchaser, "provider_agency": c.provider_agency,
            "station_ids": [self.ids[s] for s in c.stations], "area_code": c.county,
            "service_items": list(c.service_items), "amount": _money(c.amount), "period_start": c.signed_on.isoformat(),
            "period_end": (c.signed_on + timedelta(days=364)).isoformat(),
            "sources": [{"source": s, "amount": _money(a)} for s, a in c.sources],
            "signed_on": c.signed_on.isoformat()})["contract_id"]
        self.ids[c.key] = contract
        if c.filed_on is not None:
            self.call("POST", f"/api/contracts/{contract}/filing", {"filed_on": c.filed_on.isoformat()})
        for i in c.instalments:
            self.call("POST", f"/api/contracts/{contract}/disbursements", {
                "amount": _money(i.amount), "milestone": i.milestone, "paid_on": i.paid_on.isoformat(),
                "sources": [{"source": s, "amount": _money(a)} for s, a in i.sources]})


def wait_for_projections(client: httpx.Client, sc: Scenario, timeout: float = 300, say=print) -> None:
    """Waits until the city's read models, as of the year's end, hold at least the scenario's stations,
    volunteers, incubations, cases, surveys and money (one figure from every source topic), so the
    notices are generated on complete figures. At least: the platform may hold other data too."""
    as_of = f"{sc.year}-12-31"
    wanted = {
        "站点": len(sc.stations),
        "志愿者": len(sc.volunteers),
        "已孵化组织": sum(1 for o in sc.organisations if o.incubated_on),
        "新开个案": len(sc.cases),
        "满意度调查": len(sc.surveys),
        "已拨付(元)": sum(i.amount for c in sc.contracts for i in c.instalments),
    }
    deadline = time.monotonic() + timeout
    seen: dict[str, Any] = {}
    while time.monotonic() < deadline:
        def view(name: str) -> dict:
            return client.get(f"/api/read-models/{name}/510400", params={"as_of": as_of}).json()
        seen = {
            "站点": view("stations").get("total", 0),
            "志愿者": view("talent").get("volunteers", 0),
            "已孵化组织": view("organisations").get("incubated", {}).get("total", 0),
            "新开个案": view("cases").get("opened", {}).get("total", 0),
            "满意度调查": view("complaints").get("satisfaction", {}).get("surveys", 0),
            "已拨付(元)": Decimal(view("money").get("disbursed", {}).get("total", "0")),
        }
        if all(seen[k] >= v for k, v in wanted.items()):
            return
        time.sleep(2)
    raise DemoError("等待读模型更新超时：" + "，".join(f"{k} {seen.get(k)}/{v}" for k, v in wanted.items()))


def generate_notices(client: httpx.Client, year: int, say=print) -> dict[str, dict]:
    notices = {}
    for q in QUARTERS:
        period = f"{year}-{q}"
        reply = client.post(f"/api/read-models/reports/quarterly-notice/{period}")
        if reply.status_code != 201:
            raise DemoError(f"生成 {period} 季度通报未成功（HTTP {reply.status_code}）：{reply.text[:300]}")
        notices[period] = client.get(f"/api/read-models/reports/quarterly-notice/{period}/latest.json").json()
        say(f"已生成 {notices[period]['title']}")
    return notices


# --- one account of every role, where the demo year has data ----------------------------------------
DEMO_PASSWORDS = Path("var/demo-passwords")
CITY = "510400"
# Roles only a system administrator may create (a city administrator makes every lower rank).
SYSTEM_MANAGED = ("city_admin", "auditor", "security_admin", "system_admin")


def demo_accounts(sc: Scenario) -> list[tuple[str, str, str]]:
    """(username, role, area code) of one account per role: at the township station with the most cases, its
    township and its county, so that every role's pages show the demo year's objects; the auditor at the city,
    whose auditors alone read casework's read audit."""
    station = demo_station(sc)
    township, county = station.area_code, station.county
    return [("demo-city", "city_admin", CITY), ("demo-county", "county_admin", county),
            ("demo-township", "township_admin", township), ("demo-operator", "station_operator", township),
            ("demo-worker", "social_worker", township), ("demo-supervisor", "supervisor", county),
            ("demo-funding", "funding_officer", county), ("demo-auditor", "auditor", CITY),
            ("demo-security", "security_admin", county), ("demo-sysadmin", "system_admin", county)]


def demo_passwords(path: Path, usernames: list[str]) -> dict[str, str]:
    """Each demo account's password: made once, kept in `path` (JSON, mode 600), reused by a second run."""
    from localinfra.run import new_password

    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in usernames if name not in known]
    if missing:
        known |= {name: new_password() for name in missing}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(known, ensure_ascii=False, indent=1))
        path.chmod(0o600)
    return known


def create_demo_accounts(admin: httpx.Client, sysadmin: httpx.Client | None, sc: Scenario,
                         path: Path = DEMO_PASSWORDS) -> list[tuple[str, str, str]]:
    """Creates the demo accounts (the city administrator those of a lower rank, the system administrator, if
    given, the others); an account of that name stays. The accounts there now."""
    from localinfra.run import create_accounts

    accounts = demo_accounts(sc)
    passwords = demo_passwords(path, [name for name, _, _ in accounts])
    made = []
    for manager, roles in ((admin, None), (sysadmin, SYSTEM_MANAGED)):
        if manager is None:
            continue
        mine = [a for a in accounts if (a[1] in SYSTEM_MANAGED) == (roles is not None)]
        create_accounts(manager, [(name, role, area, passwords[name]) for name, role, area in mine])
        made += mine
    return made


CASELOAD_PURPOSE = quote("查看本人在办个案", safe="")  # the caseload shows masked names: a read with its purpose


def _get(client: httpx.Client, path: str, **params: Any) -> Any:
    reply = client.get(path, params=params, headers={"X-Purpose": CASELOAD_PURPOSE} if path == "/api/caseload" else {})
    if reply.status_code != 200:
        raise DemoError(f"GET {path} 未成功（HTTP {reply.status_code}）：{reply.text[:300]}")
    return reply.json()


def _total(client: httpx.Client, path: str, **params: Any) -> int:
    return int(_get(client, path, limit=1, **params)["total"])


def first_page(client: httpx.Client, role: str, area: str) -> str:
    """What a demo account's first console page (its menu's first item) shows, in one line."""
    if role in ("social_worker", "station_operator"):
        counts = _get(client, "/api/caseload", limit=1)
        due = counts["counts"]["due"]
        return f"我的个案：{counts['total']} 个在办，逾期 {due['overdue']}，今日到期 {due['due_today']}"
    if role == "supervisor":
        plans, closings = (_total(client, "/api/approvals", kind=kind) for kind in ("plan", "closing"))
        return f"待审批：服务计划 {plans} 项，结案 {closings} 项"
    if role == "auditor":
        records = len(_get(client, "/api/gateway/audit", limit=1000)["records"])
        return f"网关审计日志：{records}{'+' if records == 1000 else ''} 条记录"
    if role in ("system_admin", "security_admin"):
        return f"账户：{len(_get(client, '/api/gateway/users')['users'])} 个"
    stations = _total(client, "/api/stations", area=area)
    if role == "township_admin":
        waiting = _total(client, "/api/complaints", area=area, status="received")
        return f"工作台：辖区 {stations} 个站点，{waiting} 件投诉待办理"
    filing = _total(client, "/api/filing-queue", area=area)
    if role == "funding_officer":
        return f"工作台：{filing} 份合同待备案"
    return f"工作台：辖区 {stations} 个站点，{filing} 份合同待备案"


def sign_in(gateway: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=gateway, timeout=60)
    reply = client.post("/api/gateway/login", json={"username": username, "password": password})
    if reply.status_code != 200:
        raise DemoError(f"登录网关未成功（HTTP {reply.status_code}）：{reply.text[:300]}")
    client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
    return client


def _signed_in_or_none(gateway: str, username: str, password: str) -> httpx.Client | None:
    """The account signed in by password, or None once it has a TOTP factor (enrolled at its first console
    sign-in, issue 18): the demo has no authenticator to ask."""
    try:
        return sign_in(gateway, username, password)
    except DemoError:
        return None


def _print_accounts(gateway: str, admin: httpx.Client, sc: Scenario) -> None:
    password_file = Path("var/sysadmin-password")  # made by `make run`
    sysadmin = _signed_in_or_none(gateway, "sysadmin", password_file.read_text().strip()) \
        if password_file.exists() else None
    try:
        made = create_demo_accounts(admin, sysadmin, sc)
    finally:
        if sysadmin is not None:
            sysadmin.close()
    passwords = json.loads(DEMO_PASSWORDS.read_text())
    print(f"\n演示账户（每个角色一个，密码见 {DEMO_PASSWORDS}）及其首页：")
    for username, role, area in made:
        client = _signed_in_or_none(gateway, username, passwords[username])
        if client is None:
            print(f"  {username:<16} {role:<17} {area:<10} （不能以密码登录：已绑定动态口令的账户请在控制台登录查看）")
            continue
        with closing(client):
            shows = first_page(client, role, area)
        print(f"  {username:<16} {role:<17} {area:<10} {shows}")
    if sysadmin is None:
        print("  （未找到 var/sysadmin-password，或 sysadmin 已绑定动态口令：市级管理员、审计员、安全管理员与系统管理员"
              "请用 make run 创建的 admin、auditor、security、sysadmin）")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="演示场景：经网关公开接口加载一年的数据并生成季度通报")
    parser.add_argument("--gateway", default="http://127.0.0.1:8100")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default=None, help="默认读取 var/admin-password")
    args = parser.parse_args(argv)
    password = args.password or Path("var/admin-password").read_text().strip()
    sc = build_scenario()
    try:
        with closing(sign_in(args.gateway, args.username, password)) as client:
            print(
                f"演示场景 {sc.year} 年：{len(sc.stations)} 个站点、{len(sc.workers)} 名社工、"
                f"{len(sc.volunteers)} 名志愿者、"
                f"{len(sc.organisations)} 个社会组织、{len(sc.cases)} 个个案、{len(sc.contracts)} 份合同",
                flush=True,
            )
            try:
                Driver(client, say=lambda m: print(m, flush=True)).load(sc)
            except AlreadyLoaded as exc:
                print(exc, flush=True)
            print("等待报表服务的读模型跟上……", flush=True)
            wait_for_projections(client, sc)
            notices = generate_notices(client, sc.year)
            q4 = notices[f"{sc.year}-Q4"]
            print(f"\n{q4['title']}（截至 {q4['as_of']}）")
            for row in q4["counties"]:
                print(f"  第{row['rank']}名  {row['name']:<4}  得分 {row['score']}")
            print(
                f"\n下载：{args.gateway}/api/read-models/reports/quarterly-notice/{sc.year}-Q4/latest.pdf"
                "（及 .xlsx、.json）；"
                f"读模型：{args.gateway}/api/read-models/stations/510400?as_of={sc.year}-12-31"
            )
            _print_accounts(args.gateway, client, sc)
    except (DemoError, httpx.HTTPError) as exc:
        print(f"演示中止：{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
