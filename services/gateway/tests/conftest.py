"""The gateway's unit tests sign in by password through gateway.testing.login; the second factor is off for them
(GATEWAY_MFA_REQUIRED=false, set for the session only), and test_mfa.py, which tests it, turns it on per app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _password_sign_in() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GATEWAY_MFA_REQUIRED", "false")
        yield
