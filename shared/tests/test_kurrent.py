"""The pure logic of the KurrentDB backend (pzh_shared.kurrent), without a server: the streams' names, version v at
stream position v - 1, and the settings that select it. Everything that needs a server is in the event-store contract
suite (test_event_store_contract.py, KURRENTDB_URI) and test_kurrent_service.py."""

from __future__ import annotations

import uuid

import pytest
from eventsourcing.persistence import InfrastructureFactory, InfrastructureFactoryError, StoredEvent
from eventsourcing.utils import resolve_topic
from pzh_shared import kurrent
from pzh_shared.eventstore import store_env
from pzh_shared.settings import ServiceSettings

AGGREGATE = uuid.UUID("6f1c1e04-7d0b-4d57-9a53-2b4f1d8e0a11")


def test_an_aggregate_is_one_stream_of_its_application_and_back():
    name = kurrent.stream_name("registry", AGGREGATE)
    assert name == f"registry-{AGGREGATE}"
    assert kurrent.originator_id("registry", name) == AGGREGATE


def test_version_v_is_stored_at_stream_position_v_minus_1_and_read_back_as_v():
    first = StoredEvent(originator_id=AGGREGATE, originator_version=1, topic="t:Started", state=b"{}")
    stored = kurrent.to_stream("talent", first)
    # Position 0 is what eventsourcing-kurrentdb appends with "no stream yet" (its INITIAL_VERSION = 0).
    assert (stored.originator_id, stored.originator_version) == (f"talent-{AGGREGATE}", 0)
    assert kurrent.from_stream(AGGREGATE, stored) == first


def test_a_notification_names_the_aggregate_and_its_version_not_the_stream():
    notification = kurrent.notification("funding", f"funding-{AGGREGATE}", 4, 123456, "t:Entered", b"{}")
    assert (notification.id, notification.originator_id, notification.originator_version) == (123456, AGGREGATE, 5)


@pytest.mark.parametrize(("gt", "lte", "positions"), [
    (None, None, (None, None)),
    (0, None, (None, None)),     # after version 0: every event
    (2, None, (1, None)),        # after version 2: from position 2 on, i.e. after position 1
    (None, 3, (None, 2)),
    (1, 4, (0, 3)),
    (None, 0, None),             # up to version 0: nothing
])
def test_version_bounds_become_stream_position_bounds(gt, lte, positions):
    assert kurrent.stream_bounds(gt, lte) == positions


def test_kurrentdb_settings_name_the_factory_and_the_tracking_database():
    settings = ServiceSettings(event_store="kurrentdb", kurrentdb_uri="kurrentdb://k:2113?Tls=false",
                               postgres_host="pg", postgres_dbname="pzh", postgres_user="pzh", postgres_password="pw")
    env = store_env(settings, "registry")
    assert resolve_topic(env["PERSISTENCE_MODULE"]) is kurrent.KurrentFactory
    assert env["KURRENTDB_URI"] == "kurrentdb://k:2113?Tls=false"
    postgres = store_env(settings.model_copy(update={"event_store": "postgres"}), "registry")
    # The tracking database is named exactly as the PostgreSQL backend's store.
    assert {k: v for k, v in env.items() if k.startswith("POSTGRES_")} == {
        k: v for k, v in postgres.items() if k.startswith("POSTGRES_")
    }


def test_without_a_uri_the_factory_refuses_to_start():
    env = store_env(ServiceSettings(event_store="kurrentdb"), "registry")
    with pytest.raises(InfrastructureFactoryError, match="KURRENTDB_URI"):
        InfrastructureFactory.construct(env)
