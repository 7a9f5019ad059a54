"""The synthetic year is made from the deployment's data, not from areas in the code: the default root's
counties, names and targets are the pinned files', and another root (the province above it) gets the same
network under its own lineage."""

import csv
from pathlib import Path

import pytest
from reporting.scenario import DEFAULT_ROOT, build, network

DATA = Path(__file__).resolve().parents[3] / "deploy" / "data"


def _rows(name):
    with (DATA / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def _registered(scenario):
    return {e.data["area_code"]: e.data for _, e in scenario.events if e.type == "registry.area.registered.v1"}


def test_the_default_roots_counties_names_and_targets_are_the_data_files():
    areas = {row["code"]: row for row in _rows("areas-2023.csv")}
    targets = {row["county_code"]: row for row in _rows("targets-2021.csv")}
    registered = _registered(build(seed=1))
    counties = {code: a for code, a in registered.items() if a["level"] == "county"}
    assert sorted(counties) == sorted(code for code in targets if areas[code]["parent_code"] == DEFAULT_ROOT)
    assert registered[DEFAULT_ROOT]["name"] == areas[DEFAULT_ROOT]["name"]
    for code, area in counties.items():
        assert area["name"] == areas[code]["name"] and area["parent_code"] == DEFAULT_ROOT
        townships = [c for c, a in registered.items() if a["level"] == "township" and a["parent_code"] == code]
        # a township per township station, one more the first station covers, one without a station,
        # and the new township of the middle county
        grows = code == sorted(counties)[len(counties) // 2]
        assert len(townships) == int(targets[code]["township_station"]) + 2 + grows


def test_a_province_root_registers_its_lineage_above_the_same_counties():
    city = build(seed=1)
    province_code = DEFAULT_ROOT[:2] + "0000"
    province = build(seed=1, root=province_code)
    registered = _registered(province)
    assert registered[province_code]["parent_code"] is None and registered[province_code]["level"] == "province"
    assert registered[DEFAULT_ROOT]["parent_code"] == province_code
    assert network(province_code).counties == network().counties
    assert len(province.truth["stations"]) == len(city.truth["stations"])


def test_a_root_without_targeted_counties_is_refused():
    with pytest.raises(ValueError, match="110000"):
        network("110000")
