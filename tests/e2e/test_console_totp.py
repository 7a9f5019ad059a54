"""An auditor's TOTP sign-in in Chromium (issue 18, item 7): the first sign-in enrols an authenticator from the
secret the page shows once (pyotp stands in for the authenticator app), a later sign-in needs the app's current
code (a wrong one is refused in Chinese), and the auditor finds its own enrolment and sign-ins in the gateway's
audit log, filtered on the server. Every page screenshotted (also at 390 px) and checked by axe-core."""

from __future__ import annotations

import pytest

from .console_helpers import AUTHENTICATORS, browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def cells(cp, label: str) -> list[str]:
    return [c.inner_text().strip() for c in cp.page.query_selector_all(f"#records td[data-label='{label}']")]


def test_an_auditor_signs_in_with_totp_and_finds_its_enrolment_audited(platform, console):  # noqa: F811
    username, password = create_account(platform.gateway_url, "auditor", "510400", prefix="totp")

    cp = console()
    cp.sign_in(username, password)  # the first: the enrolment page, its secret, the first code
    assert username in AUTHENTICATORS and cp.page.url.endswith("/console/audit/gateway")
    cp.sign_out()

    # the password alone no longer signs in, nor a wrong code
    cp.goto("/console/login")
    cp.fill("#username", username)
    cp.fill("#password", password)
    cp.fill("#code", "000000")
    cp.click("#sign-in")
    assert "用户名、密码或动态验证码错误" in cp.text("#error") and "/console/login" in cp.page.url

    cp.sign_in(username, password)  # with the authenticator's current code
    assert cp.page.url.endswith("/console/audit/gateway")
    cp.fill("#actor", username)
    cp.click("#apply-filters")
    actions = cells(cp, "操作")
    assert "绑定动态口令" in actions and "生成动态口令密钥" in actions, actions
    assert actions.count("登录") >= 2, actions  # the refused sign-in and the two that succeeded
    assert set(cells(cp, "操作人")) == {username}
