from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from pzh_shared.eventstore import ServiceApplication

from registry.domain.errors import StationNotFound
from registry.domain.station import Station, Tier


class RegistryApplication(ServiceApplication):
    name = "registry"

    def open_station(self, name: str, tier: Tier, area_code: str, opened_on: date) -> UUID:
        station = Station.open(name=name, tier=tier, area_code=area_code, opened_on=opened_on)
        self.save(station)
        return station.id

    def station(self, station_id: UUID) -> Station:
        try:
            return self.repository.get(station_id)
        except AggregateNotFoundError:
            raise StationNotFound(f"站点 {station_id} 不存在") from None
