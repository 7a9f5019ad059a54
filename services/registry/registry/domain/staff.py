"""What the registry knows of a social worker: only what its level rule needs, keyed by the talent
service's opaque worker id. No personal data."""

from __future__ import annotations

import uuid
from datetime import date

from eventsourcing.domain import Aggregate, event

from registry.domain.errors import RegistryError
from registry.domain.levels import CERTIFICATE_RANK

_NAMESPACE = uuid.UUID("c4a1e7d2-8b3f-4e6a-9c5d-2f1e0a9b8c7d")


def staff_id(worker_id: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"staff:{worker_id}")


class StaffMember(Aggregate):
    class Started(Aggregate.Created):
        worker_id: str

    @staticmethod
    def create_id(worker_id: str) -> uuid.UUID:
        return staff_id(worker_id)

    @event(Started)
    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self.station_id: str | None = None
        self.full_time = False
        # Each certificate level held and the day it was certified; None for one recorded before the
        # registry kept that day.
        self.certificates: dict[str, date | None] = {}

    @event("Assigned")
    def assign(self, station_id: str, full_time: bool) -> None:
        self.station_id = station_id
        self.full_time = full_time

    @event("Left")
    def leave(self) -> None:
        self.station_id = None

    def certify(self, level: str, on: date) -> None:
        """Keeps each certificate level with the earliest day it is known to be held from."""
        if level not in CERTIFICATE_RANK:
            raise RegistryError(f"未知的证书等级 {level!r}")
        if level in self.certificates and (self.certificates[level] or date.min) <= on:
            return
        self._certified(level=level, on=on)

    @event("Certified")
    def _certified(self, level: str, on: date | None = None) -> None:
        self.certificates[level] = on
