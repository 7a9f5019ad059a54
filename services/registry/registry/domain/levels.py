"""A station's development level, computed from recorded facts, never typed in (§二(一), annex 2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Level(StrEnum):
    NONE = "none"  # not yet the five haves
    BASIC = "basic"  # 五有
    STANDARD = "standard"  # 标准化 (annex 2)
    PROFESSIONAL = "professional"  # 三有


# The five haves: venue, signage, office equipment, staff (from staffing facts), rules.
BASIC_ITEMS = ("venue", "signage", "office_equipment", "rules")
# Annex 2 checklist: location, functional areas, sign and logo, furniture and equipment,
# barrier-free access, fire equipment, notice board and online publicity.
CHECKLIST_ITEMS = ("location", "functional_areas", "signage_and_logo", "furniture_and_equipment",
                   "barrier_free_access", "fire_equipment", "publicity")
FACILITY_ITEMS = BASIC_ITEMS + CHECKLIST_ITEMS
ITEM_NAMES = {
    "venue": "有场地", "signage": "有标识", "office_equipment": "有办公设备", "rules": "有制度",
    "location": "选址", "functional_areas": "功能分区", "signage_and_logo": "标识标牌",
    "furniture_and_equipment": "家具设备", "barrier_free_access": "无障碍设施", "fire_equipment": "消防设施",
    "publicity": "公示栏和网络宣传",
}

CERTIFICATE_RANK = {"assistant_social_worker": 1, "social_worker": 2, "senior_social_worker": 3}


@dataclass(frozen=True)
class StaffFact:
    full_time: bool
    certificate: str | None  # highest certificate level held, None if uncertified

    @property
    def certified(self) -> bool:
        return self.certificate in CERTIFICATE_RANK


def compute_level(facilities: dict[str, bool], staff: dict[str, StaffFact], head: str | None,
                  service_agency: bool, professional_services: bool) -> Level:
    """`service_agency`: the station has a social work service agency that day (one brought in by purchase, or
    an organisation incubated at the station and registered); `professional_services`: a case or project of
    the station is in force that day (see Station.services_on)."""
    has = {item for item, present in facilities.items() if present}
    if not (set(BASIC_ITEMS) <= has and staff):
        return Level.NONE
    head_fact = staff.get(head) if head else None
    # A2 §2.2: the head is a full-time social worker; a certificate is not asked of them, but theirs
    # counts among the two of A2 §2.1 like anyone's.
    qualified_head = head_fact is not None and head_fact.full_time
    certified = sum(1 for fact in staff.values() if fact.certified)
    if not (set(CHECKLIST_ITEMS) <= has and certified >= 2 and qualified_head):
        return Level.BASIC
    full_time_certified = any(fact.full_time and fact.certified for fact in staff.values())
    # §二(一) "有專職持證社會工作者、有社會工作服務機構、能開展專業社會工作服務"
    if full_time_certified and service_agency and professional_services:
        return Level.PROFESSIONAL
    return Level.STANDARD


LevelHistory = list[tuple[date, Level]]  # (planned_on, none), then each change of level in date order


def diff_levels(recorded: LevelHistory, computed: LevelHistory) -> tuple[date, LevelHistory] | None:
    """How to turn the recorded history into the computed one: the earliest date where they part and the
    computed changes from that date on (none if the level returns there to what it was before); None if
    they agree. Both start with the same (planned_on, none)."""
    old, new = recorded[1:], computed[1:]
    parted = next((n for n, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    rest = old[parted:] + new[parted:]
    if not rest:
        return None
    since = min(on for on, _ in rest)
    return since, [(on, level) for on, level in new if on >= since]


def revise_levels(recorded: LevelHistory, since: date, changes: LevelHistory) -> LevelHistory:
    """The recorded history with its changes from `since` on replaced by `changes`."""
    return [recorded[0], *[(on, level) for on, level in recorded[1:] if on < since], *changes]
