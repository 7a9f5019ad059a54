from pathlib import Path

from funding.adapters.integration import CONTRACTS
from pzh_shared.departments import DEPARTMENTS
from pzh_shared.schemas import differences

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def test_committed_json_schemas_match_the_contracts():
    assert differences(CONTRACTS, SCHEMAS) == [], (
        "run `python -m pzh_shared.schemas write funding.adapters.integration services/funding/schemas`"
    )


def test_every_contract_type_is_a_stable_versioned_name():
    from pzh_shared.envelope import EVENT_TYPE_PATTERN

    assert all(EVENT_TYPE_PATTERN.match(event_type) and event_type.startswith("funding.") for event_type in CONTRACTS)


def test_the_contract_casework_consumes_is_exactly_this():
    model = CONTRACTS["funding.contract.signed.v1"]
    assert list(model.model_fields) == [
        "contract_id",
        "purchaser",
        "provider_agency",
        "station_ids",
        "area_code",
        "amount",
        "period_start",
        "period_end",
        "sources",
        "signed_on",
    ]
    schema = model.model_json_schema()
    props = schema["properties"]
    assert props["amount"]["type"] == "string" and props["station_ids"]["items"]["type"] == "string"
    assert props["period_start"]["format"] == props["period_end"]["format"] == props["signed_on"]["format"] == "date"
    line = schema["$defs"]["SourceAmount"]
    assert set(line["properties"]) == {"source", "amount"} and line["properties"]["amount"]["type"] == "string"
    assert schema["$defs"]["Purchaser"]["enum"] == [
        "civil_affairs",
        "education",
        "health",
        "veterans_affairs",
        "youth_league",
        "womens_federation",
        "disabled_persons_federation",
        "trade_union",
    ]
    # The purchasing department is the registry's department of a service item (one vocabulary, issue 17 item 12).
    assert schema["$defs"]["Purchaser"]["enum"] == list(DEPARTMENTS)


def test_no_amount_is_ever_a_number():
    def walk(node):
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                if name in ("amount", "total", "cap", "contract_amount", "paid_to_date", "total_amount"):
                    assert prop.get("type") == "string", name
            for value in node.values():
                walk(value)

    for model in CONTRACTS.values():
        walk(model.model_json_schema())
