"""Whom the reports are about: the deployment's city (settings: `city_code`), its counties as the registry
published them (the county-level areas under the city valid on the day, in code order), their names as
of that day, and the provincial pilot counties (settings: `provincial_pilot_counties`). Read from the
read model and the settings, so no report module holds a list of areas of its own.

A report is made for the city or for one of its counties (its `area_code`): a county's deployment has that
county alone as its counties, and the county's name heads its reports."""

from __future__ import annotations

from dataclasses import dataclass

from pzh_shared.areas import AreaLevel, is_area_code, level_of, parent_of

from reporting.adapters.store import ReadModelStore
from reporting.settings import ReportingSettings


@dataclass(frozen=True)
class Deployment:
    city_code: str
    city_name: str
    counties: dict[str, str]  # county code -> its name as of the day, in code order
    pilot_counties: tuple[str, ...]
    area_code: str = ""  # whose report: the city (empty, or the city's code) or one of its counties
    area_name: str = ""

    @property
    def scope(self) -> str:
        return self.area_code or self.city_code

    @property
    def for_county(self) -> bool:
        return self.scope != self.city_code

    @property
    def title_name(self) -> str:
        """The name a report's title carries: the city's, or the county's for a county's own report."""
        return self.area_name or self.city_name

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


def townships_of(store: ReadModelStore, county: str, as_of: str) -> list[str]:
    """The county's townships valid on the day, and any township an open station sits in (a read model
    without area events still ranks the townships it has stations in)."""
    valid = {code for (code, level), n in store.sums("areas", county, as_of, by=("area", "k1")).items()
             if level == AreaLevel.TOWNSHIP and n > 0}
    sited = {code for (code,), n in store.sums("stations", county, as_of, by=("child",)).items() if n > 0}
    return sorted(valid | sited)


class NotForArea(ValueError):
    """A report asked for an area it cannot be made for; the message is Chinese."""


def report_area(settings: ReportingSettings, area: str | None) -> str:
    """The area a report is for: the city when none is given, else the city itself or one of its counties."""
    city = settings.city_code
    if area is None or area == city:
        return city
    if not is_area_code(area):
        raise NotForArea(f"area {area!r} 格式不正确：应为市或县(区)的 6 位行政区划代码")
    if level_of(area) is not AreaLevel.COUNTY or parent_of(area) != city:
        raise NotForArea(f"报表只能按本市（{city}）或其所辖县(区)生成：{area} 不是本市的县(区)")
    return area


def deployment_for(store: ReadModelStore, settings: ReportingSettings, area: str, as_of: str) -> Deployment:
    """The deployment as one report sees it: the city's (every county), or a county's (that county alone)."""
    city = deployment_as_of(store, settings, as_of)
    if area == city.city_code:
        return city
    name = store.names("area", as_of, [area]).get(area, area)
    pilots = tuple(code for code in city.pilot_counties if code == area)
    return Deployment(city.city_code, city.city_name, {area: name}, pilots, area, name)
