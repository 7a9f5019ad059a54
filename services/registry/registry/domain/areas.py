"""Administrative areas by national code: city 510400 > county (6 digits) > township (9) > village (12).

Until the area registry arrives (issue 3) the known areas are the city and its five counties;
township and village codes are accepted when they are well formed and sit under a known county.
"""

from __future__ import annotations

from enum import StrEnum

from registry.domain.errors import UnknownArea

CITY_CODE = "510400"
CITY_NAME = "攀枝花市"
COUNTIES = {
    "510402": "东区",
    "510403": "西区",
    "510411": "仁和区",
    "510421": "米易县",
    "510422": "盐边县",
}


class AreaLevel(StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


def level_of(code: str) -> AreaLevel:
    """Level of a known area; raises UnknownArea with a readable reason otherwise."""
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise UnknownArea(f"行政区划代码 {code!r} 格式不正确：应为 6、9 或 12 位数字")
    if code == CITY_CODE:
        return AreaLevel.CITY
    if code[:6] not in COUNTIES:
        raise UnknownArea(f"未知的行政区划代码 {code}：不在攀枝花市所辖县(区)之下")
    return {6: AreaLevel.COUNTY, 9: AreaLevel.TOWNSHIP, 12: AreaLevel.VILLAGE}[len(code)]
