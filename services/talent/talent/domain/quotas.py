"""Yearly quotas per station (DOMAIN.md "Yearly quotas per station"; plan §二(三)(四)(五), A2 §3.1.4,
§3.1.5, §3.3), evaluated as pure functions over facts.

The quotas are those of township stations only (station_kind). Provincial pilot township stations:
at least 2 newly certified social workers and at least 1 registered social organisation a year.
Other township stations: at least 3 functional-service and 3
interest/volunteer community organisations incubated a year, of which at least 30% in
reform-affected communities; at least 10 newly certified social workers and at least 1 registered
social work agency within a sliding 5-year window (the year evaluated and the 4 before it).
Every township station: at least 30 volunteers trained a year.

Counting decisions (documented in the README):
- a certified worker counts once, in the year of their first certificate (any level), for the
  station they were employed at on that date; later upgrades do not count again;
- an organisation counts in the year it reached "incubated" (functional/interest counts and the
  reform share) and, separately, in the year it reached "registered" (pilot quota);
- the 30% share is taken over all organisations incubated that year at the station; with none,
  the share is not met; it is met when affected * 10 >= total * 3 (exact, no floating point);
- a volunteer counts once a year per station however many trainings they attended there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from talent.domain.vocabulary import OrganisationType, StationTier

WINDOW_YEARS = 5
VOLUNTEERS_PER_YEAR = 30
PILOT_CERTIFIED_PER_YEAR = 2
PILOT_REGISTERED_ORGANISATIONS_PER_YEAR = 1
ORGANISATIONS_PER_TYPE_PER_YEAR = 3
REFORM_SHARE_PERCENT = 30
CERTIFIED_IN_WINDOW = 10
AGENCIES_IN_WINDOW = 1


class StationKind(StrEnum):
    PILOT_TOWNSHIP = "pilot_township"  # 省级试点乡镇(街道)社会工作服务站
    OTHER = "other"  # 其他乡镇(街道)社会工作服务站
    NONE = "none"  # 总站、村(社区)社会工作服务室、民政服务机构社会工作服务站: no quota of their own


def station_kind(tier: str, provincial_pilot: bool) -> StationKind:
    """Which quotas a station bears, the one rule talent and reporting count by (reporting's
    reports/notice.py quota_kind says the same; its tests/test_quota_stations.py checks both on the same stations).

    §二(三) "承擔省級社工試點示範任務的鄉鎮(街道)社會工作服務站每年至少培育2名持證社工，其他社會工作服務站5年內至少培育
    10名持證社工", §二(四) on incubation and A2 §3.1.5 "每個社會工作服務站每年至少輻射培養30名社區志愿者": the quotas
    are those of the 社會工作服務站, the township (street) tier of A2. Village rooms (室) have none of their own;
    the plan does not say where a general station (总站) or an institution station counts: this rule's choice is
    nowhere (the general station incubates and trains for the whole county, §二(一), and its results are the
    county's, not a station's quota)."""
    if tier != StationTier.TOWNSHIP_STATION.value:
        return StationKind.NONE
    return StationKind.PILOT_TOWNSHIP if provincial_pilot else StationKind.OTHER


@dataclass(frozen=True)
class Certification:
    """A worker's first certificate, and the station that employed them on that day."""

    worker_id: str
    station_id: str
    certified_on: date


@dataclass(frozen=True)
class IncubatedOrganisation:
    organisation_id: str
    station_id: str
    organisation_type: OrganisationType
    reform_affected: bool
    incubated_on: date


@dataclass(frozen=True)
class RegisteredOrganisation:
    organisation_id: str
    station_id: str
    registered_on: date


@dataclass(frozen=True)
class RegisteredAgency:
    agency_id: str
    station_id: str
    registered_on: date


@dataclass(frozen=True)
class VolunteerTraining:
    volunteer_id: str
    station_id: str
    trained_on: date


@dataclass
class StationFacts:
    """Everything the quotas of one station look at (facts of other stations are ignored)."""

    certifications: list[Certification] = field(default_factory=list)
    incubated: list[IncubatedOrganisation] = field(default_factory=list)
    registered_organisations: list[RegisteredOrganisation] = field(default_factory=list)
    agencies: list[RegisteredAgency] = field(default_factory=list)
    volunteer_trainings: list[VolunteerTraining] = field(default_factory=list)


@dataclass(frozen=True)
class QuotaResult:
    code: str
    label: str
    required: int
    actual: int | float
    unit: str
    met: bool
    from_year: int
    to_year: int
    detail: str


def window(year: int) -> tuple[int, int]:
    """The sliding 5-year window ending with `year`, both ends included."""
    return year - WINDOW_YEARS + 1, year


def _in(day: date, from_year: int, to_year: int) -> bool:
    return from_year <= day.year <= to_year


def certified_workers(facts: StationFacts, station_id: str, from_year: int, to_year: int) -> int:
    return len({c.worker_id for c in facts.certifications
                if c.station_id == station_id and _in(c.certified_on, from_year, to_year)})


