"""The rules of China's administrative area codes, in one place for every service: a code's level
by its form, its parent, the prefix its sub-areas share, and validation.

The country is 000000 (no published code names it: six zeros keep it a 6-digit code whose prefix is
empty, so every code lies under it). A province is two digits and 0000 (510000), a city four digits
and 00 (510400), a county or district any other 6-digit code (510421), a township or street 9
digits (510421100), a village or community 12 (510421100201).

Municipalities directly under the central government (北京 110000, 天津, 上海, 重庆) have no city in
the usual sense: the published lists put their districts under a pseudo-city (110100 "市辖区",
500200 "县"). The rule is by form alone: a 6-digit code ending 00 whose first four digits end 00 is
a province, so 110000 is a province, 110100 a city-level area under it and 110101 a county under
that, exactly as the code list nests them.

A deployment has a root (a city, a province or the country: `AreaRoot`); questions that climb the
tree (`lineage`) stop at it, so a city deployment never sees rows for its province or the country.
Pure functions only: domains may import this module."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# The forms a code may take, for pydantic fields and JSON Schemas.
AREA_CODE_PATTERN = r"^\d{6}(\d{3}){0,2}$"
COUNTY_CODE_PATTERN = r"^\d{6}$"
AREA_CODE_RULE = "行政区划代码应为 6 位(全国、省、市、县/区)、9 位(乡镇/街道)或 12 位(村/社区)数字"
COUNTRY_CODE = "000000"


class AreaLevel(StrEnum):
    COUNTRY = "country"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


LEVEL_NAMES = {AreaLevel.COUNTRY: "全国", AreaLevel.PROVINCE: "省(自治区、直辖市)", AreaLevel.CITY: "市",
               AreaLevel.COUNTY: "县(区)", AreaLevel.TOWNSHIP: "乡镇(街道)", AreaLevel.VILLAGE: "村(社区)"}


class InvalidAreaCode(ValueError):
    """A code that no area can have; the message is the Chinese rule (the code is not personal data)."""


# From the top down; a level's children are the next one's.
LEVEL_ORDER = (AreaLevel.COUNTRY, AreaLevel.PROVINCE, AreaLevel.CITY, AreaLevel.COUNTY, AreaLevel.TOWNSHIP,
               AreaLevel.VILLAGE)
_CITY_DEPTH = LEVEL_ORDER.index(AreaLevel.CITY)


def is_area_code(code: object) -> bool:
    """Six, nine or twelve digits; no province is numbered 00, so only the country itself starts with 00."""
    if not (isinstance(code, str) and code.isdigit() and len(code) in (6, 9, 12)):
        return False
    return code == COUNTRY_CODE or not code.startswith("00")


def checked(code: str) -> str:
    """The code itself, or InvalidAreaCode naming it and the rule."""
    if not is_area_code(code):
        raise InvalidAreaCode(f"行政区划代码 {code!r} 格式不正确：{AREA_CODE_RULE}")
    return code


def level_of(code: str) -> AreaLevel:
    checked(code)
    if len(code) == 6:
        if code == COUNTRY_CODE:
            return AreaLevel.COUNTRY
        if code.endswith("0000"):
            return AreaLevel.PROVINCE
        return AreaLevel.CITY if code.endswith("00") else AreaLevel.COUNTY
    return AreaLevel.TOWNSHIP if len(code) == 9 else AreaLevel.VILLAGE


def parent_of(code: str) -> str | None:
    """The code of the area one level up; None for the country."""
    level = level_of(code)
    if level is AreaLevel.COUNTRY:
        return None
    if level is AreaLevel.PROVINCE:
        return COUNTRY_CODE
    if level is AreaLevel.CITY:
        return code[:2] + "0000"
    if level is AreaLevel.COUNTY:
        return code[:4] + "00"
    return code[:6] if level is AreaLevel.TOWNSHIP else code[:9]


def lineage(code: str, root: str | None = None) -> list[str]:
    """The code and every ancestor up to `root` (inclusive): 510402001 -> [510402001, 510402, 510400]
    with root 510400, [..., 510400, 510000, 000000] with root 000000. Without a root, it climbs no
    higher than the code's city (a province or the country stands alone), which is what a city
    deployment always saw. A code outside the root's subtree climbs to the country."""
    top = root if root is not None else (code if depth(code) < _CITY_DEPTH else city_of(code))
    chain = [code]
    while chain[-1] != top and (up := parent_of(chain[-1])) is not None:
        chain.append(up)
    return chain


def depth(code: str) -> int:
    """0 for the country, 1 for a province ... 5 for a village."""
    return LEVEL_ORDER.index(level_of(code))


def county_of(code: str) -> str:
    """The 6-digit county-level code an area lies in (a city's own code for a city)."""
    return checked(code)[:6]


def city_of(code: str) -> str:
    """The city an area lies in (a province's or the country's own code for them)."""
    if depth(code) < _CITY_DEPTH:
        return code
    return code[:4] + "00"


def province_of(code: str) -> str:
    return code if level_of(code) is AreaLevel.COUNTRY else code[:2] + "0000"


def scope_prefix(code: str) -> str:
    """The prefix every sub-area's code shares: 510400 (a city) -> 5104, 510000 -> 51,
    510421100000 -> 510421100. Trailing zero groups are dropped, level by level."""
    code = code.strip()
    if len(code) == 12 and code.endswith("000"):
        code = code[:9]
    if len(code) == 9 and code.endswith("000"):
        code = code[:6]
    if len(code) == 6 and code.endswith("00"):
        code = code[:4]
    if len(code) == 4 and code.endswith("00"):
        code = code[:2]
    return "" if code == "00" else code  # the country: every code is under it


def within(code: str, area: str) -> bool:
    """Whether `code` is `area` itself or lies under it."""
    return code.startswith(scope_prefix(area))


@dataclass(frozen=True)
class AreaRoot:
    """The top of a deployment's tree (settings, e.g. REGISTRY_ROOT_AREA_CODE): a city, a province or
    the country. Everything it is asked about lies at or under it."""

    code: str

    def __post_init__(self) -> None:
        if depth(self.code) > _CITY_DEPTH:
            raise InvalidAreaCode(f"部署的根行政区划 {self.code} 应为全国、省或市")

    @property
    def level(self) -> AreaLevel:
        return level_of(self.code)

    def contains(self, code: str) -> bool:
        return is_area_code(code) and within(code, self.code)

    def lineage(self, code: str) -> list[str]:
        """The code and its ancestors up to this root, never above it."""
        if not self.contains(code):
            raise InvalidAreaCode(f"行政区划 {code} 不在本部署的范围 {self.code} 内")
        return lineage(code, self.code)

    def parent_of(self, code: str) -> str | None:
        """The parent inside the deployment; None for the root itself."""
        return None if code == self.code else parent_of(code)
