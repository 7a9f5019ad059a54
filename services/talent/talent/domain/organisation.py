"""Community social organisations (社区社会组织) through the incubation pipeline
filed -> incubating -> incubated (type) -> registered (registration number) -> graduated,
and social work service agencies (社会工作服务机构) on record."""

from __future__ import annotations

import re
from datetime import date

from eventsourcing.domain import Aggregate, event

from talent.domain import identifiers
from talent.domain.errors import TalentError
from talent.domain.vocabulary import OrganisationStatus, OrganisationType

Status = OrganisationStatus
COMMUNITY_CODE = re.compile(r"\d{12}")  # a village (村) or community (社区): the 30% share is of communities


def _organisation_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 200:
        raise TalentError("组织名称不能为空，且不超过 200 个字符")
    return name


class Organisation(Aggregate):
    # `reform_affected` is derived, not typed: the registry's flag of `community_code` on `filed_on` (the
    # application looks it up). Organisations filed before the community was recorded have none and keep the
    # flag typed then.
    class Filed(Aggregate.Created):
        name: str
        host_station_id: str
        reform_affected: bool
        filed_on: date
        community_code: str | None = None

    # Each step repeats the host station (and the incubated step the reform flag) so that every
    # published event stands on its own for consumers counting quotas.
    class IncubationStarted(Aggregate.Event):
        host_station_id: str
        started_on: date

    class Incubated(Aggregate.Event):
        host_station_id: str
        organisation_type: str
        reform_affected: bool
        incubated_on: date

    class Registered(Aggregate.Event):
        host_station_id: str
        registration_number: str
        registered_on: date

    class Graduated(Aggregate.Event):
        host_station_id: str
        graduated_on: date

    @classmethod
    def file(cls, name: str, host_station_id: str, community_code: str, reform_affected: bool,
             filed_on: date) -> Organisation:
        """`reform_affected`: the community's reform flag on `filed_on`, as the registry recorded it."""
        if not COMMUNITY_CODE.fullmatch(community_code):
            raise TalentError(f"所在社区(community_code)应为 12 位村(社区)行政区划代码：{community_code!r}")
        return cls(name=_organisation_name(name), host_station_id=identifiers.station_id(host_station_id),
                   reform_affected=bool(reform_affected), filed_on=filed_on, community_code=community_code)

    @event(Filed)
    def __init__(self, name: str, host_station_id: str, reform_affected: bool, filed_on: date,
                 community_code: str | None = None):
        self.name = name
        self.host_station_id = host_station_id
        self.community_code = community_code
        self.reform_affected = reform_affected
        self.status = Status.FILED
        self.organisation_type: OrganisationType | None = None
        self.registration_number: str | None = None
        self.dates: dict[str, date] = {Status.FILED.value: filed_on}

    def _step(self, expected: OrganisationStatus, to: OrganisationStatus, on: date) -> None:
        if self.status is not expected:
            raise TalentError(f"组织当前状态为“{self.status.label}”，只有“{expected.label}”的组织才能转为“{to.label}”")
        if on < self.dates[expected.value]:
            raise TalentError(f"“{to.label}”日期不能早于“{expected.label}”日期")

    def start_incubation(self, started_on: date) -> None:
        self._step(Status.FILED, Status.INCUBATING, started_on)
        self._incubation_started(self.host_station_id, started_on)

    @event(IncubationStarted)
    def _incubation_started(self, host_station_id: str, started_on: date) -> None:
        self.status = Status.INCUBATING
        self.dates[Status.INCUBATING.value] = started_on

    def complete_incubation(self, organisation_type: OrganisationType, incubated_on: date) -> None:
        self._step(Status.INCUBATING, Status.INCUBATED, incubated_on)
        self._incubated(
            self.host_station_id, OrganisationType(organisation_type).value, self.reform_affected, incubated_on
        )

    @event(Incubated)
    def _incubated(
        self, host_station_id: str, organisation_type: str, reform_affected: bool, incubated_on: date
    ) -> None:
        self.status = Status.INCUBATED
        self.organisation_type = OrganisationType(organisation_type)
        self.dates[Status.INCUBATED.value] = incubated_on

    def register(self, registration_number: str, registered_on: date) -> None:
        self._step(Status.INCUBATED, Status.REGISTERED, registered_on)
        self._registered(self.host_station_id, identifiers.credit_code(registration_number), registered_on)

    @event(Registered)
    def _registered(self, host_station_id: str, registration_number: str, registered_on: date) -> None:
        self.status = Status.REGISTERED
        self.registration_number = registration_number
        self.dates[Status.REGISTERED.value] = registered_on

    def graduate(self, graduated_on: date) -> None:
        self._step(Status.REGISTERED, Status.GRADUATED, graduated_on)
        self._graduated(self.host_station_id, graduated_on)

    @event(Graduated)
    def _graduated(self, host_station_id: str, graduated_on: date) -> None:
        self.status = Status.GRADUATED
        self.dates[Status.GRADUATED.value] = graduated_on


class Agency(Aggregate):
    """A registered social work service agency, counted for the station that brought it forth."""

    class Registered(Aggregate.Created):
        name: str
        registration_number: str
        station_id: str
        registered_on: date

    @classmethod
    def register(cls, name: str, registration_number: str, station_id: str, registered_on: date) -> Agency:
        return cls(name=_organisation_name(name), registration_number=identifiers.credit_code(registration_number),
                   station_id=identifiers.station_id(station_id), registered_on=registered_on)

    @event(Registered)
    def __init__(self, name: str, registration_number: str, station_id: str, registered_on: date):
        self.name = name
        self.registration_number = registration_number
        self.station_id = station_id
        self.registered_on = registered_on
