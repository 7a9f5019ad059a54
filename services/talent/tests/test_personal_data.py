"""Talent's people's personal data kept like casework's clients': a data key per person, erasure by destroying
the key, and every unmasked read audited, over the real SQLite stores (event store, key store, read audit)."""

import uuid
from datetime import date
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pzh_shared.listing import ListQuery
from pzh_shared.sealing import unseal
from talent.adapters.integration import PUBLICATION
from talent.api.app import create_app
from talent.domain.errors import AlreadyRegistered

READER = {"X-User": "county-admin-1", "X-Purpose": quote("核对社工身份")}


@pytest.fixture
def app(talent_app):
    return talent_app  # no application cipher: the raw store shows what the per-person sealing alone leaves in it


@pytest.fixture
def client(app):
    with TestClient(create_app(app)) as client:
        yield client


def ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


def raw_store(tmp_path, name="talent.sqlite"):
    return b"".join(p.read_bytes() for p in tmp_path.glob(f"{name}*"))


def test_each_person_has_a_key_of_their_own_and_a_token_opens_only_with_it(app, new_id_number):
    worker = app.worker(app.register_worker("欧阳一", new_id_number(), "13800001111", date(2021, 1, 4)))
    volunteer = app.volunteer(app.register_volunteer("欧阳二", new_id_number(), "13800002222", "V-0001",
                                                     str(uuid.uuid4()), date(2021, 1, 4)))
    intern = app.intern(app.register_intern("欧阳三", "13800003333", "某大学", date(2021, 1, 4)))
    keys = [app.keys.get(p.id) for p in (worker, volunteer, intern)]
    assert None not in keys and len(set(keys)) == 3
    assert unseal(keys[0], worker.id, worker.sealed_identity)["name"] == "欧阳一"
    assert unseal(keys[1], worker.id, worker.sealed_identity) is None  # another person's key
    assert unseal(keys[0], volunteer.id, worker.sealed_identity) is None  # the token copied onto another person
    assert app.identity(intern) == {"name": "欧阳三", "phone": "13800003333"}


def test_a_refused_registration_leaves_no_key_behind(app, new_id_number):
    number = new_id_number()
    app.register_worker("甲", number, "13800001111", date(2021, 1, 4))
    with pytest.raises(AlreadyRegistered):
        app.register_worker("乙", number, "13800002222", date(2021, 1, 4))
    assert app.keys._db.execute("SELECT count(*) FROM person_keys").fetchone() == (1,)


def test_erasure_makes_the_id_number_and_phone_unreadable_and_keeps_the_counts(tmp_path, app, client, new_id_number,
                                                                                plan_station):
    station = str(uuid.uuid4())
    plan_station(app, station, "township_station", provincial_pilot=True)
    number, phone = new_id_number(), "13912345678"
    worker_id = ok(client.post("/workers", json={"name": "司马隐私", "id_number": number, "phone": phone,
                                                 "registered_on": "2021-01-04"}), 201)["worker_id"]
    ok(client.post(f"/workers/{worker_id}/assignment",
                   json={"station_id": station, "employment": "full_time", "assigned_on": "2021-02-01"}))
    key = app.keys.get(uuid.UUID(worker_id))
    assert number.encode() not in raw_store(tmp_path) and phone.encode() not in raw_store(tmp_path)  # sealed
    assert key in raw_store(tmp_path, "talent-keys.sqlite")
    found = app.lists.page("workers", ListQuery(filters={"id_number": number}))
    assert [row["id"] for row in found.items] == [worker_id]
    quotas_before, public_before = app.quotas(station, 2021), list(PUBLICATION.public_events(app))

    erased = ok(client.post(f"/workers/{worker_id}/erasure", json={"on": "2022-03-01"}, headers=READER))
    assert erased["erased_on"] == "2022-03-01" and erased["audit_seq"] == 1

    assert app.keys.get(uuid.UUID(worker_id)) is None
    assert key not in raw_store(tmp_path, "talent-keys.sqlite")  # overwritten, not just unlinked (secure_delete)
    assert number.encode() not in raw_store(tmp_path) and phone.encode() not in raw_store(tmp_path)
    shown = ok(client.get(f"/workers/{worker_id}"))
    assert (shown["name"], shown["id_number_masked"], shown["phone_masked"]) == ("[已删除]",) * 3
    assert shown["erased_on"] == "2022-03-01" and shown["station_id"] == station
    read = ok(client.get(f"/workers/{worker_id}/personal-data", headers=READER))
    assert read["erased"] and read["identity"] == {"name": "[已删除]", "id_number": "[已删除]", "phone": "[已删除]"}
    assert app.lists.page("workers", ListQuery(filters={"id_number": number})).total == 0
    assert app.lists.page("workers", ListQuery(filters={"name": "司马隐私"})).total == 0
    listed = ok(client.get("/workers", params={"station_id": station}))
    assert [(row["worker_id"], row["name"]) for row in listed["items"]] == [(worker_id, "[已删除]")]
    assert app.quotas(station, 2021) == quotas_before  # the figures stay
    public_after = list(PUBLICATION.public_events(app))
    assert public_after == public_before  # erasure publishes nothing, and nothing published names the worker
    assert number not in str(public_after) and phone not in str(public_after)
    assert ok(client.post(f"/workers/{worker_id}/erasure", json={}, headers=READER), 409)


