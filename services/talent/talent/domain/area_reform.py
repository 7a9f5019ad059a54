"""AreaReform: the registry's reform flag (涉改) of one administrative area, with the day each value took effect,
learnt from `registry.area.registered.v1` and `registry.area.changed.v1` (change `reform_flag_set`) on
`registry.events`, never from a caller. An organisation's "in a reform-affected community" (§二(四) "其中涉改社區
比例不低于30%") is its community's flag on the day it was filed. Private: never published.

One aggregate per area code with the deterministic id `uuid5(namespace, code)`, so a redelivered or republished
event finds the aggregate it created."""

from __future__ import annotations

import bisect
import uuid
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate, event

AREA_NAMESPACE = uuid.UUID("0b6f1c52-3d4e-4a7b-9f10-6e2d8c4a5b71")


def area_reform_id(code: str) -> UUID:
    return uuid.uuid5(AREA_NAMESPACE, code)


class AreaReform(Aggregate):
    class Learnt(Aggregate.Created):
        code: str
        reform_affected: bool
        valid_from: date

    @staticmethod
    def create_id(code: str) -> UUID:
        return area_reform_id(code)

    @event(Learnt)
    def __init__(self, code: str, reform_affected: bool, valid_from: date):
        self.code = code
        self.valid_from = valid_from
        self.flags: list[tuple[date, bool]] = [(valid_from, reform_affected)]  # date order; of one day the last set

    def set_flag(self, reform_affected: bool, on: date) -> bool:
        """The flag from `on`; False (and no event) if that is already what is known from that day."""
        if (on, reform_affected) in self.flags:
            return False
        self._flag_set(reform_affected=reform_affected, on=on)
        return True

    @event("FlagSet")
    def _flag_set(self, reform_affected: bool, on: date) -> None:
        bisect.insort_right(self.flags, (on, reform_affected), key=lambda entry: entry[0])

    def reform_affected_on(self, on: date) -> bool | None:
        """The flag in force on a day; None before the area was valid."""
        value = None
        for since, flag in self.flags:
            if since > on:
                break
            value = flag
        return value
