"""A resident complains on the township's public page (issue 17 item 9). The plan, annex 2 §5.2 (服務監督):
"鄉鎮(街道)對社會工作服務站日常工作開展情況進行監督管理,設立意見反饋和投訴渠道,接受群眾監督。"

On the whole platform: a resident, not signed in, opens the township's complaint page, chooses the township's
station, writes a complaint and keeps the receipt number; the township administrator finds the complaint in the
console's complaint list (channel 网络), handles and closes it; the resident's receipt page then says 已办结 without
showing the text; the county's station scorecard of the year counts the complaint as received and closed for that
station. Every page is screenshotted and checked by axe-core at 1280 px and 390 px (console_helpers)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from .conftest import wait_for
from .console_helpers import browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
CHINA = timezone(timedelta(hours=8))
SUMMARY = "投诉旅程：站点周末不开门，活动通知贴得太晚"


def scorecard_row(gateway, county: str, year: int, station_id: str) -> dict | None:
    """The station's facts in a newly generated scorecard of the county (the projections are asynchronous)."""
    made = gateway.post(f"/api/read-models/reports/station-scorecard/{year}", params={"area": county})
    assert made.status_code == 201, made.text
    content = gateway.get(f"/api/read-models/reports/station-scorecard/{year}/latest.json", params={"area": county})
    assert content.status_code == 200, content.text
    return next((s["facts"] for s in content.json()["stations"] if s["station_id"] == station_id), None)


def sign_in_with_second_factor(cp, credentials: tuple[str, str]) -> None:
    """Signs in; a new account is sent to enrol a TOTP second factor first (the console asks every account for
    one), which the test does with the secret the page shows."""
    cp.sign_in(*credentials)
    if cp.page.url.endswith("/console/mfa"):
        cp.fill("#code", pyotp.TOTP(cp.text("#mfa-secret").strip()).now())
        cp.click("#confirm-mfa")


def test_a_resident_complains_and_the_township_handles_it(platform, gateway, township, console):  # noqa: F811
    name = f"投诉旅程站{secrets.token_hex(3)}"
    made = gateway.post("/api/stations", json={"name": name, "tier": "township_station", "area_code": township})
    assert made.status_code == 201, made.text
    station_id = made.json()["station_id"]

    # the resident, not signed in
    rp = console(who="resident")
    rp.goto(f"/public/complaints/{township}")
    assert f"测试镇{township[-3:]}" in rp.text("h1")
    assert rp.page.context.cookies() == []  # no session, no cookie
    rp.select("#station_id", label=name)
    rp.fill("#summary", SUMMARY)
    rp.click("#submit-complaint")
    assert "已收到您的投诉" in rp.text("#submitted")
    receipt = rp.text("#receipt")
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", receipt), receipt
    rp.click("#follow")
    assert rp.text("#status") == "已受理" and SUMMARY not in rp.text()

    # the township administrator finds it in the console's list and answers it
    admin = create_account(platform.gateway_url, "township_admin", township, prefix="complaint")
    ap = console(who="township")
    sign_in_with_second_factor(ap, admin)
    ap.goto("/console/complaints")
    assert "网络" in ap.text("#list")
    ap.click("#list a[href^='/console/complaints/']")
    assert SUMMARY in ap.text("#main") and ap.text("#complaint-status") == "已受理"
    ap.fill("#action", "电话联系站长，调整周末开放时间")
    ap.click("#handle-complaint")
    ap.fill("#response", "周末已恢复开放，通知提前三天张贴")
    ap.click("#close-complaint")
    assert ap.text("#complaint-status") == "已办结"

    rp.goto(f"/public/complaints/receipt/{receipt.replace('-', '')}")
    assert rp.text("#status") == "已办结" and rp.text("#closed-at") != "—"
    assert SUMMARY not in rp.text() and "周末已恢复开放" not in rp.text()

    # the station's evaluation counts it as it counts the others
    year = datetime.now(CHINA).year
    facts = wait_for(lambda: (row := scorecard_row(gateway, township[:6], year, station_id))
                     and row["complaints_closed"] == 1 and row, timeout=120, what="the scorecard counts the complaint")
    assert (facts["complaints_received"], facts["complaints_closed"]) == (1, 1)
