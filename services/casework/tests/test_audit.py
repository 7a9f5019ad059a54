"""The read audit: every read or export of a case file is recorded (who, when, which case, stated
purpose) in an append-only, hash-chained log the service cannot rewrite."""

from __future__ import annotations

import sqlite3

import pytest
from casework.adapters.audit import SqliteReadAudit
from casework.testing import READER, headers, new_client, ok, open_case


def test_n_reads_make_exactly_n_records(api, cw):
    case_id, other = str(open_case(cw)), str(open_case(cw))
    for _ in range(5):
        ok(api.get(f"/cases/{case_id}", headers=READER))
    ok(api.get(f"/cases/{case_id}/export", headers=headers("audit.officer", "年度抽查")))
    ok(api.get(f"/cases/{other}", headers=READER))
    records = ok(api.get("/audit/reads", params={"subject_id": case_id}))
    assert records["count"] == 6
    assert [(r["user"], r["action"], r["purpose"], r["subject_kind"]) for r in records["records"]] == \
        [("zhang.supervisor", "read", "督导复核", "case")] * 5 + [("audit.officer", "export", "年度抽查", "case")]
    assert ok(api.get("/audit/reads"))["count"] == 7
    assert ok(api.get("/audit/verification")) == {"intact": True, "broken_seqs": []}


MISSING = [
    {},
    {"X-User": "zhang"},
    {"X-Purpose": "audit"},
    {"X-User": "", "X-Purpose": "audit"},
    {"X-User": "%20", "X-Purpose": "audit"},
]


@pytest.mark.parametrize("sent", MISSING)
def test_a_read_without_who_and_why_is_refused_and_not_recorded(api, cw, sent):
    case_id = str(open_case(cw))
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/export", f"/clients/{cw.case(case_id).client_id}"):
        reply = api.get(path, headers=sent)
        assert reply.status_code == 422, reply.text
        assert "X-" in reply.json()["error"]["message"]
    assert cw.audit.records() == []


def test_a_read_of_a_missing_case_is_404_and_not_recorded(api, cw):
    assert api.get("/cases/00000000-0000-4000-8000-000000000000", headers=READER).status_code == 404
    assert cw.audit.records() == []


def test_client_reads_are_audited_too(api, cw):
    client_id = str(new_client(cw))
    body = ok(api.get(f"/clients/{client_id}", headers=READER))
    assert body["identity"]["name"] == "测试人"
    assert [r.action for r in cw.audit.records(client_id)] == ["client_read"]


def test_the_log_refuses_updates_and_deletes(cw, settings):
    case_id = str(open_case(cw))
    for _ in range(3):
        cw.read_case(case_id, "zhang", "督导")
    db = sqlite3.connect(settings.data_dir / "casework-audit.sqlite")
    for statement in (
        "UPDATE case_reads SET purpose = '改写' WHERE seq = 2",
        "DELETE FROM case_reads WHERE seq = 3",
        "DELETE FROM case_reads",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(statement)
    db.close()
    assert len(cw.audit.records(case_id)) == 3 and cw.audit.verify() == []


def test_tampering_around_the_triggers_breaks_the_hash_chain(cw, settings):
    case_id = str(open_case(cw))
    for _ in range(4):
        cw.read_case(case_id, "zhang", "督导")
    db = sqlite3.connect(settings.data_dir / "casework-audit.sqlite")
    db.executescript(
        "DROP TRIGGER case_reads_no_update; UPDATE case_reads SET user_name = 'someone.else' WHERE seq = 2;"
    )
    db.commit()
    db.close()
    assert cw.audit.verify() == [2]


def test_the_chain_continues_across_restarts(tmp_path):
    first = SqliteReadAudit(tmp_path / "a.sqlite")
    first.record("u", "read", "case", "c1", "p")
    first.close()
    again = SqliteReadAudit(tmp_path / "a.sqlite")
    record = again.record("u", "read", "case", "c1", "p")
    assert record.seq == 2 and again.verify() == []
    again.close()


def test_the_reads_are_filtered_and_paged_in_the_store(api, cw):
    """actor, action, purpose (a text in it) and since/until (ISO 8601, China time without an offset) combine with
    subject_id and the after/limit paging, oldest first."""
    from datetime import UTC, datetime, timedelta, timezone

    case_id, other = str(open_case(cw)), str(open_case(cw))
    cw.read_case(case_id, "zhang", "督导复核")
    cw.read_case(case_id, "li", "年度抽查", action="export")
    middle = datetime.now(UTC)
    cw.read_case(other, "zhang", "入户走访")
    cw.read_case(case_id, "zhang", "年度抽查")

    def reads(**params):
        return [(r["user"], r["action"], r["purpose"]) for r in ok(api.get("/audit/reads", params=params))["records"]]

    assert reads(actor="zhang") == [("zhang", "read", "督导复核"), ("zhang", "read", "入户走访"),
                                    ("zhang", "read", "年度抽查")]
    assert reads(action="export") == [("li", "export", "年度抽查")]
    assert reads(purpose="抽查", actor="zhang") == [("zhang", "read", "年度抽查")]
    assert reads(subject_id=other) == [("zhang", "read", "入户走访")]
    assert reads(until=middle.isoformat()) == [("zhang", "read", "督导复核"), ("li", "export", "年度抽查")]
    assert reads(since=middle.isoformat(), actor="zhang") == [("zhang", "read", "入户走访"),
                                                              ("zhang", "read", "年度抽查")]
    china = middle.astimezone(timezone(timedelta(hours=8))).replace(tzinfo=None).isoformat()
    assert len(reads(since=china)) == 2  # a time without an offset is China time
    first = ok(api.get("/audit/reads", params={"actor": "zhang", "limit": 2}))["records"]
    rest = ok(api.get("/audit/reads", params={"actor": "zhang", "after": first[-1]["seq"]}))["records"]
    assert [r["purpose"] for r in first + rest] == ["督导复核", "入户走访", "年度抽查"]
    assert reads(actor="nobody") == []


def test_bad_audit_filters_are_a_chinese_422_naming_the_field(api):
    for params, field in (({"since": "yesterday"}, "since"), ({"until": "2026-13-01T00:00"}, "until"),
                          ({"after": "x"}, "after")):
        reply = api.get("/audit/reads", params=params)
        assert reply.status_code == 422, reply.text
        error = reply.json()["error"]
        assert error["details"][0]["field"] == field and "请求内容无效" in error["message"]


def test_filters_do_not_narrow_the_chain_verification(api, cw, settings):
    case_id = str(open_case(cw))
    for user in ("zhang", "li", "zhang"):
        cw.read_case(case_id, user, "督导")
    db = sqlite3.connect(settings.data_dir / "casework-audit.sqlite")
    db.executescript("DROP TRIGGER case_reads_no_update; UPDATE case_reads SET purpose = '改写' WHERE seq = 2;")
    db.commit()
    db.close()
    assert [r["user"] for r in ok(api.get("/audit/reads", params={"actor": "zhang"}))["records"]] == ["zhang"] * 2
    assert ok(api.get("/audit/verification")) == {"intact": False, "broken_seqs": [2]}
