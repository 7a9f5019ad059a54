"""The client search's rules: which blind field a search matches and how its value is normalised, what a hit
shows (masked: 王**, 110101********1234, 138****5678), and the caseload's deadline flags."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from pzh_shared.areas import scope_prefix

from casework.application.lists import digits

SearchBy = Literal["name", "id_number", "phone"]
SEARCH_FIELDS: dict[str, str] = {"name": "name_key", "id_number": "id_key", "phone": "phone_key"}
SEARCH_NAMES = {"name": "姓名", "id_number": "身份证号码", "phone": "联系电话"}
MAX_HITS = 50  # an exact match on a name finds namesakes, not a list: more means the search must be narrower
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
# field -> (characters kept at the start, at the end), as the gateway masks a case read
MASKS = {"name": (1, 0), "id_number": (6, 4), "phone": (3, 4)}


def china_today() -> date:
    return datetime.now(CHINA).date()


def search_filters(by: SearchBy, value: str) -> dict[str, Any]:
    """The blind field a search compares and the value as it was indexed (ID number upper-cased, phone digits
    only; the blind hash itself drops spaces and case)."""
    normal: str | None = value
    if by == "id_number":
        normal = value.strip().upper()
    elif by == "phone":
        normal = digits(value)
    return {SEARCH_FIELDS[by]: normal or "\x00"}  # nothing left to match (a phone without digits): matches nothing


def mask(value: Any, keep_start: int, keep_end: int) -> Any:
    if not isinstance(value, str) or not value:
        return value
    keep_end = min(keep_end, max(len(value) - keep_start, 0))
    hidden = "*" * max(len(value) - keep_start - keep_end, 1)
    return value[:keep_start] + hidden + (value[-keep_end:] if keep_end else "")


def masked(identity: dict[str, Any]) -> dict[str, Any]:
    return {name: mask(identity.get(name), *keep) for name, keep in MASKS.items()}


def within(row: dict[str, Any], area_code: str, station_id: str | None) -> bool:
    """Whether a client's row lies in the searched area: by its own area, or (registered before clients had an
    area) by the station searched, which the gateway has checked lies in the caller's area."""
    if row.get("area_code"):
        return str(row["area_code"]).startswith(scope_prefix(area_code))
    return station_id is not None and row.get("station_id") == station_id


def due_flag(due_on: str | None, today: date) -> str | None:
    """overdue, due_today or upcoming: where a step's due date stands on `today`."""
    if not due_on:
        return None
    due = date.fromisoformat(due_on)
    return "overdue" if due < today else "due_today" if due == today else "upcoming"
