from pathlib import Path

from pzh_shared.schemas import differences
from registry.adapters.integration import CONTRACTS

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def test_committed_json_schemas_match_the_contracts():
    assert differences(CONTRACTS, SCHEMAS) == [], "run `make schemas` and commit the result"


def test_every_contract_type_is_a_stable_versioned_name():
    from pzh_shared.envelope import EVENT_TYPE_PATTERN

    assert all(EVENT_TYPE_PATTERN.match(event_type) for event_type in CONTRACTS)

