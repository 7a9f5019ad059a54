"""Names of areas and stations in the read models (public names only): the latest in effect on the
day asked, from the registry's area and station events, and shown in the monthly dispatch and the
station scorecard rows (JSON, XLSX)."""

import io
import json

import pytest
from openpyxl import load_workbook
from reporting.adapters.store import ReadModelStore
from reporting.projections.router import project
from reporting.reports.archive import ReportArchive
from reporting.reports.service import generate

A, B = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"


def _events():
    def area(code, name):
        return (
            "registry.area.registered.v1",
            {
                "area_code": code,
                "parent_code": code[:-3] if len(code) > 6 else "510400",
                "level": {6: "county", 9: "township", 12: "village"}[len(code)],
                "name": name,
                "reform_affected": False,
                "valid_from": "2020-01-01",
                "vintage": "2020",
            },
        )

    def station(sid, tier, code, name, pilot, planned_name=None):
        return [
            (
                "registry.station.planned.v1",
                {
                    "station_id": sid,
                    "tier": tier,
                    "area_code": code,
                    "county_code": code[:6],
                    "name": planned_name or name,
                    "construction_mode": "existing_venue",
                    "operating_model": "self_operated",
                    "agency": None,
                    "provincial_pilot": pilot,
                    "governance_pilot": False,
                    "covers": [],
                    "planned_on": "2023-12-01",
                },
            ),
            (
                "registry.station.opened.v1",
                {
                    "station_id": sid,
                    "tier": tier,
                    "area_code": code,
                    "county_code": code[:6],
                    "name": name,
                    "opened_on": "2024-01-02",
                },
            ),
        ]

    return [
        area("510402", "东区"),
        area("510402001", "炳草岗街道"),
        area("510402001001", "新村社区"),
        (
            "registry.area.changed.v1",
            {"area_code": "510402001", "change": "renamed", "effective_on": "2024-07-01", "name": "炳草岗新街道"},
        ),
        *station(
            A, "township_station", "510402001", "炳草岗街道社会工作服务站", True, planned_name="炳草岗街道社工站(筹)"
        ),
        *station(B, "village_room", "510402001001", "新村社区社会工作服务室", True),
    ]


@pytest.fixture
def world(tmp_path):
    store = ReadModelStore(tmp_path / "rm.sqlite")
    store.apply((f"e{n}", t, project(t, d)) for n, (t, d) in enumerate(_events()))
    return store, ReportArchive(tmp_path / "reports")


def test_latest_name_as_of_the_day(world):
    store, _ = world
    assert store.names("area", "2019-12-31") == {}
    assert store.names("area", "2024-06-30", ["510402001"]) == {"510402001": "炳草岗街道"}
    assert store.names("area", "2024-07-01", ["510402001", "510402"]) == {"510402001": "炳草岗新街道", "510402": "东区"}
    assert store.names("station", "2023-12-15", [A]) == {A: "炳草岗街道社工站(筹)"}  # its planned name until it opened
    assert store.names("station", "2024-01-02") == {A: "炳草岗街道社会工作服务站", B: "新村社区社会工作服务室"}
    assert store.names("station", "2024-01-02", []) == {}


def test_names_survive_a_redelivery_and_any_order(tmp_path):
    events = _events()
    stores = []
    for n, order in enumerate((events, list(reversed(events[:4])) + events[4:], events[4:] + events[:4])):
        store = ReadModelStore(tmp_path / f"{n}.sqlite")
        ids = {id(e): f"e{i}" for i, e in enumerate(events)}
        batch = [(ids[id(e)], e[0], project(*e)) for e in order]
        store.apply(batch)
        store.apply(batch)
        stores.append(store.dump())
    assert stores[0]["names"] == stores[1]["names"] == stores[2]["names"]
    assert stores[0] == stores[2]


def test_dispatch_rows_name_the_station_and_its_area(world):
    store, archive = world
    meta = generate(store, archive, "monthly_dispatch", "2024-03")
    content = _json(archive, "monthly_dispatch", "2024-03", meta["version"])
    rows = {s["station_id"]: s for s in content["stations"]}
    assert (rows[A]["station_name"], rows[A]["station_area_code"], rows[A]["station_area_name"]) == (
        "炳草岗街道社会工作服务站", "510402001", "炳草岗街道")
    assert (rows[B]["station_name"], rows[B]["station_area_name"]) == ("新村社区社会工作服务室", "新村社区")
    august = _json(
        archive, "monthly_dispatch", "2024-08", generate(store, archive, "monthly_dispatch", "2024-08")["version"]
    )
    assert {s["station_id"]: s["station_area_name"] for s in august["stations"]}[A] == "炳草岗新街道"
    sheet = _sheet(archive, "monthly_dispatch", "2024-08", "试点站点")
    header = sheet[3]
    names = {
        r[header.index("站点编号")]: (r[header.index("站点名称")], r[header.index("所在乡镇(街道)/村(社区)")])
        for r in sheet[4:]
        if r[0]
    }
    assert names[A] == ("炳草岗街道社会工作服务站", "炳草岗新街道")


def test_scorecard_rows_name_the_station_and_its_township(world):
    store, archive = world
    version = generate(store, archive, "station_scorecard", "2024")["version"]
    content = _json(archive, "station_scorecard", "2024", version)
    assert [(s["station_id"], s["station_name"], s["township_name"]) for s in content["stations"]] == [
        (A, "炳草岗街道社会工作服务站", "炳草岗新街道")]
    sheet = _sheet(archive, "station_scorecard", "2024", "站点评分")
    header = sheet[3]
    row = next(r for r in sheet[4:] if r[header.index("站点编号")] == A)
    assert (row[2], row[header.index("站点名称")], row[header.index("乡镇(街道)")]) == (
        A,
        "炳草岗街道社会工作服务站",
        "炳草岗新街道",
    )


def _json(archive, report, period, version):
    return json.loads(archive.path(report, period, version, "json").read_text())


def _sheet(archive, report, period, name):
    book = load_workbook(io.BytesIO(archive.path(report, period, "latest", "xlsx").read_bytes()))
    return [list(r) for r in book[name].iter_rows(values_only=True)]
