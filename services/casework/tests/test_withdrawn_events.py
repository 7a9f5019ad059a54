"""Events of the withdrawn charity needs ledger and donation points (moved to the funding service on
2026-12-08) stay in casework stores written before then; the relay and the lists still read the whole log."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from casework.adapters.integration import PUBLICATION
from casework.application.withdrawn import WITHDRAWN_TOPICS
from casework.testing import AREA, COUNTY, STATION, ok
from eventsourcing.persistence import StoredEvent
from pzh_shared.relay import OutboxRelay


def old_stored_event(cw, topic: str, originator_id: uuid.UUID, version: int, state: dict) -> StoredEvent:
    """A stored event as the withdrawn classes wrote it: encoded by the same mapper as every other event."""
    mapper = cw.mapper
    data = mapper.transcoder.encode({"timestamp": datetime(2021, 11, 1, tzinfo=UTC), **state})
    if mapper.compressor:
        data = mapper.compressor.compress(data)
    if mapper.cipher:
        data = mapper.cipher.encrypt(data)
    return StoredEvent(originator_id=originator_id, originator_version=version, topic=topic, state=data)


def test_stored_charity_events_are_skipped_by_the_relay_and_the_lists(api, cw):
    point, need = uuid.uuid4(), uuid.uuid4()
    registered, recorded, matched = WITHDRAWN_TOPICS
    cw.recorder.insert_events([
        old_stored_event(cw, registered, point, 1, {
            "originator_topic": "casework.domain.charity:DonationPoint", "station_id": STATION,
            "name": "向阳慈善超市", "opened_on": date(2021, 3, 1)}),
        old_stored_event(cw, recorded, need, 1, {
            "originator_topic": "casework.domain.charity:CharityNeed", "station_id": STATION, "category": "material",
            "summary": "独居老人过冬棉被", "quantity": 20, "recorded_on": date(2021, 11, 1)}),
        old_stored_event(cw, matched, need, 2, {
            "station_id": STATION, "category": "material", "donation_point_id": str(point), "donor_kind": "enterprise",
            "amount": "4000.00", "matched_on": date(2021, 11, 5)}),
    ])
    complaint = ok(api.post("/complaints", json={"station_id": STATION, "channel": "phone", "summary": "活动通知太晚",
                                                  "received_at": "2021-11-06T09:00:00+08:00", "area_code": AREA}), 201)

    notifications = cw.recorder.select_notifications(0, 10)
    assert [n.topic for n in notifications[:3]] == list(WITHDRAWN_TOPICS) and len(notifications) == 4
    relay = OutboxRelay(cw, PUBLICATION.translate, "localhost:9", "casework")  # never started: no broker needed
    assert [relay.envelope(n) for n in notifications[:3]] == [None, None, None]
    assert [event_type for _, event_type, _ in PUBLICATION.public_events(cw)] == ["casework.complaint.received.v1"]
    listed = ok(api.get("/complaints", params={"area": COUNTY}))
    assert [row["complaint_id"] for row in listed["items"]] == [complaint["complaint_id"]]
