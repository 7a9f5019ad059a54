"""The deployment's reference data: the root's subtree loaded from a pinned area file (in chunks, once),
the default seed from deploy/data, and the load-areas command."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from pzh_shared.areas import AreaLevel, AreaRoot
from pzh_shared.eventstore import make_application
from registry.__main__ import main
from registry.adapters.reference import read_areas, read_targets
from registry.api.app import create_app
from registry.application.service import ReferenceData, RegistryApplication
from registry.settings import RegistrySettings

# A small province: two cities, their counties, a township; and a neighbour outside the root.
PROVINCE_CSV = """code,name,parent_code,level,vintage
000000,中华人民共和国,,country,2023
510000,四川省,000000,province,2023
510100,成都市,510000,city,2023
510104,锦江区,510100,county,2023
510400,甲市,510000,city,2023
510421,甲县,510400,county,2023
510422,乙县,510400,county,2023
510421100,甲镇,510421,township,2023
520000,贵州省,000000,province,2023
520100,贵阳市,520000,city,2023
"""


@pytest.fixture
def registry(tmp_path) -> RegistryApplication:
    return make_application(RegistryApplication, RegistrySettings(data_dir=tmp_path))


@pytest.fixture
def province_file(tmp_path):
    path = tmp_path / "areas-2023.csv"
    path.write_text(PROVINCE_CSV, encoding="utf-8")
    return path


def test_a_province_root_loads_its_cities_and_counties_once(registry, province_file):
    root = AreaRoot("510000")
    registry.root = root
    loaded = registry.load_areas(read_areas(province_file), root, chunk=2)
    assert loaded == ["510000", "510100", "510400", "510104", "510421", "510422"]
    assert registry.area("510000").parent_code is None  # the root: its country is not registered
    assert sorted(registry.area("510000").children) == ["510100", "510400"]
    assert registry.area("510421").vintage == "2023" and registry.area("510421").valid_on(date(2021, 1, 1))
    assert registry.load_areas(read_areas(province_file), root) == []  # idempotent
    assert registry.load_areas(read_areas(province_file), root, AreaLevel.TOWNSHIP) == ["510421100"]


def test_a_city_root_ignores_the_rest_of_the_file(registry, province_file):
    registry.root = AreaRoot("510400")
    assert registry.load_areas(read_areas(province_file), registry.root) == ["510400", "510421", "510422"]
    assert registry.area("510400").parent_code is None


def test_areas_outside_the_root_are_refused_by_the_import(registry, province_file):
    registry.root = AreaRoot("510400")
    registry.load_areas(read_areas(province_file), registry.root)
    with TestClient(create_app(registry)) as client:
        reply = client.post("/areas/import", content="code,name,valid_from\n520100001,某镇,2020-01-01\n".encode(),
                            headers={"content-type": "text/csv"})
    assert reply.status_code == 422
    assert "不在本部署的范围 510400 内" in reply.text


def test_a_level_that_disagrees_with_the_code_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,parent_code,level,vintage\n510400,甲市,510000,county,2023\n", encoding="utf-8")
    with pytest.raises(Exception, match="第 2 行"):
        read_areas(bad)


def test_the_default_deployment_seeds_panzhihua_and_the_annex1_targets_from_deploy_data(registry):
    settings = RegistrySettings()
    assert settings.areas_file.name == "areas-2023.csv" and settings.areas_file.is_file()
    with TestClient(create_app(registry)) as client:  # the lifespan seeds from the settings' files
        names = {a["code"]: a["name"] for a in client.get("/areas/510400/children").json()}
        progress = client.get("/progress", params={"as_of": "2021-12-31"}).json()
    assert names == {"510402": "东区", "510403": "西区", "510411": "仁和区", "510421": "米易县", "510422": "盐边县"}
    assert registry.area("510400").name == "攀枝花市"
    assert progress["city_code"] == "510400" and progress["targets"] == {
        "general_station": 5, "township_station": 12, "village_room": 31}
    before = len(list(registry.recorder.select_notifications(1, 10_000)))
    registry.seed()  # every start seeds: nothing new the second time
    assert len(list(registry.recorder.select_notifications(1, 10_000))) == before


def test_the_pinned_file_holds_the_country_with_sichuans_townships():
    rows = {r.code: r for r in read_areas(RegistrySettings().areas_file)}
    assert {c: rows[c].name for c in ("510402", "510403", "510411", "510421", "510422")} == {
        "510402": "东区", "510403": "西区", "510411": "仁和区", "510421": "米易县", "510422": "盐边县"}
    assert sum(1 for c in rows if c.startswith("51") and len(c) == 6 and not c.endswith("00")) == 183
    assert "110000" in rows and "650000" in rows and any(len(c) == 9 and c.startswith("51") for c in rows)
    assert len(read_targets(RegistrySettings().targets_file)) == 5


def test_a_province_progress_sums_every_county_under_it(registry, province_file):
    rows = read_areas(province_file)
    registry.seed(ReferenceData(AreaRoot("510000"), rows, []))
    assert [c["county_code"] for c in registry.city_progress(2021, date(2021, 12, 31))["counties"]] == [
        "510104", "510421", "510422"]


def test_the_load_areas_command(tmp_path, province_file, monkeypatch, capsys):
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path / "store"))
    main(["load-areas", str(province_file), "--root", "510000"])
    assert "registered 6 areas under 510000" in capsys.readouterr().out
    main(["load-areas", str(province_file), "--root", "510000"])
    assert "registered 0 areas under 510000" in capsys.readouterr().out


def test_an_empty_targets_file_setting_loads_no_targets(monkeypatch):
    from registry.adapters.reference import read_reference

    monkeypatch.setenv("REGISTRY_TARGETS_FILE", "")
    assert read_reference(RegistrySettings()).targets == []
