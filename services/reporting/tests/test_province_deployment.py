"""A province deployment (issue 16, "What it must show"): Sichuan (root 510000) loaded from the pinned area file
deploy/data/areas-2023.csv by the registry's own loader, down to the counties plus the townships of the two
counties with stations; stations opened in 成都市 and 攀枝花市 through the registry application, workers certified,
volunteers trained and an organisation incubated through the talent application; their published events projected
into the read model (in process here; tests/integration/reporting/test_province_deployment.py sends them through
the real broker and worker). The province's quarterly notice ranks all of Sichuan's cities, and a county bureau's
notice ranks its townships, with every figure computed here by the README's rule from what was entered."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from pzh_shared.areas import AreaLevel, AreaRoot, depth
from pzh_shared.eventstore import make_application
from registry.adapters.integration import PUBLICATION as REGISTRY_EVENTS
from registry.adapters.reference import read_areas
from registry.application.service import RegistryApplication
from registry.domain.station import Tier
from registry.settings import RegistrySettings
from reporting.adapters.store import ReadModelStore
from reporting.projections.router import project
from reporting.reports.archive import ReportArchive
from reporting.reports.service import generate
from reporting.settings import ReportingSettings
from talent.adapters.integration import PUBLICATION as TALENT_EVENTS
from talent.adapters.wiring import build_application as build_talent
from talent.consumers.stations import subscription as talent_registry_facts
from talent.domain.identifiers import id_check_digit
from talent.domain.vocabulary import Employment, Level, OrganisationType
from talent.settings import TalentSettings

AREAS_FILE = Path(__file__).resolve().parents[3] / "deploy" / "data" / "areas-2023.csv"
SICHUAN, CHENGDU, PANZHIHUA = "510000", "510100", "510400"
JINJIANG, EAST = "510104", "510402"  # each city's first county: the one with stations and the city's targets
PERIOD, YEAR, SHARE = "2024-Q1", 2024, Fraction(1, 4)
WEIGHTS = {"general_station": 10, "township_station": 15, "village_room": 15, "certifications": 20, "organisations": 20,
           "volunteers_trained": 20}
# The default rules' yearly quotas of one (non-pilot) township station.
CERTIFIED, VOLUNTEERS, INCUBATED = 2, 30, 6
_serial = itertools.count(100)


@dataclass
class Plan:
    """What one city's first county does in the quarter (the others do nothing)."""

    targets: tuple[int, int, int] = (1, 1, 1)
    township_stations: int = 0  # in the county's first townships, in code order
    certified: int = 0
    incubated: int = 0
    volunteers: int = 0
    stations: dict[str, str] = field(default_factory=dict)  # township code -> station id


PLANS = {PANZHIHUA: Plan((1, 2, 1), 2, certified=2, incubated=2, volunteers=6),
         CHENGDU: Plan((1, 1, 1), 1, certified=1, incubated=1, volunteers=4)}


def _id_number() -> str:
    first17 = f"510402{19850101}{next(_serial) % 1000:03d}"
    return first17 + id_check_digit(first17)


def _csv_rows() -> list[Any]:
    """Sichuan's file rows down to the counties, and the townships of the two counties with stations."""
    rows = read_areas(AREAS_FILE)
    return [r for r in rows if depth(r.code) <= depth(EAST) or r.code[:6] in (JINJIANG, EAST)]


def _first_counties(registry: RegistryApplication) -> dict[str, str]:
    """Each Sichuan city's first county in code order (the one the city's 2024 targets are set on)."""
    cities = sorted(registry.area(SICHUAN).children)
    return {city: min(registry.area(city).children) for city in cities if registry.area(city).children}


