"""Clients: identity sealed with a key per client before any event records it, the minors' consent
rule, and erasure on request (crypto-shredding) that leaves cases and counts intact."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from casework.adapters.integration import PUBLICATION
from casework.application.service import ERASED
from casework.domain.errors import ClientErased, ConsentRequired
from casework.testing import AREA, STATION, SUPERVISOR, identity, new_client, open_case, to_stage

CANARY_NAME = "欧阳金丝雀"
CANARY_ID = "510402201001019876"
CANARY_PHONE = "13912345678"
CANARY_NOTE = "金丝雀家中有两名未成年子女"


def raw_store_bytes(data_dir: Path) -> bytes:
    """Every byte of the event store's SQLite files: the database, its WAL and shared memory."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("casework.sqlite*")))


def public_events(cw) -> list[tuple[str, dict]]:
    notifications = cw.recorder.select_notifications(0, 100_000, inclusive_of_start=False)
    return [t for t in (PUBLICATION.translate(cw.mapper.to_domain_event(n)) for n in notifications) if t is not None]


# --- the minors' consent rule -----------------------------------------------------------------

def test_a_client_under_14_needs_consent_before_a_case_opens(cw):
    child = new_client(cw, birth=date(2010, 6, 1))
    with pytest.raises(ConsentRequired, match="未满14周岁"):
        cw.open_case(child, STATION, AREA, "child_welfare", None, "medium", date(2021, 3, 2))
    cw.record_consent(
        child, "guardian_consent", {"guardian_name": "某监护人", "guardian_relationship": "母亲"}, date(2021, 3, 2)
    )
    case_id = cw.open_case(child, STATION, AREA, "child_welfare", None, "medium", date(2021, 3, 2))
    assert cw.case(case_id).age_band == "6-13"


def test_a_statutory_basis_also_allows_the_case(cw):
    child = new_client(cw, birth=date(2018, 1, 1))
    cw.record_consent(child, "statutory_basis", {"statutory_reference": "《未成年人保护法》第二十条"}, date(2021, 3, 1))
    assert (
        cw.case(cw.open_case(child, STATION, AREA, "child_welfare", None, "high", date(2021, 3, 2))).age_band == "0-5"
    )


def test_consent_recorded_after_the_opening_date_does_not_count(cw):
    child = new_client(cw, birth=date(2010, 6, 1))
    cw.record_consent(child, "guardian_consent", {"guardian_name": "某监护人"}, date(2021, 3, 5))
    with pytest.raises(ConsentRequired):
        cw.open_case(child, STATION, AREA, "child_welfare", None, "medium", date(2021, 3, 2))


def test_at_14_no_consent_is_needed(cw):
    teen = new_client(cw, birth=date(2007, 3, 2))
    assert (
        cw.case(cw.open_case(teen, STATION, AREA, "child_welfare", None, "low", date(2021, 3, 2))).age_band == "14-17"
    )
    younger = new_client(cw, birth=date(2007, 3, 3))  # 14 tomorrow
    with pytest.raises(ConsentRequired):
        cw.open_case(younger, STATION, AREA, "child_welfare", None, "low", date(2021, 3, 2))


def test_suspected_abuse_at_opening_raises_the_escalation_in_the_same_save(cw):
    child = new_client(cw, birth=date(2012, 1, 1))
    cw.record_consent(child, "statutory_basis", {"statutory_reference": "强制报告"}, date(2021, 3, 2))
    case_id = cw.open_case(
        child, STATION, AREA, "child_welfare", None, "medium", date(2021, 3, 2), suspected_child_abuse=True
    )
    types = [t for t, _ in public_events(cw)]
    assert types[-2:] == ["casework.case.opened.v2", "casework.escalation.raised.v1"]
    assert cw.case(case_id).risk_level == "critical"


# --- sealing and erasure -----------------------------------------------------------------------

