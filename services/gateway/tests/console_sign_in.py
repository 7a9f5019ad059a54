"""Signing in to the console in the unit tests: every console user has a second factor (TOTP), so an account is
first enrolled through the gateway's API (as its first sign-in would), then the sign-in form gets the code an
authenticator would show. test_mfa.py tests enrolment through the console's own pages."""

from __future__ import annotations

import re

import httpx
import pyotp
from fastapi.testclient import TestClient


def _csrf(html: str) -> str:
    found = re.search(r'name="(?:csrf|login_csrf)" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def code_for(client: TestClient, username: str) -> str:
    """A code of the account's authenticator not used yet: the gateway accepts one step either side of its clock
    and each step once, so this is the step after the last one used (the test clock moved on when needed)."""
    auth, store = client.app.state.auth, client.app.state.store
    account = store.account(username)
    if account is None or not account.mfa_secret:
        return ""  # no authenticator (a wrong password kept it from enrolling): the form is sent without a code
    step = max(int(auth.clock() // 30) - 1, account.mfa_last_step + 1)
    while step > int(auth.clock() // 30) + 1:
        auth.clock.advance(30)
    return pyotp.TOTP(account.mfa_secret).at(step * 30)


def enrol(client: TestClient, username: str, password: str) -> None:
    """The account's authenticator, enrolled through the API unless it has one already."""
    account = client.app.state.store.account(username)
    if account is None or account.mfa_secret:
        return
    signed = client.post("/api/gateway/login", json={"username": username, "password": password})
    if signed.status_code != 200:
        return  # a test of a refused sign-in: the form itself is refused
    bearer = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    secret = client.post("/api/gateway/mfa/enrolment", headers=bearer).json()["secret"]
    now = client.app.state.auth.clock()
    confirmed = client.post("/api/gateway/mfa/enrolment/confirmation", json={"code": pyotp.TOTP(secret).at(now)},
                            headers=bearer)
    assert confirmed.status_code == 200, confirmed.text
    client.post("/api/gateway/logout", headers=bearer)


def console_sign_in(client: TestClient, username: str, password: str, **form: str) -> httpx.Response:
    """The sign-in form posted with the account's current code (its answer, not followed)."""
    enrol(client, username, password)
    page = client.get("/console/login")
    assert page.status_code == 200
    data = {"csrf": _csrf(page.text), "username": username, "password": password,
            "code": code_for(client, username), **form}
    return client.post("/console/login", data=data, follow_redirects=False)
