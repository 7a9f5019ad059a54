"""What the console's browser journeys share: Debian's Chromium driven by Playwright, and a page that,
after every navigation (a full load or an htmx-boosted swap), saves a screenshot to
test-artifacts/console/<test>-<n>.png and runs axe-core on the page, failing the test on any serious or
critical accessibility violation; each page is also shot at a phone's 390 px (<test>-<n>-390.png) and must
not scroll sideways there (station staff use phones). axe-core comes from the npm registry (`make install`:
deploy/local/node/node_modules/axe-core); it is evaluated through the DevTools protocol, which the
console's CSP (no inline scripts) does not govern."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
from localinfra.run import new_password

from .conftest import GATEWAY_ENV, sign_in

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "deploy" / "local" / "node" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "console"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
BLOCKING = ("serious", "critical")
PHONE = {"width": 390, "height": 844}
PHONE_SLACK = 4  # px: a sub-pixel border may round up; a real overflow is a whole element wider
SCROLL_WIDTH = "() => Math.max(document.body.scrollWidth, document.documentElement.scrollWidth)"
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""


# Every console user signs in with a TOTP code (issue 18): what each account's authenticator app holds, enrolled
# at its first sign-in in the browser (the secret the enrolment page shows), and the last time step sent (the
# gateway takes each step's code once, and one step either side of its clock).
AUTHENTICATORS: dict[str, str] = {}
_LAST_STEP: dict[str, int] = {}


def fresh_code(username: str) -> str:
    """The account's next code, as its authenticator would show it: the next 30-s step not used yet (waiting for
    it when the step ahead is used too: one account signing in three times within a step)."""
    while True:
        now = int(time.time() // 30)
        step = max(now, _LAST_STEP.get(username, -1) + 1)
        if step <= now + 1:
            _LAST_STEP[username] = step
            return pyotp.TOTP(AUTHENTICATORS[username]).at(step * 30)
        time.sleep(30 - time.time() % 30 + 0.2)


def sign_in_page(page: Any, username: str, password: str, fill: Any = None, click: Any = None) -> None:
    """Signs a Playwright page in on the sign-in page it shows: password and, for an enrolled account, the code;
    an account's first sign-in enrols its authenticator from the page. `fill`/`click` default to the page's own
    (ConsolePage passes its checking ones)."""
    fill, click = fill or page.fill, click or page.click
    fill("#username", username)
    fill("#password", password)
    if username in AUTHENTICATORS:
        fill("#code", fresh_code(username))
    click("#sign-in")
    page.wait_for_load_state("load")
    if page.url.split("?")[0].endswith("/console/mfa"):
        AUTHENTICATORS[username] = page.inner_text("#mfa-secret").strip()
        fill("#code", fresh_code(username))
        click("#confirm-mfa")


def create_account(gateway_url: str, role: str, area_code: str, prefix: str = "journey") -> tuple[str, str]:
    """A new account (name, password) made by the bootstrapped system admin; the browser types them."""
    username, password = f"{prefix}-{role}-{secrets.token_hex(4)}", new_password()
    with closing(sign_in(gateway_url, GATEWAY_ENV["GATEWAY_BOOTSTRAP_ADMIN_USERNAME"],
                         GATEWAY_ENV["GATEWAY_BOOTSTRAP_ADMIN_PASSWORD"])) as admin:
        reply = admin.post("/api/gateway/users", json={"username": username, "password": password, "role": role,
                                                       "area_code": area_code})
        assert reply.status_code == 201, reply.text
    return username, password


@dataclass
class ConsolePage:
    """A Playwright page of the console that checks itself after each navigation."""

    page: Any
    base_url: str
    name: str
    shots: int = 0
    violations: list[str] = field(default_factory=list)
    overflows: list[str] = field(default_factory=list)
    phone_check: bool = True  # also shoot each page at 390 px and check it does not scroll sideways
    _navigated: bool = False

    def __post_init__(self) -> None:
        self.page.on("framenavigated", self._on_navigation)

    def _on_navigation(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self._navigated = True  # checked once the page settled (no call into the page from an event)

    def settle(self) -> None:
        """After a navigation: wait for the page to be still, then screenshot and axe it."""
        if not self._navigated:
            return
        self._navigated = False
        self.page.wait_for_load_state("networkidle")
        self.shots += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.shots:02d}.png"), full_page=True)
        if not self.page.evaluate("() => typeof axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        for v in self.page.evaluate(AXE_RUN):
            if v["impact"] in BLOCKING:
                self.violations.append(f"{self.page.url}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")
        assert not self.violations, "accessibility violations:\n" + "\n".join(self.violations)
        self.on_phone()

    def on_phone(self) -> None:
        """The same page at 390 px (re-laid out in place, nothing re-sent): a screenshot, and no sideways scroll."""
        viewport = self.page.viewport_size
        if not self.phone_check or viewport is None or viewport["width"] <= PHONE["width"]:
            width = self.page.evaluate(SCROLL_WIDTH)
            if viewport is not None and viewport["width"] <= PHONE["width"] and width > viewport["width"] + PHONE_SLACK:
                self.overflows.append(f"{self.page.url}: {width} px wide at {viewport['width']} px")
        else:
            self.page.set_viewport_size(PHONE)
            try:
                self.page.wait_for_timeout(100)  # one layout pass after the resize
                self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.shots:02d}-390.png"), full_page=True)
                width = self.page.evaluate(SCROLL_WIDTH)
                if width > PHONE["width"] + PHONE_SLACK:
                    self.overflows.append(f"{self.page.url}: {width} px wide at 390 px")
            finally:
                self.page.set_viewport_size(viewport)
        assert not self.overflows, "pages wider than a phone (horizontal scroll):\n" + "\n".join(self.overflows)

    # --- what a journey does: each settles (screenshot, axe) when it navigated -----------------------------

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path)
        self.settle()
        return response

    def click(self, selector: str) -> None:
        self.page.click(selector)  # returns once a navigation it starts has committed
        self.page.wait_for_load_state("load")
        # an htmx-boosted form or link: wait until its request is answered and swapped in (htmx marks the
        # element while it works); "networkidle" alone may be the state from before the request started
        self.page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
        self.page.wait_for_load_state("networkidle")
        self._navigated = True  # an htmx swap (a refused form) changes the page without a navigation event
        self.settle()

    def fill(self, selector: str, value: str) -> None:
        self.page.fill(selector, value)

    def select(self, selector: str, value: str | None = None, label: str | None = None) -> None:
        if label is not None:
            self.page.select_option(selector, label=label)
        else:
            self.page.select_option(selector, value)

    def text(self, selector: str = "body") -> str:
        return str(self.page.inner_text(selector))

    def sign_in(self, username: str, password: str) -> None:
        self.goto("/console/login")
        sign_in_page(self.page, username, password, self.fill, self.click)

    def sign_out(self) -> None:
        self.click("#logout")

    def link_to(self, text: str) -> str:
        """The href of the link with this text (the journeys follow lists, never typed ids)."""
        return str(self.page.get_by_role("link", name=text, exact=True).first.get_attribute("href"))

    def download(self, selector: str) -> tuple[int, bytes]:
        """Follows a download link inside the browser's session: (status, body)."""
        href = self.page.get_attribute(selector, "href")
        response = self.page.request.get(self.base_url + href if href.startswith("/") else href)
        return response.status, response.body()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} not found: install Debian's chromium (deploy/local/install-system-deps.sh)"
    assert AXE.exists(), f"{AXE} not found: run `make install` (npm install of axe-core)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def console(browser, platform, request) -> Iterator[Any]:
    """A factory of console pages for this test: console(width=1280) -> ConsolePage (390: a phone)."""
    made: list[Any] = []
    test = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)

    def open_page(width: int = 1280, who: str = "") -> ConsolePage:
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900 if width > 500 else 844})
        made.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        return ConsolePage(page, platform.gateway_url, f"{test}{'-' + who if who else ''}")

    yield open_page
    for context in made:
        context.close()
