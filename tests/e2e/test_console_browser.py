"""The web console in a real browser (issue 8, "what it must show"): Playwright drives Debian's
Chromium (/usr/bin/chromium; no browser download) against the whole platform. A county admin
signs in, sees only their county on the dashboard, opens a station from the form and sees it
counted once the projection has it; the other county's data never appears. Screenshots are saved
under the test's tmp dir and copied to test-artifacts/console/ at the repo root (git-ignored)."""

from __future__ import annotations

import random
import secrets
import shutil
from contextlib import closing
from pathlib import Path

from localinfra.run import new_password

from .conftest import GATEWAY_ENV, sign_in, wait_for
from .console_helpers import sign_in_page

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
COUNTY, OTHER_COUNTY = "510421", "510422"


def create_account(gateway_url: str, role: str, area_code: str) -> tuple[str, str]:
    """A new account (name, password) made by the bootstrapped system admin; the browser types them."""
    username, password = f"console-{role}-{secrets.token_hex(4)}", new_password()
    with closing(
        sign_in(
            gateway_url,
            GATEWAY_ENV["GATEWAY_BOOTSTRAP_ADMIN_USERNAME"],
            GATEWAY_ENV["GATEWAY_BOOTSTRAP_ADMIN_PASSWORD"],
        )
    ) as admin:
        reply = admin.post(
            "/api/gateway/users",
            json={"username": username, "password": password, "role": role, "area_code": area_code},
        )
        assert reply.status_code == 201, reply.text
    return username, password


def other_county_station(gateway) -> tuple[str, str]:
    """A township and an open station in the second county, made through the API by the city admin."""
    while True:
        code = f"{OTHER_COUNTY}{random.randint(100, 999)}"
        reply = gateway.post(
            "/api/areas", json={"code": code, "name": f"对照镇{code[-3:]}", "valid_from": "2020-01-01"}
        )
        if reply.status_code == 201:
            break
        assert reply.status_code in (409, 422), reply.text  # taken by another test: pick another
    name = f"盐边对照站{secrets.token_hex(3)}"
    reply = gateway.post("/api/stations", json={"name": name, "tier": "township_station", "area_code": code})
    assert reply.status_code == 201, reply.text
    return name, reply.json()["station_id"]


def count_on(page, gateway_url: str, area: str, tier: str = "township_station") -> int:
    response = page.goto(f"{gateway_url}/console/?area={area}")
    assert response.status == 200, page.inner_text("body")
    return int(page.get_attribute(f"#tier-{tier} .value", "data-count"))


def test_county_admin_console_in_chromium(platform, gateway, township, tmp_path):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} not found: install Debian's chromium (deploy/local/install-system-deps.sh)"
    gateway_url = platform.gateway_url
    foreign_name, foreign_station = other_county_station(gateway)
    wait_for(lambda: gateway.get(f"/api/read-models/stations/{OTHER_COUNTY}").json()["total"] >= 1, timeout=120)
    username, password = create_account(gateway_url, "county_admin", COUNTY)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        target = tmp_path / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        shutil.copy(target, ARTIFACTS / target.name)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000}).new_page()
            page.set_default_timeout(60_000)

            # sign in
            page.goto(f"{gateway_url}/console/")
            page.wait_for_selector("#sign-in")
            shot(page, "01-login")
            sign_in_page(page, username, password)  # the first sign-in enrols the TOTP authenticator
            page.wait_for_selector("#area-title")
            text = page.inner_text("body")
            assert COUNTY in page.inner_text("#area-title") and "县(区)管理员" in text, text
            assert OTHER_COUNTY not in text and foreign_name not in text, text
            shot(page, "02-dashboard")

            # open a station from the form
            county_before = count_on(page, gateway_url, COUNTY)
            assert count_on(page, gateway_url, township) == 0
            page.goto(f"{gateway_url}/console/stations/new")
            station_name = f"浏览器开设站{secrets.token_hex(3)}"
            page.fill("#name", station_name)
            page.select_option("#tier", "township_station")
            page.fill("#area_code", township)
            shot(page, "03-station-form")
            page.click("#open-station")
            page.wait_for_selector("#station-name")
            assert page.inner_text("#station-name") == station_name
            assert "站点已开设" in page.inner_text("body") and page.inner_text("#station-status") == "运行中"
            shot(page, "04-station-opened")

            # counted once the reporting projection has it (polled: the projection is asynchronous)
            wait_for(lambda: count_on(page, gateway_url, township) == 1, timeout=180, interval=1)
            shot(page, "05-township-counted")
            wait_for(lambda: count_on(page, gateway_url, COUNTY) >= county_before + 1, timeout=180, interval=1)
            text = page.inner_text("body")
            assert township in text and OTHER_COUNTY not in text and foreign_name not in text, text
            shot(page, "06-county-counted")

            # the second county: never shown, neither its dashboard nor its station
            response = page.goto(f"{gateway_url}/console/?area={OTHER_COUNTY}")
            assert response.status == 404 and "不在您的管辖范围内" in page.inner_text("body")
            assert foreign_name not in page.inner_text("body")
            shot(page, "07-other-county-refused")
            response = page.goto(f"{gateway_url}/console/stations/{foreign_station}")
            assert response.status == 404 and foreign_name not in page.inner_text("body")

            # a refused command: the service's 4xx message, in Chinese, on the form (swapped in by htmx)
            page.goto(f"{gateway_url}/console/stations/new")
            page.fill("#name", "层级不符站")
            page.select_option("#tier", "township_station")
            page.fill("#area_code", COUNTY)  # a township station at county level
            page.click("#open-station")
            error = page.wait_for_selector("#error").inner_text()
            assert any("\u4e00" <= ch <= "\u9fff" for ch in error) and page.input_value("#name") == "层级不符站", error
            shot(page, "08-form-error")

            # the reporting rhythm: items, or the explicit empty state
            page.goto(f"{gateway_url}/console/rhythm")
            assert page.query_selector("#rhythm") or page.inner_text("#rhythm-empty") == "暂无数据"
            shot(page, "09-rhythm")

            # sign out: back to the sign-in page, and the dashboard asks to sign in again
            page.goto(f"{gateway_url}/console/")
            page.click("#logout")
            page.wait_for_selector("#sign-in")
            page.goto(f"{gateway_url}/console/")
            assert page.query_selector("#sign-in") is not None
        finally:
            browser.close()
