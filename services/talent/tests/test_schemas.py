from pathlib import Path

from pzh_shared.schemas import differences
from talent.adapters.integration import CONTRACTS

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
PERSONAL_FIELDS = {"id_number", "phone", "volunteer_number", "university", "birth_date", "address", "email"}


def test_committed_json_schemas_match_the_contracts():
    assert differences(CONTRACTS, SCHEMAS) == [], (
        "run `python -m pzh_shared.schemas write talent.adapters.integration services/talent/schemas`"
    )


def test_every_contract_type_is_a_stable_versioned_name():
    from pzh_shared.envelope import EVENT_TYPE_PATTERN

    assert all(EVENT_TYPE_PATTERN.match(event_type) and event_type.startswith("talent.") for event_type in CONTRACTS)


def test_the_staffing_contracts_the_registry_consumes_are_exactly_these():
    fields = {t: list(CONTRACTS[t].model_fields) for t in CONTRACTS}
    assert fields["talent.worker.assigned.v1"] == ["worker_id", "station_id", "employment", "assigned_on"]
    assert fields["talent.worker.left.v1"] == ["worker_id", "station_id", "left_on"]
    assert fields["talent.worker.certified.v1"] == ["worker_id", "level", "certified_on"]
    assert fields["talent.station_head.appointed.v1"] == ["station_id", "worker_id", "appointed_on", "designated_by"]
    assert fields["talent.station_head.relieved.v1"] == ["station_id", "worker_id", "relieved_on"]
    enums = {
        t: CONTRACTS[t].model_json_schema()["$defs"]
        for t in ("talent.worker.assigned.v1", "talent.worker.certified.v1")
    }
    assert enums["talent.worker.assigned.v1"]["Employment"]["enum"] == ["full_time", "part_time"]
    assert enums["talent.worker.certified.v1"]["Level"]["enum"] == [
        "assistant_social_worker",
        "social_worker",
        "senior_social_worker",
    ]


def test_no_contract_has_a_personal_data_field():
    for event_type, model in CONTRACTS.items():
        fields = set(model.model_fields)
        assert not fields & PERSONAL_FIELDS, event_type
        if "name" in fields:  # organisations and agencies only: never people
            assert event_type.split(".")[1] in ("organisation", "agency"), event_type
