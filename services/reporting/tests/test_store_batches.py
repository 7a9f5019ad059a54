"""The store applies a batch at once (states loaded in one query, folded in memory, written at the end):
an event twice in the same batch counts once, and a batch that fails leaves nothing behind."""

import pytest
from reporting.adapters.store import ReadModelStore
from reporting.projections.router import Changes, project
from reporting.scenario import build


@pytest.fixture(scope="module")
def envelopes():
    return [e for _, e in build(seed=5).events]


def _batch(envelopes):
    return [(e.id, e.type, project(e.type, e.data)) for e in envelopes]


def test_an_event_twice_in_one_batch_counts_once(tmp_path, envelopes):
    once = ReadModelStore(tmp_path / "once.sqlite")
    assert once.apply(_batch(envelopes)) == len(envelopes)
    twice = ReadModelStore(tmp_path / "twice.sqlite")
    doubled = [e for e in envelopes for _ in (0, 1)]  # each right after itself, as a redelivery could come
    assert twice.apply(_batch(doubled)) == len(envelopes)
    assert twice.dump() == once.dump()


def test_a_batch_that_fails_leaves_nothing_and_the_next_one_applies(tmp_path, envelopes):
    store = ReadModelStore(tmp_path / "rm.sqlite")
    head, tail = envelopes[:300], envelopes[300:]
    store.apply(_batch(head))
    before = store.dump()
    broken = Changes(
        aggregate=("case", "no-such-case"), event_type="casework.no.such.event.v1"
    )  # no handler: the fold fails
    with pytest.raises(KeyError):
        store.apply([*_batch(tail), ("broken-event", "casework.no.such.event.v1", broken)])
    assert store.dump() == before
    store.apply(_batch(tail))
    reference = ReadModelStore(tmp_path / "reference.sqlite")
    reference.apply(_batch(envelopes))
    assert store.dump() == reference.dump()


def test_a_second_process_opening_the_store_while_the_first_writes_waits_instead_of_failing(tmp_path):
    """Replicas share the read-model file: a worker starting while another is in the middle of a
    write transaction waits for it (busy timeout) rather than crash with "database is locked"."""
    import sqlite3
    import threading

    path = tmp_path / "rm.sqlite"
    ReadModelStore(path).close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO processed_events (event_id, event_type) VALUES ('e1', 't')")
    opened: list = []
    second = threading.Thread(target=lambda: opened.append(ReadModelStore(path)))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second store must wait for the writer"
    writer.execute("COMMIT")
    second.join(30)
    assert len(opened) == 1
    opened[0].close()
    writer.close()
