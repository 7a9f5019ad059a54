"""Builds the quota facts of the stations by folding the service's public integration events
(type, data), in log order. Working on the published contracts means the same fold can run on the
`talent.events` topic in another process (e.g. reporting) and agree with this service.

Certifications are attributed at the end, not as they arrive: a certificate entered after the
worker's assignment but dated before it (back-filled records) still finds the station that
employed the worker on the certificate's date, whatever order the events were recorded in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from talent.domain.quotas import (
    Certification,
    IncubatedOrganisation,
    RegisteredAgency,
    RegisteredOrganisation,
    StationFacts,
    VolunteerTraining,
)
from talent.domain.vocabulary import OrganisationType


@dataclass
class _Stint:
    station_id: str
    since: date
    until: date | None = None


@dataclass
class FactsBuilder:
    stints: dict[str, list[_Stint]] = field(default_factory=dict)
    first_certified: dict[str, date] = field(default_factory=dict)
    incubated: list[IncubatedOrganisation] = field(default_factory=list)
    registered_organisations: list[RegisteredOrganisation] = field(default_factory=list)
    agencies: list[RegisteredAgency] = field(default_factory=list)
    volunteer_trainings: list[VolunteerTraining] = field(default_factory=list)

    def apply(self, event_type: str, data: dict[str, Any]) -> None:
        fold = _FOLDS.get(event_type)
        if fold is not None:  # every other public event says nothing about quotas
            fold(self, data)

    @staticmethod
    def _date(value: date | str) -> date:
        return value if isinstance(value, date) else date.fromisoformat(value)

    def _worker_assigned(self, d: dict[str, Any]) -> None:
        stints = self.stints.setdefault(d["worker_id"], [])
        if stints and stints[-1].until is None and stints[-1].station_id == d["station_id"]:
            return  # employment changed at the same station: the stint goes on
        stints.append(_Stint(d["station_id"], self._date(d["assigned_on"])))

    def _worker_left(self, d: dict[str, Any]) -> None:
        for stint in reversed(self.stints.get(d["worker_id"], [])):
            if stint.station_id == d["station_id"] and stint.until is None:
                stint.until = self._date(d["left_on"])
                return

    def _worker_certified(self, d: dict[str, Any]) -> None:
        day = self._date(d["certified_on"])
        known = self.first_certified.get(d["worker_id"])
        if known is None or day < known:
            self.first_certified[d["worker_id"]] = day

    def _organisation_incubated(self, d: dict[str, Any]) -> None:
        self.incubated.append(
            IncubatedOrganisation(
                d["organisation_id"],
                d["host_station_id"],
                OrganisationType(d["organisation_type"]),
                bool(d["reform_affected"]),
                self._date(d["incubated_on"]),
            )
        )

    def _organisation_registered(self, d: dict[str, Any]) -> None:
        self.registered_organisations.append(
            RegisteredOrganisation(d["organisation_id"], d["host_station_id"], self._date(d["registered_on"]))
        )

    def _agency_registered(self, d: dict[str, Any]) -> None:
        self.agencies.append(RegisteredAgency(d["agency_id"], d["station_id"], self._date(d["registered_on"])))

    def _volunteer_trained(self, d: dict[str, Any]) -> None:
        self.volunteer_trainings.append(
            VolunteerTraining(d["volunteer_id"], d["station_id"], self._date(d["trained_on"]))
        )

    def station_at(self, worker_id: str, day: date) -> str | None:
        for stint in self.stints.get(worker_id, []):
            if stint.since <= day and (stint.until is None or day <= stint.until):
                return stint.station_id
        return None

    def facts(self, station_id: str) -> StationFacts:
        certifications: list[Certification] = []
        for worker_id, day in self.first_certified.items():
            if self.station_at(worker_id, day) == station_id:
                certifications.append(Certification(worker_id, station_id, day))
        return StationFacts(
            certifications=certifications,
            incubated=[o for o in self.incubated if o.station_id == station_id],
            registered_organisations=[o for o in self.registered_organisations if o.station_id == station_id],
            agencies=[a for a in self.agencies if a.station_id == station_id],
            volunteer_trainings=[t for t in self.volunteer_trainings if t.station_id == station_id],
        )


# The public events the quotas count, each with the step that folds it in.
_FOLDS: dict[str, Callable[[FactsBuilder, dict[str, Any]], None]] = {
    "talent.worker.assigned.v1": FactsBuilder._worker_assigned,
    "talent.worker.left.v1": FactsBuilder._worker_left,
    "talent.worker.certified.v1": FactsBuilder._worker_certified,
    "talent.organisation.incubated.v1": FactsBuilder._organisation_incubated,
    "talent.organisation.registered.v1": FactsBuilder._organisation_registered,
    "talent.agency.registered.v1": FactsBuilder._agency_registered,
    "talent.volunteer.trained.v1": FactsBuilder._volunteer_trained,
}
