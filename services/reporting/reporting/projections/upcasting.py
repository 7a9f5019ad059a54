"""Upcasting: an older version of an integration event is turned into the next one, step by step,
before it is projected, so only the newest version of a family has a handler (dispatch.project).

To follow a producer's v(n+1): add `(family, n): vn_to_vn1` here and move the family's handler to
n+1. An upcaster is pure (it returns new data and changes nothing it is given) and total over the
old contract: data it cannot turn into the next version is a ProjectionError, i.e. a dead letter.
The old events stay on the topics (and in rebuilds) for their retention, so an upcaster is kept
as long as its version can still be read."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from reporting.projections.facts import ProjectionError

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def service_minutes(hours: Any) -> int:
    """v1's float hours as v2's whole minutes: half up from the decimal the hours were written as, at
    least 1 (v1 hours are > 0), exactly as the talent service computes v2's minutes
    (talent.adapters.integration.service_minutes), so v1 and v2 of the same service time count the same."""
    if isinstance(hours, bool) or not isinstance(hours, int | float | str):
        raise ProjectionError(f"hours must be a number, not {type(hours).__name__}")
    try:
        value = Decimal(str(hours))
        minutes = int((value * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError) as exc:  # "abc", NaN, infinity
        raise ProjectionError(f"hours is not a number: {hours!r}") from exc
    if value <= 0:
        raise ProjectionError(f"hours must be > 0, not {hours!r}")
    return max(1, minutes)


def volunteer_hours_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """talent.volunteer.hours_logged v1 (float `hours`) -> v2 (whole `minutes`); other fields as they are."""
    if "hours" not in data:
        raise ProjectionError("talent.volunteer.hours_logged.v1 data invalid: hours missing")
    upcast = {name: value for name, value in data.items() if name != "hours"}
    upcast["minutes"] = service_minutes(data["hours"])
    return upcast


def case_opened_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """casework.case.opened v1 -> v2: v1 knew no target groups, so the case counts under none."""
    return {**data, "categories": []}


# (family, version) -> the upcaster to version + 1
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("talent.volunteer.hours_logged", 1): volunteer_hours_v1_to_v2,
    ("casework.case.opened", 1): case_opened_v1_to_v2,
}


def upcast(family: str, version: int, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The newest version this chain reaches from `version`, and the data in it (`data` itself when
    there is nothing to upcast)."""
    while (step := UPCASTERS.get((family, version))) is not None:
        data, version = step(data), version + 1
    return version, data


def upcastable(family: str) -> set[int]:
    """The versions of a family read through an upcaster."""
    return {version for (name, version) in UPCASTERS if name == family}
