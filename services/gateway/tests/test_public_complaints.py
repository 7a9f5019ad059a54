"""The township's public complaint page (issue 17 item 9). The plan, annex 2 §5.2 (服務監督):
"鄉鎮(街道)對社會工作服務站日常工作開展情況進行監督管理,設立意見反饋和投訴渠道,接受群眾監督。"
Residents complain without signing in; the gateway checks the township and the station against the registry, limits
per client IP and per township, refuses a form it did not serve, answers a filled honeypot as if accepted while
sending nothing to casework, and shows a receipt's course without the complaint's text."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, COUNTIES, TOWNSHIPS, World, login, make_app
from prometheus_client import REGISTRY

TOWNSHIP = TOWNSHIPS["A"]
OTHER_TOWNSHIP = TOWNSHIPS["B"]
OPEN = "0b7c3a52-6c1e-4b8e-9a51-0c8f2f6d1a01"
CLOSED = "1c8d4b63-6c1e-4b8e-9a51-0c8f2f6d1a02"
ELSEWHERE = "2d9e5c74-6c1e-4b8e-9a51-0c8f2f6d1a03"  # a station of the other township
VILLAGE = f"{TOWNSHIP}201"
RECEIPT = "ABCD2345EFGH"
SUMMARY = "金丝雀投诉：周末活动室不开门"


class Services(World):
    """The registry's areas and stations and casework's public complaint routes, as the services answer them."""

    def __init__(self) -> None:
        super().__init__()
        self.complaints: list[dict] = []
        self.receipt_status = {"status": "handled", "received_at": "2026-12-01T01:30:00Z",
                               "handled_at": "2026-12-02T02:00:00Z", "closed_at": None}

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        path = request.url.path
        names = {TOWNSHIP: "测试甲镇", OTHER_TOWNSHIP: "测试乙镇"}
        if path.startswith("/areas/"):
            code = path.removeprefix("/areas/")
            if code in names:
                return httpx.Response(200, json={"code": code, "level": "township", "name": names[code], "valid": True})
            if code in COUNTIES.values():
                return httpx.Response(200, json={"code": code, "level": "county", "name": "某县", "valid": True})
            return httpx.Response(404, json={"error": {"code": "not_found", "message": "区划不存在"}})
        if path == "/stations":
            stations = {TOWNSHIP: [(OPEN, "甲镇社会工作服务站", VILLAGE, "opened"),
                                   (CLOSED, "甲镇旧站", TOWNSHIP, "closed")],
                        OTHER_TOWNSHIP: [(ELSEWHERE, "乙镇社会工作服务站", OTHER_TOWNSHIP, "opened")]}
            rows = [{"station_id": s, "name": n, "area_code": a, "status": st}
                    for s, n, a, st in stations.get(request.url.params.get("area", ""), [])]
            return httpx.Response(200, json={"items": rows, "total": len(rows), "next_cursor": None})
        if request.method == "POST" and path == "/complaints/public":
            self.complaints.append(json.loads(request.content))
            return httpx.Response(201, json={"receipt": RECEIPT, "received_at": "2026-12-01T01:30:00Z"})
        if path.startswith("/complaints/receipts/"):
            if path.removeprefix("/complaints/receipts/").upper() == RECEIPT:
                return httpx.Response(200, json=self.receipt_status)
            return httpx.Response(404, json={"error": {"code": "not_found", "message": "回执号不存在"}})
        return None


@pytest.fixture
def public(tmp_path):
    def start(**limits: int) -> tuple[TestClient, Services, object]:
        app, world, clock = make_app(tmp_path, Services(), **limits)
        return TestClient(app), world, clock  # type: ignore[return-value]
    return start


def counted(outcome: str) -> float:
    return REGISTRY.get_sample_value("pzh_public_complaints_total", {"outcome": outcome}) or 0.0


def form_of(page: httpx.Response, **fields: str) -> dict[str, str]:
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token, page.text
    return {"form_token": token.group(1), "station_id": OPEN, "summary": SUMMARY, "website": "", **fields}


def test_the_page_shows_the_township_and_its_open_stations_without_sign_in(public):
    client, _, _ = public()
    page = client.get(f"/public/complaints/{TOWNSHIP}")
    assert page.status_code == 200
    assert "测试甲镇" in page.text and "甲镇社会工作服务站" in page.text
    assert "甲镇旧站" not in page.text  # a closed station is not offered
    assert 'name="website"' in page.text and 'class="hp" aria-hidden="true"' in page.text
    assert "set-cookie" not in page.headers
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_a_complaint_goes_to_casework_in_the_station_area_and_answers_a_receipt(public):
    client, world, _ = public()
    before = counted("accepted")
    reply = client.post(f"/public/complaints/{TOWNSHIP}", data=form_of(client.get(f"/public/complaints/{TOWNSHIP}")))
    assert reply.status_code == 200, reply.text
    assert "ABCD-2345-EFGH" in reply.text and f"/public/complaints/receipt/{RECEIPT}" in reply.text
    assert world.complaints == [{"station_id": OPEN, "area_code": VILLAGE, "summary": SUMMARY}]
    assert counted("accepted") == before + 1


def test_a_filled_honeypot_is_answered_as_accepted_stores_nothing_and_is_counted(public):
    client, world, _ = public()
    before = counted("honeypot")
    page = client.get(f"/public/complaints/{TOWNSHIP}")
    reply = client.post(f"/public/complaints/{TOWNSHIP}", data=form_of(page, website="http://spam.example"))
    assert reply.status_code == 200
    assert "投诉已提交" in reply.text and re.search(r'id="receipt">[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}<', reply.text)
    assert world.complaints == []
    assert not [r for r in world.requests if r.url.path.startswith("/complaints")]
    assert counted("honeypot") == before + 1


def test_requests_per_client_ip_are_limited_with_a_chinese_429(public):
    client, _, _ = public(public_requests_per_ip_per_minute=3)
    for _ in range(3):
        assert client.get(f"/public/complaints/{TOWNSHIP}").status_code == 200
    refused = client.get(f"/public/complaints/{TOWNSHIP}")
    assert refused.status_code == 429 and "请求过于频繁" in refused.text and int(refused.headers["retry-after"]) >= 1
    assert client.get(f"/public/complaints/receipt/{RECEIPT}").status_code == 429  # the receipts too
    other_address = TestClient(client.app, client=("203.0.113.9", 50000))
    assert other_address.get(f"/public/complaints/{TOWNSHIP}").status_code == 200


def test_complaints_per_township_are_limited_whatever_the_address(public):
    client, world, _ = public(public_complaints_per_township_per_minute=2)
    for n in range(2):
        sender = TestClient(client.app, client=(f"203.0.113.{n}", 50000))
        form = form_of(sender.get(f"/public/complaints/{TOWNSHIP}"))
        assert sender.post(f"/public/complaints/{TOWNSHIP}", data=form).status_code == 200
    third = TestClient(client.app, client=("203.0.113.99", 50000))
    refused = third.post(f"/public/complaints/{TOWNSHIP}", data=form_of(third.get(f"/public/complaints/{TOWNSHIP}")))
    assert refused.status_code == 429 and "请求过于频繁" in refused.text
    assert len(world.complaints) == 2
    form = form_of(third.get(f"/public/complaints/{OTHER_TOWNSHIP}"), station_id=ELSEWHERE)
    assert third.post(f"/public/complaints/{OTHER_TOWNSHIP}", data=form).status_code == 200


def test_the_receipt_shows_the_course_and_dates_only(public):
    client, world, _ = public()
    shown = client.get(f"/public/complaints/receipt/{RECEIPT.lower()}")
    assert shown.status_code == 200
    assert re.search(r'id="status">处理中<', shown.text)
    assert "2026-12-01 09:30" in shown.text and "2026-12-02 10:00" in shown.text  # China time
    assert "金丝雀" not in shown.text
    world.receipt_status = {**world.receipt_status, "status": "closed", "closed_at": "2026-12-03T02:00:00Z"}
    assert re.search(r'id="status">已办结<', client.get(f"/public/complaints/receipt/{RECEIPT}").text)
    unknown = client.get("/public/complaints/receipt/ZZZZ2345ZZZZ")
    assert unknown.status_code == 404 and "未找到该回执号" in unknown.text
    assert client.get("/public/complaints/receipt/<script>").status_code == 404
    lookup = client.get("/public/complaints/receipt", params={"number": f" {RECEIPT} "}, follow_redirects=False)
    assert lookup.status_code == 303 and lookup.headers["location"] == f"/public/complaints/receipt/{RECEIPT}"


@pytest.mark.parametrize("code", ["999999999", COUNTIES["A"], "110101001", "51042110x", f"{TOWNSHIP}201"])
def test_a_code_that_is_no_township_of_the_deployment_is_a_chinese_404(public, code):
    client, _, _ = public()
    page = client.get(f"/public/complaints/{code}")
    assert page.status_code == 404 and "未找到行政区划代码为" in page.text and "乡镇（街道）" in page.text
    assert client.post(f"/public/complaints/{code}", data={"summary": "x"}).status_code == 404


def test_a_station_of_another_township_is_refused_naming_the_field(public):
    client, world, _ = public()
    page = client.get(f"/public/complaints/{TOWNSHIP}")
    for station, problem in ((ELSEWHERE, "所选站点（station_id）不属于测试甲镇"), (CLOSED, "不属于测试甲镇"),
                             ("", "请选择被投诉的站点（station_id）")):
        reply = client.post(f"/public/complaints/{TOWNSHIP}", data=form_of(page, station_id=station))
        assert reply.status_code == 422 and problem in reply.text, station
    empty = client.post(f"/public/complaints/{TOWNSHIP}", data=form_of(page, summary=""))
    assert empty.status_code == 422 and "请填写投诉内容（summary）" in empty.text
    too_long = client.post(f"/public/complaints/{TOWNSHIP}", data=form_of(page, summary="长" * 2001))
    assert too_long.status_code == 422 and "投诉内容（summary）不能超过 2000 字" in too_long.text
    huge = client.post(f"/public/complaints/{TOWNSHIP}", data=form_of(page, summary="长" * 20_000))
    assert huge.status_code == 413 and "内容过长" in huge.text
    assert world.complaints == []


def test_a_form_the_gateway_did_not_serve_for_this_township_is_refused(public):
    client, world, clock = public()
    served = form_of(client.get(f"/public/complaints/{TOWNSHIP}"))
    for token in ("", "1.abc", served["form_token"] + "0"):
        reply = client.post(f"/public/complaints/{TOWNSHIP}", data={**served, "form_token": token})
        assert reply.status_code == 403 and "表单已过期或来源无效（form_token）" in reply.text
    other = form_of(client.get(f"/public/complaints/{OTHER_TOWNSHIP}"), station_id=ELSEWHERE)
    assert client.post(f"/public/complaints/{TOWNSHIP}", data={**other, "station_id": OPEN}).status_code == 403
    clock.advance(2 * 3600 + 1)  # type: ignore[attr-defined]
    assert client.post(f"/public/complaints/{TOWNSHIP}", data=served).status_code == 403
    assert world.complaints == []


def test_the_api_forwards_nothing_to_casework_public_routes(public):
    client, world, _ = public()
    admin = login(client, "admin", ADMIN_PASSWORD)
    # GET /api/complaints/{complaint_id} exists, so this path answers 405: no rule forwards a POST to it
    assert client.post("/api/complaints/public", json={"summary": "x"}, headers=admin).status_code == 405
    assert client.get(f"/api/complaints/receipts/{RECEIPT}", headers=admin).status_code == 404
    assert not [r for r in world.requests if r.url.path.startswith(("/complaints/public", "/complaints/receipts"))]
