"""One person, one record (issue 18): an intake with the name and birth date of an existing client is registered
but flagged for review (the same ID number is still refused); a reviewer dismisses the pair or merges one record
into the other, which keeps both histories, redirects the old id and is audited."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from casework.application.lists import likeness
from casework.domain.client import Client
from casework.testing import AREA, CITY, COUNTY, OTHER_STATION, STATION, headers, ok
from pzh_shared.listing import ListQuery

CANARY = {"name": "阿依·金丝雀", "birth_date": "1950-02-01"}
OTHER_COUNTY = f"{CITY[:4]}21"
OTHER_AREA = f"{OTHER_COUNTY}001"
REVIEWER = headers("zhang.supervisor", "复核疑似重复记录")


def register(api, area=AREA, station=STATION, **identity) -> dict:
    body = {"station_id": station, "area_code": area, "registered_on": "2021-03-01", **CANARY, **identity}
    return ok(api.post("/clients", json=body), 201)


def open_case(api, client_id, opened_on="2021-03-02") -> str:
    body = {"client_id": client_id, "station_id": STATION, "area_code": AREA, "domain": "elderly_care",
            "opened_on": opened_on}
    return ok(api.post("/cases", json=body), 201)["case_id"]


def queue(api, **params) -> dict:
    return ok(api.get("/clients/duplicates", params=params))


def merge(api, client_id, into, reason="同一人两次登记", hdrs=REVIEWER):
    return api.post(f"/clients/{client_id}/merge", json={"into": into, "reason": reason, "on": "2021-04-01"},
                    headers=hdrs)


@pytest.fixture
def pair(api):
    """An existing client and a later intake of the same person, written another way (full-width, spaced, another
    middle dot) at another station."""
    first = register(api)
    second = register(api, station=OTHER_STATION, name=" 阿依・金丝雀 ")
    return first["client_id"], second


def test_the_likeness_folds_width_spaces_and_middle_dots_but_keeps_the_birth_date():
    born = date(1950, 2, 1)
    assert likeness("ＡＹＩ　Gu·li", born) == likeness("AYI Gu‧li", born) == likeness("AYIGuli", born)
    assert likeness("阿依·金丝雀", born) == likeness("阿依•金丝雀", born) == likeness("阿依金丝雀", born)
    assert likeness("阿依金丝雀", born) != likeness("阿依金丝雀", date(1950, 2, 2))
    assert likeness("阿依金丝雀", born) != likeness("阿依金丝", born)
    assert likeness("·", born) is None and likeness("阿依", None) is None


def test_same_name_and_birth_date_is_registered_and_flagged_for_review(api, pair):
    first, second = pair
    assert second["possible_duplicates"] == [first]
    rows = queue(api, area=COUNTY)
    assert rows["total"] == 1
    assert rows["items"] == [{"pair_id": f"{second['client_id']}:{first}", "client_id": second["client_id"],
                              "other_client_id": first, "station_id": OTHER_STATION, "area_code": AREA,
                              "other_station_id": STATION, "other_area_code": AREA, "flagged_on": "2021-03-01"}]
    assert queue(api, area=OTHER_COUNTY)["total"] == 0
    assert queue(api, client_id=first)["total"] == 0 and queue(api, client_id=second["client_id"])["total"] == 1
    for client_id, other in ((first, second["client_id"]), (second["client_id"], first)):
        record = ok(api.get(f"/clients/{client_id}", headers=REVIEWER))
        assert record["possible_duplicates"] == [other] and record["merged_into"] is None


def test_another_birth_date_or_name_is_not_flagged(api):
    register(api)
    assert register(api, birth_date="1950-02-02")["possible_duplicates"] == []
    assert register(api, name="阿依·金丝")["possible_duplicates"] == []
    assert queue(api)["total"] == 0


def test_every_lookalike_is_flagged_and_the_same_id_number_is_still_refused(api):
    id_number = f"{COUNTY}19500201987X"
    first = register(api, id_number=id_number)["client_id"]
    second = register(api, area=OTHER_AREA)["client_id"]  # another county: one person may move
    third = register(api)
    assert sorted(third["possible_duplicates"]) == sorted([first, second])
    assert queue(api, area=CITY)["total"] == 3  # the pairs (2, 1), (3, 1), (3, 2)
    refused = api.post("/clients", json={"station_id": STATION, **CANARY, "id_number": id_number.lower()})
    assert refused.status_code == 409 and refused.json()["error"]["details"] == {"client_id": first}


def test_a_dismissed_pair_leaves_the_queue_and_cannot_be_dismissed_again(api, cw, pair):
    first, second = pair
    body = {"other_client_id": first, "on": "2021-03-05"}
    path = f"/clients/{second['client_id']}/duplicate-dismissal"
    assert api.post(path, json=body).status_code == 422  # who and why are required
    done = ok(api.post(path, json=body, headers=REVIEWER))
    assert queue(api)["total"] == 0
    assert ok(api.get(f"/clients/{first}", headers=REVIEWER))["possible_duplicates"] == []
    again = api.post(f"/clients/{first}/duplicate-dismissal", json={"other_client_id": second["client_id"]},
                     headers=REVIEWER)
    assert again.status_code == 409 and "已处理" in again.json()["error"]["message"]
    never = api.post(f"/clients/{first}/duplicate-dismissal", json={"other_client_id": first}, headers=REVIEWER)
    assert never.status_code == 404 and "疑似重复" in never.json()["error"]["message"]
    records = [r for r in cw.audit_records() if r.action == "duplicate_dismissal"]
    assert [(r.seq, r.user, r.subject_id) for r in records] == [
        (done["audit_seq"] + i, "zhang.supervisor", subject) for i, subject in enumerate((second["client_id"], first))]
    for client_id in (first, second["client_id"]):
        assert type(list(cw.events.get(UUID(client_id)))[-1]) is Client.DuplicateDismissed


def test_a_merge_redirects_the_old_id_keeps_both_histories_and_is_audited(api, cw, pair):
    survivor, second = pair
    old = second["client_id"]
    old_case = open_case(api, old)
    survivor_case = open_case(api, survivor, opened_on="2021-03-03")
    versions = {cid: ok(api.get(f"/clients/{cid}", headers=REVIEWER))["version"] for cid in (old, survivor)}
    done = ok(merge(api, old, survivor))
    assert done == {"client_id": old, "merged_into": survivor, "merged_on": "2021-04-01",
                    "audit_seq": done["audit_seq"]}

    def types(client_id):
        return [type(e).__qualname__ for e in cw.events.get(client_id)]

    assert types(UUID(old))[-1] == "Client.MergedInto" and types(UUID(survivor))[-1] == "Client.Absorbed"
    assert len(types(UUID(old))) == versions[old] + 1 and len(types(UUID(survivor))) == versions[survivor] + 1
    redirected = ok(api.get(f"/clients/{old}", headers=REVIEWER))
    assert (redirected["merged_into"], redirected["merged_on"], redirected["merge_reason"]) == (
        survivor, "2021-04-01", "同一人两次登记")
    assert redirected["identity"]["name"] == " 阿依・金丝雀 "  # the old record stays as it was registered
    assert ok(api.get(f"/clients/{survivor}", headers=REVIEWER))["merged_from"] == [old]
    merges = [r for r in cw.audit_records() if r.action == "merge"]
    assert [(r.seq, r.user, r.subject_id, r.purpose) for r in merges] == [
        (done["audit_seq"] + i, "zhang.supervisor", subject, "复核疑似重复记录")
        for i, subject in enumerate((old, survivor))]

    cases = ok(api.get(f"/clients/{survivor}/cases"))
    assert sorted(r["case_id"] for r in cases["items"]) == sorted([old_case, survivor_case]) and cases["total"] == 2
    assert ok(api.get(f"/cases/{old_case}", headers=REVIEWER))["client_id"] == old  # no case rewritten
    assert queue(api)["total"] == 0
    assert {row["id"] for row in cw.lists.everything("clients", ListQuery())} == {survivor}
    found = ok(api.post("/clients/search", json={"by": "name", "value": CANARY["name"], "area_code": COUNTY},
                        headers=REVIEWER))
    assert [(h["client_id"], h["open_cases"]) for h in found["items"]] == [(survivor, 2)]
    refused = api.post("/cases", json={"client_id": old, "station_id": STATION, "area_code": AREA,
                                       "domain": "elderly_care", "opened_on": "2021-04-02"})
    assert refused.status_code == 409 and refused.json()["error"]["details"] == {"client_id": survivor}
    consent = api.post(f"/clients/{old}/consent", json={"basis": "statutory_basis", "statutory_reference": "某法",
                                                        "on": "2021-04-02"})
    assert consent.status_code == 409 and "已合并至" in consent.json()["error"]["message"]
    assert register(api)["possible_duplicates"] == [survivor]  # only the survivor is still a record to match


def test_a_merge_is_refused_twice_into_itself_or_into_an_erased_or_merged_record(api, cw, pair):
    survivor, second = pair
    old = second["client_id"]
    ok(merge(api, old, survivor))
    again = merge(api, old, survivor)
    assert again.status_code == 409 and "不能再次合并" in again.json()["error"]["message"]
    into_merged = merge(api, survivor, old)
    assert into_merged.status_code == 409 and "合并目标(into)" in into_merged.json()["error"]["message"]
    itself = merge(api, survivor, survivor)
    assert itself.status_code == 422 and "合并目标(into)" in itself.json()["error"]["message"]
    erased = register(api, name="另一人")["client_id"]
    ok(api.post(f"/clients/{erased}/erasure", json={"on": "2021-05-01"}, headers=REVIEWER))
    into_erased = merge(api, survivor, erased)
    assert into_erased.status_code == 409 and "已删除" in into_erased.json()["error"]["message"]
    unknown = merge(api, survivor, "00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 422 and "合并目标(into)" in unknown.json()["error"]["message"]
    assert [r.action for r in cw.audit_records()].count("merge") == 2  # the first merge's; refused ones leave none


@pytest.mark.parametrize(("body", "label"), [
    ({"reason": "同一人"}, "合并目标服务对象编号"),
    ({"into": "不是编号", "reason": "同一人"}, "合并目标服务对象编号"),
    ({"into": "00000000-0000-4000-8000-000000000000"}, "合并原因"),
    ({"into": "00000000-0000-4000-8000-000000000000", "reason": ""}, "合并原因"),
])
def test_bad_merge_bodies_are_422_naming_the_field_in_chinese(api, pair, body, label):
    reply = api.post(f"/clients/{pair[0]}/merge", json=body, headers=REVIEWER)
    assert reply.status_code == 422 and label in reply.json()["error"]["message"], reply.text


def test_a_merge_needs_who_and_why(api, pair):
    reply = merge(api, pair[1]["client_id"], pair[0], hdrs={"X-User": "zhang.supervisor"})
    assert reply.status_code == 422 and "查阅目的" in reply.json()["error"]["message"]


def test_no_name_or_birth_date_in_clear_in_the_list_file_or_the_log(api, settings, caplog):
    caplog.set_level("DEBUG")
    first = register(api)["client_id"]
    second = register(api)["client_id"]
    ok(merge(api, second, first, reason="阿依·金丝雀重复登记"))
    assert "possible duplicate" in caplog.text and "merged into" in caplog.text  # the log of these steps is kept
    lists = b"".join(p.read_bytes() for p in Path(settings.data_dir).glob("casework-lists.sqlite*"))
    assert lists and first.encode() in lists  # the file is the one written to
    for value in ("阿依", "金丝雀", "1950-02-01", "19500201", "重复登记"):
        assert value.encode() not in lists and value not in caplog.text, value


def test_an_intake_flags_at_most_the_newest_lookalikes(cw, monkeypatch):
    import casework.application.service as service

    monkeypatch.setattr(service, "MAX_FLAGGED", 2)
    person = {"name": "阿依金丝雀", "birth_date": date(1950, 2, 1)}
    earlier = [cw.register_client(STATION, person, date(2021, 3, day)) for day in (1, 2, 3)]
    latest = cw.register_client(STATION, person, date(2021, 3, 4))
    assert sorted(cw.client(latest).open_duplicates) == sorted(str(i) for i in earlier[-2:])
    assert cw.client(earlier[0]).open_duplicates == [str(earlier[1]), str(earlier[2])]


def test_a_record_that_absorbed_another_takes_it_along_when_merged_itself(api, cw):
    first, second, third = (register(api)["client_id"] for _ in range(3))
    cases = [open_case(api, client_id) for client_id in (first, second, third)]
    ok(merge(api, third, second))
    ok(merge(api, second, first))
    assert ok(api.get(f"/clients/{first}", headers=REVIEWER))["merged_from"] == [second, third]
    assert ok(api.get(f"/clients/{third}", headers=REVIEWER))["merged_into"] == second  # each step kept as it was
    assert sorted(r["case_id"] for r in ok(api.get(f"/clients/{first}/cases"))["items"]) == sorted(cases)
    # the merged record still lists what was its own when it was merged
    assert sorted(r["case_id"] for r in ok(api.get(f"/clients/{second}/cases"))["items"]) == sorted(cases[1:])
