"""The authorisation matrix signs in by password through gateway.testing.login: the second factor is off for
it (GATEWAY_MFA_REQUIRED=false, for the session only); services/gateway/tests/test_mfa.py tests the factor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _password_sign_in() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GATEWAY_MFA_REQUIRED", "false")
        yield
