import uuid
from datetime import date

import pytest
from pzh_shared.areas import lineage
from reporting.adapters.store import ReadModelStore
from reporting.projections.facts import ProjectionError
from reporting.projections.router import Changes, project
from reporting.views import live_stations

TODAY = date(2026, 1, 1)


def _counts(store, area_code):
    """The stations view without as_of (what the older tally answered), as of a fixed day."""
    return live_stations(store, area_code, TODAY)["stations"]


def _children(store, area_code):
    return {c["area_code"]: c["stations"] for c in live_stations(store, area_code, TODAY)["children"]}


def _opened(area_code="510402001001", tier="village_room", station_id=None):
    return {"station_id": station_id or str(uuid.uuid4()), "tier": tier, "area_code": area_code,
            "county_code": area_code[:6], "name": "某室", "opened_on": "2021-07-01"}


def test_lineage_rolls_village_up_to_city():
    assert lineage("510402001001") == ["510402001001", "510402001", "510402", "510400"]
    assert lineage("510421") == ["510421", "510400"]


def test_station_opened_counts_at_every_tier_above(tmp_path):
    store = ReadModelStore(tmp_path / "rm.sqlite")
    store.apply([(str(uuid.uuid4()), "registry.station.opened.v1", project("registry.station.opened.v1", _opened()))])
    assert [(code, tier) for code in lineage("510402001001") for tier, n in _counts(store, code).items() if n] == [
        (code, "village_room") for code in lineage("510402001001")]


def test_a_malformed_area_code_is_a_projection_error():
    with pytest.raises(ProjectionError):
        project("registry.station.opened.v1", _opened(area_code="51040"))


def test_unknown_version_of_a_known_event_is_a_projection_error():
    with pytest.raises(ProjectionError, match="only v1"):
        project("registry.station.opened.v2", _opened())


def test_contract_violation_is_a_projection_error():
    with pytest.raises(ProjectionError):
        project("registry.station.opened.v1", {"tier": "village_room"})


def test_events_no_read_model_needs_change_nothing():
    assert project("registry.area.renamed.v1", {"anything": 1}) == Changes()


def test_store_counts_a_redelivered_event_once(tmp_path):
    store = ReadModelStore(tmp_path / "rm.sqlite")
    data = _opened()
    event_id = str(uuid.uuid4())
    batch = [(event_id, "registry.station.opened.v1", project("registry.station.opened.v1", data))]
    assert store.apply(batch) == 1
    assert store.apply(batch) == 0
    # The same station under another event id (should never happen) is still counted once.
    assert (
        store.apply([(str(uuid.uuid4()), "registry.station.opened.v1", project("registry.station.opened.v1", data))])
        == 1
    )
    assert _counts(store, "510400") == {"general_station": 0, "township_station": 0, "village_room": 1,
                                        "institution_station": 0}
    assert _children(store, "510402001") == {
        "510402001001": {"general_station": 0, "township_station": 0, "village_room": 1, "institution_station": 0}}


def test_a_closed_or_merged_station_stops_counting_once(tmp_path):
    store = ReadModelStore(tmp_path / "rm.sqlite")
    opened = _opened("510402001001")
    other = _opened("510402001002")
    store.apply([(str(uuid.uuid4()), "registry.station.opened.v1", project("registry.station.opened.v1", d))
                 for d in (opened, other)])
    closed = project("registry.station.closed.v1", {"station_id": opened["station_id"], "effective_on": "2023-01-01"})
    merged_again = project(
        "registry.station.merged.v1", {"station_id": opened["station_id"], "effective_on": "2023-02-01"}
    )
    unknown = project("registry.station.closed.v1", {"station_id": str(uuid.uuid4()), "effective_on": "2023-01-01"})
    store.apply([(str(uuid.uuid4()), "registry.station.closed.v1", c) for c in (closed, merged_again, unknown)])
    assert _counts(store, "510402001")["village_room"] == 1
    assert _counts(store, "510400")["village_room"] == 1
    with pytest.raises(ProjectionError):
        project("registry.station.closed.v1", {})
