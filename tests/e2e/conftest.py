from __future__ import annotations

import random
import time

import httpx
import pytest


@pytest.fixture(scope="session")
def platform(kafka_bootstrap, tmp_path_factory):
    """Every process of the platform, started as in production, sharing one broker."""
    from localinfra.platform import Platform

    data_dir = tmp_path_factory.mktemp("platform")
    running = Platform(kafka_bootstrap=kafka_bootstrap, data_dir=data_dir, spans_file=data_dir / "spans.jsonl")
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


@pytest.fixture
def gateway(platform):
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        yield client


_used_townships: set[str] = set()


@pytest.fixture
def township(gateway):
    """A township of its own per test (registered through the gateway), so tests sharing one
    platform never see each other's counts."""
    code = random.choice([f"510421{n:03d}" for n in range(100, 1000) if f"510421{n:03d}" not in _used_townships])
    _used_townships.add(code)
    reply = gateway.post("/api/areas", json={"code": code, "name": f"测试镇{code[-3:]}", "valid_from": "2020-01-01"})
    assert reply.status_code == 201, reply.text
    return code


def wait_for(predicate, timeout: float = 30, interval: float = 0.2):
    """Polls until predicate() returns a truthy value; returns it, or fails with the last value seen."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")