def _open_stations(registry: RegistryApplication, talent: Any, city: str, county: str, plan: Plan) -> None:
    registry.set_targets(county, YEAR, *plan.targets, on=date(2024, 1, 2))
    if not plan.township_stations:
        return
    registry.create_station(tier=Tier.GENERAL_STATION, area_code=county, planned_on=date(2023, 12, 1),
                            opened_on=date(2024, 1, 10), plan_only=False, name=f"{county}总站")
    for township in sorted(registry.area(county).children)[:plan.township_stations]:
        sid = registry.create_station(tier=Tier.TOWNSHIP_STATION, area_code=township, planned_on=date(2023, 12, 1),
                                      opened_on=date(2024, 1, 15), plan_only=False, name=f"{township}站")
        plan.stations[township] = str(sid)
    host = plan.stations[min(plan.stations)]
    community = f"{min(plan.stations)}001"  # a community of the host's township, as the registry registers it
    talent_registry_facts(talent).apply("registry.area.registered.v1", {
        "area_code": community, "parent_code": community[:9], "level": "village", "name": "测试社区",
        "reform_affected": False, "valid_from": "2020-01-01", "vintage": "2020"},
        Tracking("registry.events:0", int(community)))  # one offset per community: each message once
    for _ in range(plan.certified):
        worker = talent.register_worker("测试社工", _id_number(), "13800001111", date(2023, 1, 1))
        talent.assign_worker(worker, host, Employment.FULL_TIME, date(2024, 1, 20))
        talent.register_for_exam(worker, Level.ASSISTANT_SOCIAL_WORKER, 2023)
        talent.sit_exam(worker, Level.ASSISTANT_SOCIAL_WORKER, 2023, date(2023, 6, 20))
        talent.record_exam_result(worker, Level.ASSISTANT_SOCIAL_WORKER, 2023, True)
        talent.certify(worker, Level.ASSISTANT_SOCIAL_WORKER, date(2024, 2, 10))
    for n in range(plan.incubated):
        organisation = talent.file_organisation(f"{city}协会{n}", host, community, date(2024, 1, 25))
        talent.start_incubation(organisation, date(2024, 2, 1))
        talent.complete_incubation(organisation, OrganisationType.FUNCTIONAL_SERVICE, date(2024, 3, 1))
    for n in range(plan.volunteers):
        talent.register_volunteer("测试志愿者", _id_number(), "13900000000", f"V{city}{n:03d}", host,
                                  date(2024, 1, 20), trained_on=date(2024, 2, 15))


