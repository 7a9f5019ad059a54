"""What fuzzing the whole API (tests/e2e/test_schemathesis.py) found in the gateway, kept as plain
regression tests on the stand-in services."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from gateway.testing import ADMIN_PASSWORD, add_account, login, make_app


@pytest.fixture
def city(tmp_path):
    app, world, _ = make_app(tmp_path)
    with TestClient(app) as client:
        yield client, world, add_account(client, login(client, "admin", ADMIN_PASSWORD), "city", "city_admin", "510400")


def test_control_characters_in_a_path_reach_the_service_encoded_instead_of_a_500(city):
    # POST /api/workers/%5B%0F/certification once answered 500: the decoded path was no valid URL upstream
    client, world, headers = city
    reply = client.post("/api/workers/%5B%0F/certification", json={"level": "assistant_social_worker"}, headers=headers)
    assert reply.status_code < 500, reply.text
    assert world.requests[-1].url.raw_path == b"/workers/%5B%0F/certification"
    assert client.get("/api/stations/%00", headers=headers).status_code < 500
