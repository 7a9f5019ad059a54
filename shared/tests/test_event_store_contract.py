"""One contract for every event-store backend present: SQLite (embedded), PostgreSQL (real server), and KurrentDB
(a real server named by KURRENTDB_URI, with its tracking records in the PostgreSQL server of the tests)."""

from __future__ import annotations

import os
import uuid
from datetime import date

import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, Tracking
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from pzh_shared.envelope import event_id
from pzh_shared.eventstore import ServiceApplication, event_meta, make_application
from pzh_shared.relay import OutboxRelay
from pzh_shared.settings import ServiceSettings


class Ledger(Aggregate):
    @event("Started")
    def __init__(self, title: str, on: date):
        self.title = title
        self.on = on
        self.entries: list[int] = []

    @event("Entered")
    def enter(self, amount: int) -> None:
        self.entries.append(amount)


class LedgerApplication(ServiceApplication):
    name = "contract"


# KurrentDB joins when a server is named (none can run on these machines: shared/tests/conftest.py then prints
# that the suite was not run).
KURRENTDB_URI = os.environ.get("KURRENTDB_URI", "")
KURRENTDB = [pytest.param("kurrentdb", marks=pytest.mark.postgres)] if KURRENTDB_URI else []
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), *KURRENTDB]


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    if request.param == "sqlite":
        settings = ServiceSettings(event_store="sqlite", data_dir=tmp_path)
    else:
        server = request.getfixturevalue("postgres_server")
        settings = ServiceSettings(event_store=request.param, kurrentdb_uri=KURRENTDB_URI, postgres_host=server.host,
                                   postgres_port=server.port, postgres_dbname=server.dbname,
                                   postgres_user=server.user, postgres_password=server.password or "")
    # A fresh application name per test gives it its own tables (and KurrentDB streams) on a shared server.
    fresh = type("ContractApplication", (LedgerApplication,), {"name": f"contract_{uuid.uuid4().hex[:8]}"})
    application = make_application(fresh, settings)
    yield application
    application.close()


def test_saved_aggregate_reloads_with_its_values(app):
    ledger = Ledger("2021年度", date(2021, 1, 1))
    ledger.enter(5)
    app.save(ledger)
    again = app.repository.get(ledger.id)
    assert (again.title, again.on, again.entries, again.version) == ("2021年度", date(2021, 1, 1), [5], 2)


def test_concurrent_change_is_refused_not_lost(app):
    ledger = Ledger("x", date(2021, 1, 1))
    app.save(ledger)
    first, second = app.repository.get(ledger.id), app.repository.get(ledger.id)
    first.enter(1)
    second.enter(2)
    app.save(first)
    with pytest.raises(IntegrityError):
        app.save(second)
    assert app.repository.get(ledger.id).entries == [1]


def test_notification_log_is_ordered_and_pageable(app):
    ids = []
    for n in range(5):
        ledger = Ledger(f"l{n}", date(2021, 1, 1))
        app.save(ledger)
        ids.append(ledger.id)
    page = app.recorder.select_notifications(0, 3, inclusive_of_start=False)
    rest = app.recorder.select_notifications(page[-1].id, 10, inclusive_of_start=False)
    assert [n.originator_id for n in page + rest] == ids
    assert [n.originator_version for n in page + rest] == [1] * 5
    assert [n.id for n in page + rest] == sorted(n.id for n in page + rest)
    assert app.recorder.max_notification_id() == rest[-1].id


def test_a_save_of_several_aggregates_is_all_or_nothing(app):
    first, second = Ledger("a", date(2021, 1, 1)), Ledger("b", date(2021, 1, 1))
    app.save(first, second)
    assert {app.repository.get(first.id).title, app.repository.get(second.id).title} == {"a", "b"}
    stale = app.repository.get(first.id)
    fresh = app.repository.get(first.id)
    fresh.enter(1)
    app.save(fresh)
    stale.enter(2)
    third = Ledger("c", date(2021, 1, 1))
    with pytest.raises(IntegrityError):
        app.save(third, stale)  # the new one first: storing it alone would be seen
    assert app.find(third.id) is None and app.repository.get(first.id).entries == [1]


def test_effects_of_a_consumed_message_are_stored_with_its_tracking_or_not_at_all(app):
    tracking = Tracking("contract.events:0", 5)
    ledger = Ledger("consumed", date(2021, 1, 1))
    app.save_tracked(tracking, ledger)
    assert app.already_tracked(tracking) and app.repository.get(ledger.id).title == "consumed"
    # The same message again (redelivered after a crash or handled by two members): refused with its effects.
    again = Ledger("again", date(2021, 1, 1))
    with pytest.raises(IntegrityError):
        app.save_tracked(Tracking("contract.events:0", 5), again)
    assert app.find(again.id) is None
    app.save_tracked(Tracking("contract.events:0", 6))  # a message with no effects is tracked all the same
    assert app.recorder.max_tracking_id("contract.events:0") == 6


def test_relay_reads_the_log_after_its_checkpoint(app):
    def translate(domain_event):  # the first event is public, the others private
        if domain_event.originator_version != 1:
            return None
        return "contract.ledger.started.v1", {"title": domain_event.title}

    relay = OutboxRelay(app, translate, "127.0.0.1:9", "contract", topic=f"{app.name}.events")
    ledger = Ledger("published", date(2021, 1, 1))
    ledger.enter(3)
    app.save(ledger)
    started, entered = app.recorder.select_notifications(relay.checkpoint(), 10, inclusive_of_start=False)
    envelope, _ = relay.envelope(started)
    assert (envelope.subject, envelope.id, envelope.data) == (str(ledger.id), event_id(str(ledger.id), 1),
                                                              {"title": "published"})
    assert relay.envelope(entered) is None and relay.lag() > 0
    relay.tracking.insert_tracking(Tracking(relay.checkpoint_name, entered.id))
    assert relay.lag() == 0
    assert app.recorder.select_notifications(relay.checkpoint(), 10, inclusive_of_start=False) == []


def test_tracking_checkpoint_survives_reopening(app):
    tracking = app.factory.tracking_recorder()
    assert tracking.max_tracking_id("relay") is None
    tracking.insert_tracking(Tracking("relay", 7))
    tracking.insert_tracking(Tracking("relay", 9))
    assert tracking.max_tracking_id("relay") == 9


def test_trace_context_of_the_command_is_stored_with_its_event(app):
    tracer = TracerProvider().get_tracer("contract")
    with tracer.start_as_current_span("command") as span:
        ledger = Ledger("traced", date(2021, 1, 1))
        app.save(ledger)
        trace_id = format(span.get_span_context().trace_id, "032x")
    stored = app.recorder.select_notifications(0, 10, inclusive_of_start=False)[-1]
    domain_event = app.mapper.to_domain_event(stored)
    assert event_meta(domain_event)["traceparent"].split("-")[1] == trace_id
    assert trace.get_current_span().get_span_context().is_valid is False


def test_cipher_key_encrypts_every_stored_event_at_rest(tmp_path):
    from eventsourcing.cryptography import AESCipher

    settings = ServiceSettings(data_dir=tmp_path, cipher_key=AESCipher.create_key(16))
    application = make_application(LedgerApplication, settings)
    ledger = Ledger("绝密台账", date(2021, 1, 1))
    application.save(ledger)
    assert application.repository.get(ledger.id).title == "绝密台账"
    application.close()
    raw = (tmp_path / "contract.sqlite").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("contract.sqlite-*")
    )
    assert "绝密台账".encode() not in raw and b"Ledger" in raw  # topics stay readable, state does not