def incubated(facts: StationFacts, station_id: str, year: int) -> list[IncubatedOrganisation]:
    latest: dict[str, IncubatedOrganisation] = {}
    for o in facts.incubated:
        if o.station_id == station_id and o.incubated_on.year == year:
            latest[o.organisation_id] = o
    return list(latest.values())


def incubated_of_type(facts: StationFacts, station_id: str, year: int, organisation_type: OrganisationType) -> int:
    return sum(1 for o in incubated(facts, station_id, year) if o.organisation_type is organisation_type)


def reform_share(facts: StationFacts, station_id: str, year: int) -> tuple[int, int]:
    """(incubated in reform-affected communities, incubated in all) at the station in the year."""
    organisations = incubated(facts, station_id, year)
    return sum(1 for o in organisations if o.reform_affected), len(organisations)


def reform_share_met(affected: int, total: int) -> bool:
    return total > 0 and affected * 100 >= total * REFORM_SHARE_PERCENT


def registered_organisations(facts: StationFacts, station_id: str, year: int) -> int:
    return len({o.organisation_id for o in facts.registered_organisations
                if o.station_id == station_id and o.registered_on.year == year})


def registered_agencies(facts: StationFacts, station_id: str, from_year: int, to_year: int) -> int:
    return len(
        {a.agency_id for a in facts.agencies if a.station_id == station_id and _in(a.registered_on, from_year, to_year)}
    )


def volunteers_trained(facts: StationFacts, station_id: str, year: int) -> int:
    return len(
        {t.volunteer_id for t in facts.volunteer_trainings if t.station_id == station_id and t.trained_on.year == year}
    )


def _at_least(
    code: str, label: str, required: int, actual: int, unit: str, from_year: int, to_year: int
) -> QuotaResult:
    period = f"{to_year} 年" if from_year == to_year else f"{from_year}—{to_year} 年"
    return QuotaResult(
        code=code,
        label=label,
        required=required,
        actual=actual,
        unit=unit,
        met=actual >= required,
        from_year=from_year,
        to_year=to_year,
        detail=f"{period}实有 {actual}{unit}，要求至少 {required}{unit}",
    )


def evaluate(kind: StationKind, station_id: str, year: int, facts: StationFacts) -> list[QuotaResult]:
    """Every quota that applies to the station in the year, in the plan's order (none for a station of no quota)."""
    kind = StationKind(kind)
    results: list[QuotaResult] = []
    if kind is StationKind.NONE:
        return results
    if kind is StationKind.PILOT_TOWNSHIP:
        results.append(_at_least("certified_workers_year", "每年新增持证社工", PILOT_CERTIFIED_PER_YEAR,
                                 certified_workers(facts, station_id, year, year), "名", year, year))
        results.append(
            _at_least(
                "registered_organisations_year",
                "每年孵化登记注册社会组织",
                PILOT_REGISTERED_ORGANISATIONS_PER_YEAR,
                registered_organisations(facts, station_id, year),
                "个",
                year,
                year,
            )
        )
    else:
        results.append(
            _at_least(
                "functional_service_organisations_year",
                "每年孵化功能服务类社区社会组织",
                ORGANISATIONS_PER_TYPE_PER_YEAR,
                incubated_of_type(facts, station_id, year, OrganisationType.FUNCTIONAL_SERVICE),
                "个",
                year,
                year,
            )
        )
        results.append(
            _at_least(
                "interest_volunteer_organisations_year",
                "每年孵化兴趣爱好及志愿服务类社区社会组织",
                ORGANISATIONS_PER_TYPE_PER_YEAR,
                incubated_of_type(facts, station_id, year, OrganisationType.INTEREST_VOLUNTEER),
                "个",
                year,
                year,
            )
        )
        affected, total = reform_share(facts, station_id, year)
        share = round(100 * affected / total, 1) if total else 0.0
        results.append(
            QuotaResult(
                code="reform_affected_share_year",
                label="涉改社区组织占比",
                required=REFORM_SHARE_PERCENT,
                actual=share,
                unit="%",
                met=reform_share_met(affected, total),
                from_year=year,
                to_year=year,
                detail=(
                    f"{year} 年新孵化 {total} 个组织，其中 {affected} 个位于涉改社区（{share}%），"
                    f"要求不低于 {REFORM_SHARE_PERCENT}%"
                ),
            )
        )
        first, last = window(year)
        results.append(_at_least("certified_workers_5y", "5 年内培养持证社工", CERTIFIED_IN_WINDOW,
                                 certified_workers(facts, station_id, first, last), "名", first, last))
        results.append(_at_least("registered_agencies_5y", "5 年内孵化登记注册社会工作服务机构", AGENCIES_IN_WINDOW,
                                 registered_agencies(facts, station_id, first, last), "个", first, last))
    results.append(_at_least("volunteers_trained_year", "每年培训社区志愿者", VOLUNTEERS_PER_YEAR,
                             volunteers_trained(facts, station_id, year), "名", year, year))
    return results