def test_stored_events_hold_only_ciphertext_for_identity(cw, settings):
    client_id = cw.register_client(
        STATION, identity(name=CANARY_NAME, id_number=CANARY_ID, phone=CANARY_PHONE), date(2021, 3, 1)
    )
    stored = cw.recorder.select_events(client_id)
    assert stored and all(CANARY_NAME.encode() not in s.state and CANARY_ID.encode() not in s.state for s in stored)
    assert cw.identity(cw.client(client_id))["name"] == CANARY_NAME


def test_erasure_removes_identity_everywhere_but_keeps_the_case_and_the_counts(cw, settings):
    client_id = cw.register_client(
        STATION,
        identity(name=CANARY_NAME, id_number=CANARY_ID, phone=CANARY_PHONE, birth=date(1950, 2, 1)),
        date(2021, 3, 1),
    )
    case_id = cw.open_case(client_id, STATION, AREA, "elderly_care", None, "high", date(2021, 3, 2))
    cw.add_note(case_id, CANARY_NOTE, "li.worker", date(2021, 3, 2))
    to_stage(cw, case_id, "intervention")
    cw.refer(case_id, "medical", date(2021, 4, 10))
    other = open_case(cw)  # someone else's case: untouched by the erasure
    before = cw.read_case(case_id, "li.worker", "服务跟进")
    assert before["client"]["name"] == CANARY_NAME and before["notes"][0]["text"] == CANARY_NOTE
    counts_before = public_events(cw)
    key = cw.keys.get(client_id)

    cw.erase_client(client_id, date(2021, 5, 1), "wang.officer", "依个人信息保护法应本人请求删除")

    after = cw.read_case(case_id, "li.worker", "服务跟进")
    assert after["identity_erased"] is True
    assert after["client"] == dict.fromkeys(("name", "id_number", "phone", "address", "birth_date"), ERASED)
    assert after["notes"] == [{"author": "li.worker", "on": date(2021, 3, 2), "text": ERASED}]
    # the client's record gained the erasure event (client_version); the case itself is unchanged
    client_fields = ("client", "notes", "identity_erased", "client_version")
    assert {k: v for k, v in after.items() if k not in client_fields} == \
           {k: v for k, v in before.items() if k not in client_fields}
    assert after["client_version"] == before["client_version"] + 1
    assert cw.read_client(client_id, "wang.officer", "核实删除")["identity"]["name"] == ERASED
    assert cw.read_case(other, "li.worker", "服务跟进")["client"]["name"] == "测试人"
    # the reporting counts come from the public events: the erasure adds none and changes none
    assert public_events(cw) == counts_before
    # no new work for an erased person
    with pytest.raises(ClientErased):
        cw.open_case(client_id, STATION, AREA, "elderly_care", None, "low", date(2021, 6, 1))
    with pytest.raises(ClientErased):
        cw.add_note(case_id, "x", "li.worker", date(2021, 6, 1))
    # the case goes on to its end without the identity
    to_stage(cw, case_id, "closing")
    cw.approve_closing(case_id, SUPERVISOR, date(2021, 7, 1))
    cw.close_case(case_id, date(2021, 7, 2))

    live = raw_store_bytes(settings.data_dir)  # with the WAL still beside the database
    cw.close()
    for raw in (live, raw_store_bytes(settings.data_dir)):
        assert raw, "the event store's files were read"
        for canary in (CANARY_NAME, CANARY_ID, CANARY_PHONE, CANARY_NOTE):
            assert canary.encode() not in raw, canary
    keys_file = (settings.data_dir / "casework-keys.sqlite").read_bytes()
    assert key not in keys_file, "the erased key is overwritten on disk (secure_delete)"


def test_erasure_is_audited_and_idempotent_for_the_event_log(cw):
    client_id = new_client(cw)
    cw.erase_client(client_id, date(2021, 5, 1), "wang.officer", "本人请求删除")
    cw.erase_client(client_id, date(2021, 5, 2), "wang.officer", "本人请求删除")
    assert cw.client(client_id).erased_on == date(2021, 5, 1)
    assert [r.action for r in cw.audit.records(str(client_id))] == ["erasure", "erasure"]
