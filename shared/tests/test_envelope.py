import json
import uuid
from datetime import UTC, datetime

import pytest
from pzh_shared.envelope import BadMessage, Envelope, decode, encode, event_id, header_map


def _envelope(**overrides):
    fields = dict(id=event_id(uuid.uuid4(), 1), source="/pzh/registry", type="registry.station.opened.v1",
                  subject=str(uuid.uuid4()), time=datetime(2021, 5, 1, tzinfo=UTC), data={"tier": "village_room"})
    return Envelope(**(fields | overrides))


def test_round_trip_keeps_every_attribute_and_sets_headers():
    envelope = _envelope()
    key, value, headers = encode(envelope, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    assert key == envelope.subject.encode()
    assert decode(value) == envelope
    assert dict(headers) == {"ce_id": envelope.id.encode(), "ce_type": b"registry.station.opened.v1",
                             "traceparent": b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    assert json.loads(value)["specversion"] == "1.0"
    assert envelope.version == 1


def test_event_id_is_derived_from_aggregate_and_version():
    aggregate = uuid.uuid4()
    assert event_id(aggregate, 3) == event_id(aggregate, 3)
    assert event_id(aggregate, 3) != event_id(aggregate, 4)


@pytest.mark.parametrize("value, reason", [
    (b"not json at all", "not JSON"),
    (b"\xff\xfe\x00", "not JSON"),
    (b'{"specversion": "1.0"}', "not a CloudEvents envelope"),
    (None, "empty"),
])
def test_undecodable_values_are_bad_messages(value, reason):
    with pytest.raises(BadMessage, match=reason):
        decode(value)


def test_unversioned_event_type_is_refused():
    _, value, _ = encode(_envelope())
    raw = json.loads(value)
    raw["type"] = "registry.station.opened"
    with pytest.raises(BadMessage):
        decode(json.dumps(raw).encode())


def test_header_map_drops_undecodable_header_values():
    assert header_map([("ce_type", b"x.y.z.v1"), ("broken", b"\xff\xfe")]) == {"ce_type": "x.y.z.v1"}
