"""Residents' complaints from the township's public page (issue 17 item 9). The plan, annex 2 §5.2 (服務監督):
"鄉鎮(街道)對社會工作服務站日常工作開展情況進行監督管理,設立意見反饋和投訴渠道,接受群眾監督。"
A resident's complaint is received on the channel online (网络), in the station's area, and followed by a receipt
number that shows its course, never its text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from casework.adapters.integration import PUBLICATION
from casework.application import receipts
from casework.testing import AREA, STATION

SUMMARY = "金丝雀投诉：社工站周末不开门，孩子王小二的作业辅导停了"
HANDLED = datetime(2031, 1, 2, 9, 0, tzinfo=UTC)  # after any clock this test runs on
CLOSED = datetime(2031, 1, 3, 9, 0, tzinfo=UTC)


def file(api, summary: str = SUMMARY) -> str:
    reply = api.post("/complaints/public", json={"station_id": STATION, "area_code": AREA, "summary": summary})
    assert reply.status_code == 201, reply.text
    return str(reply.json()["receipt"])


def test_a_resident_complaint_is_online_in_the_station_area_and_listed_for_its_township(api, cw):
    receipt = file(api)
    assert receipts.normalised(receipt) == receipt
    complaint = cw.complaint_by_receipt(receipt)
    assert (complaint.channel.value, complaint.station_id, complaint.area_code, complaint.status) == (
        "online", STATION, AREA, "received")
    rows = api.get("/complaints", params={"area": AREA[:6], "channel": "online"}).json()["items"]
    assert [row["complaint_id"] for row in rows] == [str(complaint.id)]


def test_the_receipt_shows_the_course_and_never_the_text(api, cw):
    receipt = file(api)
    shown = api.get(f"/complaints/receipts/{receipt.lower()[:4]}-{receipt[4:8]} {receipt[8:]}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["status"] == "received" and shown.json()["handled_at"] is None
    complaint_id = cw.complaint_by_receipt(receipt).id
    cw.handle_complaint(complaint_id, "电话回访金丝雀", HANDLED)
    assert api.get(f"/complaints/receipts/{receipt}").json()["status"] == "handled"
    cw.close_complaint(complaint_id, "已调整开放时间，金丝雀满意", CLOSED)
    shown = api.get(f"/complaints/receipts/{receipt}")
    assert shown.json() == {"status": "closed", "received_at": shown.json()["received_at"],
                            "handled_at": "2031-01-02T09:00:00Z", "closed_at": "2031-01-03T09:00:00Z"}
    assert "金丝雀" not in shown.text


def test_an_unknown_or_malformed_receipt_is_404_in_chinese(api):
    file(api)
    for wrong in ("23456789ABCD", "0OIL0OIL0OIL", "short", "x" * 200):
        reply = api.get(f"/complaints/receipts/{wrong}")
        assert reply.status_code == 404, wrong
        assert reply.json()["error"]["message"] == "回执号不存在，请核对后重新输入"


def test_the_summary_never_reaches_the_integration_events(api, cw):
    file(api)
    notifications = cw.recorder.select_notifications(0, 100, inclusive_of_start=False)
    published = [t for t in (PUBLICATION.translate(cw.mapper.to_domain_event(n)) for n in notifications) if t]
    assert [topic for topic, _ in published] == ["casework.complaint.received.v1"]
    assert published[0][1]["channel"] == "online"
    assert "金丝雀" not in json.dumps(published, ensure_ascii=False, default=str)


def test_a_resident_complaint_is_bounded_and_names_the_field(api):
    too_long = api.post("/complaints/public", json={"station_id": STATION, "area_code": AREA, "summary": "长" * 2001})
    assert too_long.status_code == 422
    assert "summary" in too_long.text
    no_station = api.post("/complaints/public", json={"area_code": AREA, "summary": "x"})
    assert no_station.status_code == 422 and "station_id" in no_station.text


def test_receipts_are_12_characters_without_look_alikes_and_differ():
    made = {receipts.new_receipt() for _ in range(200)}
    assert len(made) == 200
    assert all(len(r) == 12 and not set(r) & set("01ILO") for r in made)
    assert receipts.complaint_id_of(next(iter(made))) != receipts.complaint_id_of(receipts.new_receipt())
