"""Whom the reports are about: the deployment's root area (settings: `city_code`; a city or a province), the
areas one tier down as the registry published them (valid on the day, in code order), their names as of that
day, the provincial pilot counties and the reporting rules in force (reports/rules.py, the file the settings
name). Read from the read model, the settings and the rules file, so no report module holds a list of areas,
weights or pilots of its own.

A report is made for the root or for an area under it down to a county: a province's or a city's report ranks
its direct sub-areas (cities, or counties); a county's deployment has that county alone as its `counties`, and
its reports rank the county's townships. The area's name heads its reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pzh_shared.areas import is_area_code, parent_of, within

from reporting.adapters.postgres import conninfo_of
from reporting.adapters.rules_log import PostgresRulesLog, RulesBookLog, RulesLog
from reporting.adapters.store import ReadModelStore
from reporting.reports import rules as rules_file
from reporting.reports import rules_book
from reporting.reports.rules import ReportingRules, RuleVersion
from reporting.settings import ReportingSettings

TIER_LABELS = {"province": "省", "city": "市(州)", "county": "县(区)", "township": "乡镇(街道)", "village": "村(社区)"}


def tier(code: str) -> str:
    """The tier a code's form tells: province (xx0000), city (xxxx00), county, township or village."""
    if len(code) == 6:
        return "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"
    return "township" if len(code) == 9 else "village"


def parent_area(code: str) -> str | None:
    """One tier up; a city's province even where pzh_shared.areas stops at the city (a code's first two
    digits are its province)."""
    up = parent_of(code) if tier(code) != "province" else None
    if up is None and tier(code) == "city":
        return code[:2] + "0000"
    return up


@lru_cache(maxsize=8)
def _rules_log(root: Path) -> RulesLog:
    return RulesLog(root)  # one per folder, so that its cache of the files is kept between calls


@lru_cache(maxsize=8)
def _postgres_rules_log(conninfo: str) -> PostgresRulesLog:
    return PostgresRulesLog(conninfo)  # one connection per process and database


def rules_log_of(settings: ReportingSettings) -> RulesBookLog:
    """The bureaus' edits of the rules (reports/rules_book.py), where the read model's processes all reach them:
    <DATA_DIR>/rules-book beside a SQLite read model, the database of a PostgreSQL one."""
    if settings.read_model == "postgres":
        return _postgres_rules_log(conninfo_of(settings))
    return _rules_log(Path(settings.data_dir) / "rules-book")


def rules_of(settings: ReportingSettings) -> ReportingRules:
    """The deployment's reporting rules: the file (`rules_file`; empty: the default file, loaded once per process)
    with the bureaus' revisions of the rules book over it, as recorded now."""
    base = rules_file.load(getattr(settings, "rules_file", ""))
    return rules_book.merged(base, settings.city_code, rules_log_of(settings).book())


def pilot_counties(settings: ReportingSettings, as_of: str) -> tuple[str, ...]:
    """The provincial pilot counties on the day: the rules' version in force, unless the setting overrides it."""
    return settings.pilot_counties or rules_of(settings).at(as_of).provincial_pilot_counties


@dataclass(frozen=True)
class Deployment:
    city_code: str  # the report's top area: the root, a city or province under it, or a county's city
    city_name: str
    counties: dict[str, str]  # the areas one tier down (code -> its name as of the day), in code order
    pilot_counties: tuple[str, ...]
    area_code: str = ""  # whose report: empty for the top area's own, else one of its counties
    area_name: str = ""
    rules: ReportingRules = field(default_factory=rules_file.load)

    @property
    def scope(self) -> str:
        return self.area_code or self.city_code

    @property
    def for_county(self) -> bool:
        return self.scope != self.city_code

    @property
    def child_tier(self) -> str:
        """The tier the report's rows are: a county's townships, else the top area's direct sub-areas."""
        return "township" if self.for_county else {"province": "city", "city": "county"}.get(tier(self.city_code),
                                                                                               "township")

    @property
    def title_name(self) -> str:
        """The name a report's title carries: the top area's, or the county's for a county's own report."""
        return self.area_name or self.city_name

    def rules_on(self, day: str) -> RuleVersion:
        """The rules in force on the day (a report uses those of its period's last day)."""
        return self.rules.at(day)

    def county_name(self, code: str) -> str:
        """The county's name, or its code where the registry has not named it (yet)."""
        return self.counties.get(code, code)


