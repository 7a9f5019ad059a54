"""An administrator's retry through the gateway: the Idempotency-Key header reaches the service, the
command runs once and the replays say so (tests/faults/test_idempotency.py counts the stored events)."""

from __future__ import annotations

import uuid


def test_three_sends_with_one_key_run_the_command_once(gateway, township):
    body = {"name": "幂等测试站", "tier": "township_station", "area_code": township}
    key = str(uuid.uuid4())
    replies = [gateway.post("/api/stations", json=body, headers={"Idempotency-Key": key}) for _ in range(3)]
    assert [r.status_code for r in replies] == [201, 201, 201], [r.text for r in replies]
    assert replies[0].json() == replies[1].json() == replies[2].json()
    assert "idempotent-replayed" not in replies[0].headers
    assert [r.headers.get("idempotent-replayed") for r in replies[1:]] == ["true", "true"]
    # The same key with another body is refused; without a key the same body is a new command.
    reused = gateway.post("/api/stations", json={**body, "name": "另一个站"}, headers={"Idempotency-Key": key})
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    fresh = gateway.post("/api/stations", json=body)
    assert fresh.status_code == 201 and fresh.json() != replies[0].json()
