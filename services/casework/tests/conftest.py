"""Fixtures of the casework service's unit tests: a real SQLite event store, key store and read
audit in a temporary directory, and made-up people."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def settings(tmp_path):
    from casework.settings import CaseworkSettings

    return CaseworkSettings(data_dir=tmp_path)


@pytest.fixture
def cw(settings):
    from casework.adapters.wiring import build_application

    application = build_application(settings)
    yield application
    application.close()


@pytest.fixture
def api(cw):
    from casework.api.app import create_app

    with TestClient(create_app(cw)) as client:
        yield client
