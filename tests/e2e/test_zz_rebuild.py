"""(Named to run last among the end-to-end tests.) `python -m reporting rebuild --verify`: the
read models rebuilt from the topics equal the live
ones, after everything the other end-to-end tests sent (duplicates from the relay crash, poison
messages, merges) has been projected."""

from __future__ import annotations

import subprocess
import sys
import time


def test_rebuild_from_the_topics_equals_the_live_read_models(platform, gateway, township):
    reply = gateway.post(
        "/api/stations", json={"name": "重建测试站", "tier": "township_station", "area_code": township}
    )
    assert reply.status_code == 201
    env = platform.env_for("reporting-worker")
    result = None
    for _ in range(10):  # the live worker may still be catching up with the last events
        result = subprocess.run([sys.executable, "-m", "reporting", "rebuild", "--verify"], env=env,
                                capture_output=True, text=True, timeout=120)
        if result.returncode == 0:
            break
        time.sleep(1)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rebuild equals live" in result.stdout
    applied = int(result.stdout.split(" applied")[0].rsplit(" ", 1)[1])
    assert applied >= 1