def province_events(tmp: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The registry's and talent's published events (envelope id, type, data), as their relays send them."""
    registry = make_application(RegistryApplication, RegistrySettings(data_dir=tmp / "registry"))
    talent = build_talent(TalentSettings(data_dir=tmp / "talent"))
    try:
        root = AreaRoot(SICHUAN)
        registry.root = root
        registry.load_areas(_csv_rows(), root, AreaLevel.TOWNSHIP)
        for city, county in _first_counties(registry).items():
            _open_stations(registry, talent, city, county, PLANS.get(city, Plan()))
        yield from REGISTRY_EVENTS.public_events(registry)
        yield from TALENT_EVENTS.public_events(talent)
    finally:
        registry.close()
        talent.close()


# --- the expected notice, from what was entered and the README's formula --------------------------------------

def _points(actual: int, target: Fraction, weight: int) -> Fraction:
    return Fraction(weight) * (Fraction(1) if target == 0 else min(Fraction(1), actual / target))


def _round(value: Fraction) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def expected_city(plan: Plan) -> dict[str, Any]:
    stations = plan.township_stations
    actual = {"general_station": int(stations > 0), "township_station": stations, "village_room": 0,
              "certifications": plan.certified, "organisations": plan.incubated,
              "volunteers_trained": plan.volunteers}
    target = {"general_station": Fraction(plan.targets[0]), "township_station": Fraction(plan.targets[1]),
              "village_room": Fraction(plan.targets[2]), "certifications": CERTIFIED * stations * SHARE,
              "organisations": INCUBATED * stations * SHARE, "volunteers_trained": VOLUNTEERS * stations * SHARE}
    score = sum((_points(actual[k], target[k], w) for k, w in WEIGHTS.items()), Fraction(0))
    return {"actual": actual, "target": target, "score": score}


def expected_township(served: bool, certified: int, incubated: int, volunteers: int) -> Fraction:
    """A township bears its own station's quotas, or one station's when it has none; 75 points scaled to 100."""
    points = (_points(int(served), Fraction(1), 15) + _points(certified, CERTIFIED * SHARE, 20)
              + _points(incubated, INCUBATED * SHARE, 20) + _points(volunteers, VOLUNTEERS * SHARE, 20))
    return points * Fraction(100, 75)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReadModelStore, ReportArchive, ReportingSettings]:
    tmp = tmp_path_factory.mktemp("sichuan")
    store = ReadModelStore(tmp / "rm.sqlite")
    store.apply((eid, etype, project(etype, data)) for eid, etype, data in province_events(tmp))
    settings = ReportingSettings(city_code=SICHUAN, data_dir=tmp)
    return store, ReportArchive(tmp / "reports"), settings


def _content(archive: ReportArchive, meta: dict[str, Any], area: str = "") -> dict[str, Any]:
    path = archive.path("quarterly_notice", PERIOD, meta["version"], "json", area)
    return json.loads(path.read_bytes())


def sichuan_cities() -> dict[str, str]:
    return {r.code: r.name for r in read_areas(AREAS_FILE)
            if r.code.startswith("51") and depth(r.code) == depth(PANZHIHUA)}


def check_province_notice(notice: dict[str, Any]) -> None:
    cities = sichuan_cities()
    expected = {code: expected_city(PLANS.get(code, Plan())) for code in cities}
    order = sorted(expected, key=lambda c: (-expected[c]["score"], c))
    assert notice["title"] == "四川省社会工作服务体系建设2024年第一季度通报"
    assert [c["area_code"] for c in notice["cities"]] == order
    assert order[:2] == [CHENGDU, PANZHIHUA] and len(order) == len(cities) == 21
    for row in notice["cities"]:
        e = expected[row["area_code"]]
        assert row["name"] == cities[row["area_code"]]
        assert row["score"] == _round(e["score"]), row["area_code"]
        for name in WEIGHTS:
            assert row["components"][name]["actual"] == e["actual"][name], (row["area_code"], name)
            assert Decimal(row["components"][name]["target"]) == Decimal(_round(e["target"][name]))
    assert [c["rank"] for c in notice["cities"]][:3] == [1, 2, 3]
    assert {c["rank"] for c in notice["cities"][2:]} == {3}  # the cities without stations tie


def check_county_notice(notice: dict[str, Any], plan: Plan, county: str, names: dict[str, str]) -> None:
    """The county's townships: the host station's township first (it holds the quotas' facts), then the other
    served one, then the unserved ones, tied and in code order."""
    townships = sorted(code for code in names if code[:6] == county and len(code) == 9)
    host = min(plan.stations)
    scores = {code: expected_township(code in plan.stations, *((plan.certified, plan.incubated, plan.volunteers)
                                                                 if code == host else (0, 0, 0)))
              for code in townships}
    order = sorted(scores, key=lambda c: (-scores[c], c))
    assert notice["area_code"] == county and [t["area_code"] for t in notice["townships"]] == order
    assert order[0] == host
    for row in notice["townships"]:
        assert row["name"] == names[row["area_code"]]
        assert row["score"] == _round(scores[row["area_code"]]), row["area_code"]
        assert row["served"] == (row["area_code"] in plan.stations)


def test_the_province_notice_ranks_sichuans_cities(deployment: tuple) -> None:
    store, archive, settings = deployment
    meta = generate(store, archive, "quarterly_notice", PERIOD, settings=settings)
    check_province_notice(_content(archive, meta))


def test_a_county_bureaus_notice_ranks_its_townships(deployment: tuple) -> None:
    store, archive, settings = deployment
    names = {r.code: r.name for r in read_areas(AREAS_FILE)}
    meta = generate(store, archive, "quarterly_notice", PERIOD, settings=settings, area=EAST)
    check_county_notice(_content(archive, meta, EAST), PLANS[PANZHIHUA], EAST, names)


def test_a_city_under_the_province_ranks_its_counties(deployment: tuple) -> None:
    store, archive, settings = deployment
    meta = generate(store, archive, "quarterly_notice", PERIOD, settings=settings, area=PANZHIHUA)
    notice = _content(archive, meta, PANZHIHUA)
    counties = sorted(code for code in read_areas_codes() if code[:4] == PANZHIHUA[:4] and len(code) == 6
                      and code != PANZHIHUA)
    assert sorted(c["area_code"] for c in notice["counties"]) == counties
    # Under the published rule a target of 0 counts as met: the counties without targets or stations score full
    # marks, and the one with targets scores what the city scored on the province's notice.
    scores = {c["area_code"]: c["score"] for c in notice["counties"]}
    assert scores.pop(EAST) == _round(expected_city(PLANS[PANZHIHUA])["score"])
    assert set(scores.values()) == {"100.00"} and notice["counties"][-1]["area_code"] == EAST


def read_areas_codes() -> list[str]:
    return [r.code for r in read_areas(AREAS_FILE)]


def test_the_province_itself_is_an_area_of_the_read_model(deployment: tuple) -> None:
    store, _, _ = deployment
    assert store.names("area", "2024-03-31", [SICHUAN]) == {SICHUAN: "四川省"}
    assert store.total("areas", SICHUAN, "2024-03-31", exact=True) == 1
    assert store.total("stations", SICHUAN, "2024-03-31") == 5  # two general stations, three township stations
    assert uuid.UUID(next(iter(PLANS[PANZHIHUA].stations.values())))
