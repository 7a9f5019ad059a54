"""talent.volunteer.hours_logged.v2: the translator publishes whole minutes from the hours the domain
keeps; the committed v2 schema validates what is published; v1 stays a published contract (old
v1 events remain on the topic) but is no longer emitted."""

import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from talent.adapters.integration import CONTRACTS, PUBLICATION, service_minutes
from talent.domain.errors import TalentError
from talent.domain.volunteer import Volunteer
from talent.testing import plain_seal

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
STATION = str(uuid.uuid4())


def schema(event_type: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS / f"{event_type}.json").read_text(encoding="utf-8")),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def logged(new_id_number):
    """The public events of one hours entry of a new volunteer (the registration left out)."""
    def log(hours: float) -> list:
        volunteer = Volunteer.register(plain_seal, "蒋一", new_id_number(), "13900001111", "V-0001", STATION,
                                       date(2021, 3, 1))
        volunteer.collect_events()
        volunteer.log_hours(hours, date(2021, 4, 2))
        return [PUBLICATION.translate(e) for e in volunteer.collect_events()]
    return log


@pytest.mark.parametrize(
    ("hours", "minutes"), [(3, 180), (12.5, 750), (0.25, 15), (1 / 3, 20), (0.125, 8), (0.375, 23), (1 / 60, 1)]
)
def test_the_translator_publishes_v2_with_whole_minutes_that_the_committed_schema_accepts(logged, hours, minutes):
    [(event_type, data)] = logged(hours)
    assert event_type == "talent.volunteer.hours_logged.v2"
    assert data == {
        "volunteer_id": data["volunteer_id"],
        "station_id": STATION,
        "minutes": minutes,
        "served_on": "2021-04-02",
    }
    assert not list(schema(event_type).iter_errors(data))
    assert service_minutes(hours) == minutes


def test_less_than_a_minute_is_refused_and_an_old_entry_of_less_still_counts_one_minute(logged):
    with pytest.raises(TalentError, match="至少 1 分钟"):
        logged(0.01)
    assert service_minutes(0.001) == 1  # a v1 event stored before the rule: published and upcast as one minute


def test_the_v2_schema_refuses_v1_data_and_fractional_or_zero_minutes():
    v2 = schema("talent.volunteer.hours_logged.v2")
    base = {"volunteer_id": str(uuid.uuid4()), "station_id": STATION, "served_on": "2021-04-02"}
    assert not v2.is_valid({**base, "hours": 1.5})
    assert not v2.is_valid({**base, "minutes": 1.5})
    assert not v2.is_valid({**base, "minutes": 0})
    assert v2.is_valid({**base, "minutes": 1})


def test_v1_stays_published_as_a_contract_with_its_schema_but_is_no_longer_emitted(logged):
    assert set(CONTRACTS) >= {"talent.volunteer.hours_logged.v1", "talent.volunteer.hours_logged.v2"}
    assert list(CONTRACTS["talent.volunteer.hours_logged.v1"].model_fields) == [
        "volunteer_id",
        "station_id",
        "hours",
        "served_on",
    ]
    assert list(CONTRACTS["talent.volunteer.hours_logged.v2"].model_fields) == [
        "volunteer_id",
        "station_id",
        "minutes",
        "served_on",
    ]
    v1 = {"volunteer_id": str(uuid.uuid4()), "station_id": STATION, "hours": 1.5, "served_on": "2021-04-02"}
    assert schema("talent.volunteer.hours_logged.v1").is_valid(v1)
    assert [t for t, _ in logged(1.5)] == ["talent.volunteer.hours_logged.v2"]
    assert set(CONTRACTS) - PUBLICATION.published == {"talent.volunteer.hours_logged.v1"}
