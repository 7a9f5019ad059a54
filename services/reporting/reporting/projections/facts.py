"""Dated facts: what every read model is summed from.

A fact is a signed amount on a key, effective on a date: `(figure, area_code, station_id, k1, k2,
effective_on) -> amount`. A figure for an area as of a day is the sum of the facts of that figure
in the area (by area-code prefix, so every tier rolls up for free) dated on or before the day; a
flow over a period sums the facts dated inside it. Amounts are integers in the figure's unit
(counts; money in fen; volunteer service time in minutes; other hours and scores in hundredths),
so sums are exact whatever order the rows are read in.

Facts of an aggregate with a history (a case moving through stages, a worker's employment) are a
pure function of that aggregate's folded state; an event's facts are the difference between the
state's facts after and before it. The state of one aggregate only ever sees that aggregate's
events, which arrive in order (the Kafka key is the aggregate id), so live and rebuilt stores fold
to the same states and the same facts whatever the interleaving across aggregates and topics.
Facts keyed by station carry no area: the area is looked up in the station directory (registry
events) when the figure is read, so a talent or casework event about a station the registry has
not told us about yet is kept, and counted as soon as the station is known."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

# (figure, area_code or None, station_id or None, k1, k2, effective_on ISO date)
Key = tuple[str, str | None, str | None, str, str, str]
Facts = dict[Key, int]

# Asia/Shanghai has had no daylight saving time since 1991: a fixed offset needs no tz database in the image.
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


class ProjectionError(ValueError):
    """An event a projection cannot apply; it goes to the dead-letter topic."""


def add(facts: Facts, key: Key, amount: int) -> None:
    if amount:
        facts[key] = facts.get(key, 0) + amount
        if facts[key] == 0:
            del facts[key]


def diff(before: Facts, after: Facts) -> list[tuple[Key, int]]:
    """The deltas that turn `before` into `after`, in a canonical order."""
    out = []
    for key in set(before) | set(after):
        delta = after.get(key, 0) - before.get(key, 0)
        if delta:
            out.append((key, delta))
    # None (no area, no station) sorts as "": written out, not a generator, as this runs for every fact of every event
    out.sort(key=lambda kd: (kd[0][0], kd[0][1] or "", kd[0][2] or "", *kd[0][3:]))
    return out


def fen(amount: str) -> int:
    """Exact decimal yuan ("1234.50") -> integer fen."""
    try:
        value = Decimal(amount)
    except InvalidOperation as exc:
        raise ProjectionError(f"not a decimal amount: {amount!r}") from exc
    return int((value * 100).to_integral_exact())


def centi(value: float | int) -> int:
    """Hours or scores in hundredths, rounded half away from zero."""
    return int(Decimal(str(value)).scaleb(2).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def china_day(moment: str) -> str:
    """The calendar day in China of an ISO date-time (naive ones are taken as China time)."""
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(CHINA)
    return parsed.date().isoformat()


def china_today() -> date:
    """Today's date in China: the default day of every view and of the report schedule."""
    return datetime.now(CHINA).date()


def iso(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