@pytest.mark.parametrize("collection", ["volunteers", "interns"])
def test_volunteers_and_interns_are_erased_the_same_way(tmp_path, app, client, new_id_number, collection):
    body = {"name": "诸葛秘", "phone": "13711112222", "registered_on": "2021-01-04"}
    if collection == "volunteers":
        body |= {"id_number": new_id_number(), "volunteer_number": "V-7777", "station_id": str(uuid.uuid4())}
    else:
        body |= {"university": "某大学"}
    person_id = next(iter(ok(client.post(f"/{collection}", json=body), 201).values()))
    assert ok(client.get(f"/{collection}/{person_id}/personal-data", headers=READER))["identity"]["phone"] == \
        "13711112222"
    ok(client.post(f"/{collection}/{person_id}/erasure", json={"on": "2022-01-01"}, headers=READER))
    assert ok(client.get(f"/{collection}/{person_id}"))["phone_masked"] == "[已删除]"
    assert app.keys.get(uuid.UUID(person_id)) is None
    assert b"13711112222" not in raw_store(tmp_path)


def test_every_unmasked_read_is_audited_first_and_the_audit_is_queryable(client, new_id_number):
    number = new_id_number()
    worker_id = ok(client.post("/workers", json={"name": "钱秘", "id_number": number, "phone": "13800001111",
                                                 "registered_on": "2021-01-04"}), 201)["worker_id"]
    ok(client.get(f"/workers/{worker_id}"))  # masked: not an audited read
    assert ok(client.get("/audit/reads"))["count"] == 0
    read = ok(client.get(f"/workers/{worker_id}/personal-data", headers=READER))
    assert read["identity"] == {"name": "钱秘", "id_number": number, "phone": "13800001111"}
    ok(client.get(f"/workers/{worker_id}/personal-data",
                  headers={"X-User": "station-op-2", "X-Purpose": quote("发放补贴")}))
    records = ok(client.get("/audit/reads", params={"subject_id": worker_id}))["records"]
    assert [(r["seq"], r["user"], r["action"], r["subject_kind"], r["purpose"]) for r in records] == [
        (1, "county-admin-1", "personal_data_read", "worker", "核对社工身份"),
        (2, "station-op-2", "personal_data_read", "worker", "发放补贴")]
    assert read["audit_seq"] == 1
    assert [r["seq"] for r in ok(client.get("/audit/reads", params={"actor": "station-op-2"}))["records"]] == [2]
    assert [r["seq"] for r in ok(client.get("/audit/reads", params={"purpose": "补贴"}))["records"]] == [2]
    assert ok(client.get("/audit/reads", params={"action": "erasure"}))["count"] == 0
    assert ok(client.get("/audit/reads", params={"since": "2100-01-01T00:00:00"}))["count"] == 0
    assert ok(client.get("/audit/verification")) == {"intact": True, "broken_seqs": []}
    assert number not in str(ok(client.get("/audit/reads")))


def test_a_read_without_who_or_why_is_refused_naming_the_header(client, new_id_number):
    worker_id = ok(client.post("/workers", json={"name": "孙秘", "id_number": new_id_number(),
                                                 "phone": "13800001111", "registered_on": "2021-01-04"}),
                   201)["worker_id"]
    refused = client.get(f"/workers/{worker_id}/personal-data", headers={"X-User": "someone"})
    assert refused.status_code == 422 and "X-Purpose" in refused.text
    refused = client.get(f"/workers/{worker_id}/personal-data", headers={"X-User": "someone", "X-Purpose": "%20"})
    assert refused.status_code == 422 and "X-Purpose 不能为空" in refused.text
    assert ok(client.get("/audit/reads"))["count"] == 0


def test_a_worker_stored_before_sealing_is_read_audited_and_erased_from_state_and_lists(app, new_id_number):
    """A version-1 Registered event (the identity in clear under the store's cipher), as stored before sealing."""
    from eventsourcing.persistence import StoredEvent
    from talent.domain.worker import SocialWorker

    number, template = new_id_number(), app.worker(app.register_worker("模板", new_id_number(), "13800001111",
                                                                        date(2021, 1, 4)))
    (stored,) = app.recorder.select_events(template.id, lte=1)
    state = app.mapper.transcoder.decode(stored.state)
    for field in ("class_version", "sealed_identity", "legacy_identity"):
        state.pop(field, None)
    old_id = uuid.uuid4()
    state |= {"originator_id": old_id, "name": "旧档案", "id_number": number, "phone": "13766665555"}
    app.recorder.insert_events([StoredEvent(old_id, 1, stored.topic, app.mapper.transcoder.encode(state))])
    old = app.worker(old_id)
    assert isinstance(old, SocialWorker) and old.sealed_identity is None
    read = app.read_personal_data("worker", old_id, "county-admin-1", "核对旧档案")
    assert read["identity"] == {"name": "旧档案", "id_number": number, "phone": "13766665555"}
    assert app.lists.page("workers", ListQuery(filters={"id_number": number})).total == 1
    app.erase_person("worker", old_id, date(2022, 1, 1), "county-admin-1", "本人申请删除")
    assert app.identity(app.worker(old_id)) is None
    assert app.lists.page("workers", ListQuery(filters={"id_number": number})).total == 0
    assert [r.action for r in app.audit.records(str(old_id))] == ["personal_data_read", "erasure"]
