from pathlib import Path

from casework.adapters.integration import CONTRACTS
from pzh_shared.schemas import differences

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
PERSONAL_FIELDS = {
    "name",
    "id_number",
    "phone",
    "address",
    "birth_date",
    "note",
    "notes",
    "text",
    "summary",
    "client_id",
    "guardian_name",
    "statutory_reference",
    "response",
    "action",
    "title",
    "supervisor_id",
    "email",
}


def test_committed_json_schemas_match_the_contracts():
    assert differences(CONTRACTS, SCHEMAS) == [], (
        "run `python -m pzh_shared.schemas write casework.adapters.integration services/casework/schemas`"
    )


def test_every_contract_type_is_a_stable_versioned_name():
    from pzh_shared.envelope import EVENT_TYPE_PATTERN

    assert all(EVENT_TYPE_PATTERN.match(event_type) and event_type.startswith("casework.") for event_type in CONTRACTS)


def test_the_evaluation_contract_funding_consumes_is_exactly_this():
    model = CONTRACTS["casework.project.evaluated.v1"]
    assert list(model.model_fields) == ["project_id", "station_id", "contract_id", "score", "evaluated_on"]
    schema = model.model_json_schema()
    assert (schema["properties"]["score"]["minimum"], schema["properties"]["score"]["maximum"]) == (0, 100)
    assert schema["properties"]["evaluated_on"]["format"] == "date"


def test_case_contracts_carry_the_context_and_no_personal_data():
    for event_type, model in CONTRACTS.items():
        fields = set(model.model_fields)
        assert not fields & PERSONAL_FIELDS, event_type
        if event_type.startswith(("casework.case.", "casework.escalation.")):
            assert {"case_id", "domain", "station_id", "area_code", "risk_level", "age_band"} <= fields, event_type
