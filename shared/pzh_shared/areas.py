"""The rules of China's administrative area codes, in one place for every service: a code's level
by its length, its parent, the prefix its sub-areas share, and validation.

A city is a 6-digit code ending in 00 (510400), a county or district any other 6-digit code
(510421), a township or street 9 digits (510421100), a village or community 12 (510421100201).
Pure functions only: domains may import this module."""

from __future__ import annotations

from enum import StrEnum

# The forms a code may take, for pydantic fields and JSON Schemas.
AREA_CODE_PATTERN = r"^\d{6}(\d{3}){0,2}$"
COUNTY_CODE_PATTERN = r"^\d{6}$"
AREA_CODE_RULE = "行政区划代码应为 6 位(市、县/区)、9 位(乡镇/街道)或 12 位(村/社区)数字"


class AreaLevel(StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


LEVEL_NAMES = {AreaLevel.CITY: "市", AreaLevel.COUNTY: "县(区)", AreaLevel.TOWNSHIP: "乡镇(街道)",
               AreaLevel.VILLAGE: "村(社区)"}


class InvalidAreaCode(ValueError):
    """A code that no area can have; the message is the Chinese rule (the code is not personal data)."""


def is_area_code(code: object) -> bool:
    return isinstance(code, str) and code.isdigit() and len(code) in (6, 9, 12)


def checked(code: str) -> str:
    """The code itself, or InvalidAreaCode naming it and the rule."""
    if not is_area_code(code):
        raise InvalidAreaCode(f"行政区划代码 {code!r} 格式不正确：{AREA_CODE_RULE}")
    return code


def level_of(code: str) -> AreaLevel:
    checked(code)
    if len(code) == 6:
        return AreaLevel.CITY if code.endswith("00") else AreaLevel.COUNTY
    return AreaLevel.TOWNSHIP if len(code) == 9 else AreaLevel.VILLAGE


def parent_of(code: str) -> str | None:
    """The code of the area one level up; None for a city (the top of what a code's form tells)."""
    level = level_of(code)
    if level is AreaLevel.CITY:
        return None
    if level is AreaLevel.COUNTY:
        return code[:4] + "00"
    return code[:6] if level is AreaLevel.TOWNSHIP else code[:9]


def lineage(code: str) -> list[str]:
    """The code and every ancestor up to its city: 510402001 -> [510402001, 510402, 510400]."""
    chain = [code]
    while (up := parent_of(chain[-1])) is not None:
        chain.append(up)
    return chain


def county_of(code: str) -> str:
    """The 6-digit county-level code an area lies in (a city's own code for a city)."""
    return checked(code)[:6]


def city_of(code: str) -> str:
    return checked(code)[:4] + "00"


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
    return code


def within(code: str, area: str) -> bool:
    """Whether `code` is `area` itself or lies under it."""
    return code.startswith(scope_prefix(area))
