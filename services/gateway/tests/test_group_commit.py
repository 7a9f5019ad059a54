"""The gateway's group commit (gateway/adapters/group_commit.py): calls submitted while a commit runs share the
next one, a bad write fails only its own call, and closing commits what is queued."""

from __future__ import annotations

import threading

import pytest
from gateway.adapters.group_commit import GroupCommit
from gateway.adapters.sqlite_store import SqliteGatewayStore
from gateway.adapters.store import audit_write, owner_write


def test_calls_queued_during_a_commit_share_the_next_one():
    commits: list[list[tuple]] = []
    first_started, release = threading.Event(), threading.Event()

    def commit(writes):
        commits.append(list(writes))
        if len(commits) == 1:
            first_started.set()
            release.wait(5)

    writer = GroupCommit(commit)
    first = writer.submit([("owner", ("case", "a", "990102"))])
    assert first_started.wait(5)
    queued = [writer.submit([("owner", ("case", str(n), "990102"))]) for n in range(10)]
    release.set()
    for done in [first, *queued]:
        done.result(5)
    writer.close()
    assert [len(c) for c in commits] == [1, 10]
    assert [w[1][1] for w in commits[1]] == [str(n) for n in range(10)]  # in the order submitted


def test_a_bad_write_fails_its_own_call_only():
    committed: list[str] = []
    gate = threading.Event()

    def commit(writes):
        gate.wait(5)
        if any(w[1][1] == "bad" for w in writes):
            raise ValueError("refused")
        committed.extend(w[1][1] for w in writes)

    writer = GroupCommit(commit)
    calls = [writer.submit([("owner", ("case", name, "990102"))]) for name in ("a", "bad", "b")]
    gate.set()
    assert calls[0].result(5) is None and calls[2].result(5) is None
    with pytest.raises(ValueError):
        calls[1].result(5)
    writer.close()
    assert sorted(committed) == ["a", "b"]


def test_a_store_closed_with_records_queued_has_committed_them(tmp_path):
    store = SqliteGatewayStore(tmp_path / "g.sqlite")
    pending = [store._writes.submit([owner_write("case", f"c{n}", "990102"),
                                     audit_write(at=1.0, actor="u", role="city_admin", actor_area="9901",
                                                 action="case_create", method="POST", path="/api/cases",
                                                 resource_id=f"c{n}", target_area="990102", status=201)])
               for n in range(50)]
    store.close()
    assert all(done.done() and done.exception() is None for done in pending)
    reopened = SqliteGatewayStore(tmp_path / "g.sqlite")
    try:
        assert len(reopened.audit_records("9901", limit=100)) == 50
        assert reopened.owner("case", "c49") == "990102"
        with pytest.raises(RuntimeError):
            store._writes.submit([owner_write("case", "late", "990102")]).result(1)
    finally:
        reopened.close()