def city_name(store: ReadModelStore, city_code: str, as_of: str) -> str:
    """The city's name as of the day; its code while the registry has not published the city."""
    return store.names("area", as_of, [city_code]).get(city_code, city_code)


def children_of(store: ReadModelStore, top: str, as_of: str) -> list[str]:
    """The areas one tier below `top` that the registry published and that are valid on the day."""
    if tier(top) == "province":
        # The store's prefix range reads any xxxx00 as a city, so a province's cities are found by name (every
        # registered area has one) and each checked on its own code.
        named = [code for code in store.names("area", as_of) if parent_area(code) == top]
        return sorted(code for code in named if store.total("areas", code, as_of, exact=True) > 0)
    return sorted(code for (code,), n in store.sums("areas", top, as_of, by=("area",)).items()
                  if n > 0 and parent_area(code) == top)


def _top(store: ReadModelStore, settings: ReportingSettings, top: str, as_of: str) -> Deployment:
    codes = children_of(store, top, as_of)
    names = store.names("area", as_of, [top, *codes])
    pilots = tuple(code for code in pilot_counties(settings, as_of) if within(code, top))
    return Deployment(top, names.get(top, top), {code: names.get(code, code) for code in codes}, pilots,
                      rules=rules_of(settings))


def deployment_as_of(store: ReadModelStore, settings: ReportingSettings, as_of: str) -> Deployment:
    return _top(store, settings, settings.city_code, as_of)


def townships_of(store: ReadModelStore, county: str, as_of: str) -> list[str]:
    """The county's townships valid on the day, and any township an open station sits in (a read model
    without area events still ranks the townships it has stations in)."""
    valid = {code for (code,), n in store.sums("areas", county, as_of, by=("area",)).items()
             if n > 0 and tier(code) == "township"}
    sited = {code for (code,), n in store.sums("stations", county, as_of, by=("child",)).items() if n > 0}
    return sorted(valid | sited)


class NotForArea(ValueError):
    """A report asked for an area it cannot be made for; the message is Chinese."""


def report_area(settings: ReportingSettings, area: str | None) -> str:
    """The area a report is for: the root when none is given, else the root itself or an area under it down to
    a county (a province's cities and counties, a city's counties)."""
    root = settings.city_code
    if area is None or area == root:
        return root
    if not is_area_code(area):
        raise NotForArea(f"area {area!r} 格式不正确：应为市或县(区)的 6 位行政区划代码")
    if tier(root) == "city" and (tier(area) != "county" or parent_of(area) != root):
        raise NotForArea(f"报表只能按本市（{root}）或其所辖县(区)生成：{area} 不是本市的县(区)")
    if tier(area) not in ("city", "county") or not within(area, root):
        raise NotForArea(f"报表只能按本部署（{root}）或其所辖市(州)、县(区)生成：{area} 不在本部署范围内或不是市、县级")
    return area


def deployment_for(store: ReadModelStore, settings: ReportingSettings, area: str, as_of: str) -> Deployment:
    """The deployment as one report sees it: the root's or a city's (every area one tier down), or a county's
    (that county alone, under its city)."""
    if tier(area) != "county":
        return _top(store, settings, area, as_of)
    city = parent_area(area) or area
    name = store.names("area", as_of, [area]).get(area, area)
    pilots = tuple(code for code in pilot_counties(settings, as_of) if code == area)
    return Deployment(city, city_name(store, city, as_of), {area: name}, pilots, area, name, rules_of(settings))
