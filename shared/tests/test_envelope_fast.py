"""The relay's fast encoding path gives exactly the bytes of the envelope model's (consumers and the
published schemas rely on one wire format)."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pzh_shared.envelope import Envelope, encode, encode_event, event_id

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_event_id_is_the_uuid5_of_aggregate_and_version():
    aggregate = uuid.uuid4()
    namespace = uuid.UUID("6f1c3f0e-6a4e-4d35-9c6e-2b2f5e0c8a11")
    assert event_id(aggregate, 3) == str(uuid.uuid5(namespace, f"{aggregate}:3"))
    assert event_id(str(aggregate), 3) == event_id(aggregate, 3)


@pytest.mark.parametrize("time", [datetime(2021, 5, 1, tzinfo=UTC),
                                  datetime(2021, 5, 1, 8, 0, 0, 120, tzinfo=timezone(timedelta(hours=8)))])
def test_encode_event_gives_the_bytes_encode_gives(time):
    envelope = Envelope(
        id=event_id(uuid.uuid4(), 1),
        source="/pzh/registry",
        type="registry.station.opened.v1",
        subject=str(uuid.uuid4()),
        time=time,
        data={"tier": "village_room", "name": '村服务室 "一"\n', "n": 1.5, "covers": ["510402001001"], "x": None},
    )
    fast = encode_event(
        envelope.id, envelope.source, envelope.type, envelope.subject, envelope.time, envelope.data, TRACEPARENT
    )
    assert fast == encode(envelope, TRACEPARENT)


@pytest.mark.parametrize("event_type", ["registry.station.opened", "registry.station.opened.v1\n"])
def test_encode_event_refuses_an_unversioned_type(event_type):
    with pytest.raises(ValueError):
        encode_event("x", "/pzh/registry", event_type, "s", datetime(2021, 5, 1, tzinfo=UTC), {})
