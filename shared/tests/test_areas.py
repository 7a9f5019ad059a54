"""The code rules: levels from the country down, parents, lineage up to a deployment's root."""

import pytest
from pzh_shared.areas import (
    COUNTRY_CODE,
    AreaLevel,
    AreaRoot,
    InvalidAreaCode,
    city_of,
    is_area_code,
    level_of,
    lineage,
    parent_of,
    province_of,
    scope_prefix,
    within,
)


@pytest.mark.parametrize("code, level, parent", [
    ("000000", AreaLevel.COUNTRY, None),
    ("510000", AreaLevel.PROVINCE, "000000"),
    ("110000", AreaLevel.PROVINCE, "000000"),  # a municipality is a province by its form
    ("110100", AreaLevel.CITY, "110000"),  # its pseudo-city 市辖区
    ("110101", AreaLevel.COUNTY, "110100"),
    ("500200", AreaLevel.CITY, "500000"),  # 重庆's 县
    ("510400", AreaLevel.CITY, "510000"),
    ("510421", AreaLevel.COUNTY, "510400"),
    ("441900003", AreaLevel.TOWNSHIP, "441900"),  # a city without counties: townships right under it
    ("510421100", AreaLevel.TOWNSHIP, "510421"),
    ("510421100201", AreaLevel.VILLAGE, "510421100"),
])
def test_levels_and_parents(code, level, parent):
    assert (level_of(code), parent_of(code)) == (level, parent)


@pytest.mark.parametrize("code", ["000100", "001234", "51040", "51040a", ""])
def test_codes_no_area_can_have(code):
    assert not is_area_code(code)
    with pytest.raises(InvalidAreaCode):
        level_of(code)


def test_lineage_stops_at_the_city_unless_given_a_root():
    assert lineage("510402001") == ["510402001", "510402", "510400"]
    assert lineage("510402001", root="510000") == ["510402001", "510402", "510400", "510000"]
    assert lineage("510402001", root=COUNTRY_CODE) == ["510402001", "510402", "510400", "510000", "000000"]
    assert lineage("510000") == ["510000"]
    assert lineage("510000", root=COUNTRY_CODE) == ["510000", "000000"]


def test_a_root_answers_only_for_its_subtree():
    province = AreaRoot("510000")
    assert province.level is AreaLevel.PROVINCE
    assert province.lineage("510421001") == ["510421001", "510421", "510400", "510000"]
    assert province.contains("510400") and not province.contains("520100")
    assert province.parent_of("510000") is None and province.parent_of("510400") == "510000"
    with pytest.raises(InvalidAreaCode):
        province.lineage("520100")
    assert AreaRoot(COUNTRY_CODE).contains("110101") and AreaRoot(COUNTRY_CODE).lineage("110101")[-1] == "000000"
    with pytest.raises(InvalidAreaCode, match="全国、省或市"):
        AreaRoot("510421")


def test_prefixes_and_containment_up_to_the_country():
    assert [scope_prefix(c) for c in ("000000", "510000", "510400", "510421")] == ["", "51", "5104", "510421"]
    assert within("110101", "000000") and within("510421", "510000") and not within("520100", "510000")
    assert (city_of("510421001"), city_of("510000"), province_of("510421001")) == ("510400", "510000", "510000")
