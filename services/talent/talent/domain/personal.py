"""People's personal data in talent's aggregates (workers, volunteers, interns): name, ID number and phone are
held sealed with the person's own data key, never in clear. The aggregate is given a sealer by the application
(pzh_shared.sealing with a key from the key store), so the domain names no cipher; erasing the key makes every
stored copy unreadable (crypto-shredding) while the aggregate, its history and the counts it makes stay.

Events stored before sealing (class version 1) carried the identity in clear under the event store's cipher:
their upcaster moves it to `legacy_identity`, which an erasure clears from the state, but not from those stored
events (docs/operations.md, "Talent's personal data")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from talent.domain.errors import TalentError

# (the person's id, the validated identity) -> the sealed token the Registered event records
Sealer = Callable[[UUID, dict[str, str]], str]


def upcast_identity(state: dict[str, Any], fields: tuple[str, ...]) -> None:
    """A version-1 Registered event's clear identity fields, moved aside as the legacy identity."""
    state["legacy_identity"] = {f: state.pop(f) for f in fields if f in state}
    state["sealed_identity"] = None


class Person(Aggregate):
    """What workers, volunteers and interns share: the sealed identity (set by each one's Registered event) and its
    erasure. The person, their history and every count they make stay after an erasure."""

    NOUN: ClassVar[str]  # for messages: 社工, 志愿者, 实习生
    sealed_identity: str | None
    legacy_identity: dict[str, str] | None
    erased_on: date | None

    class Erased(Aggregate.Event):
        erased_on: date

    def erase(self, erased_on: date) -> None:
        """The marker of an erasure; the application destroys the person's key before saving it."""
        if self.erased_on is not None:
            raise TalentError(f"该{self.NOUN}的个人信息已删除")
        self._erased(erased_on)

    @event(Erased)
    def _erased(self, erased_on: date) -> None:
        self.erased_on = erased_on
        self.sealed_identity = None
        self.legacy_identity = None
