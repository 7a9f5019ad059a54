"""Whom the reports are about: the deployment's city (settings: `city_code`), its counties as the registry
published them (the county-level areas under the city valid on the day, in code order), their names as
of that day, and the provincial pilot counties (settings: `provincial_pilot_counties`). Read from the
read model and the settings, so no report module holds a list of areas of its own."""

from __future__ import annotations

from dataclasses import dataclass

from pzh_shared.areas import AreaLevel, parent_of

from reporting.adapters.store import ReadModelStore
from reporting.settings import ReportingSettings


@dataclass(frozen=True)
class Deployment:
    city_code: str
    city_name: str
    counties: dict[str, str]  # county code -> its name as of the day, in code order
    pilot_counties: tuple[str, ...]

    def county_name(self, code: str) -> str:
        """The county's name, or its code where the registry has not named it (yet)."""
        return self.counties.get(code, code)


def city_name(store: ReadModelStore, city_code: str, as_of: str) -> str:
    """The city's name as of the day; its code while the registry has not published the city."""
    return store.names("area", as_of, [city_code]).get(city_code, city_code)


def deployment_as_of(store: ReadModelStore, settings: ReportingSettings, as_of: str) -> Deployment:
    city = settings.city_code
    codes = sorted(code for (code, level), n in store.sums("areas", city, as_of, by=("area", "k1")).items()
                   if level == AreaLevel.COUNTY and n > 0 and parent_of(code) == city)
    names = store.names("area", as_of, [city, *codes])
    counties = {code: names.get(code, code) for code in codes}
    return Deployment(city, names.get(city, city), counties, settings.pilot_counties)
