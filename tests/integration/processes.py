"""The per-service process tests' helpers: `python -m <service> <role>` started in a process group of
its own (so stopping it reaches whatever it started) and stopped, and one event found on a topic."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import IO, Any

import httpx
from aiokafka import AIOKafkaConsumer


def start(service: str, role: str, env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", service, role], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_healthy(proc: subprocess.Popen[bytes], client: httpx.Client, log: Path, what: str) -> None:
    """Until `client`'s /health answers 200 (at most 60 s); fails with the log if the process exits first."""
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, log.read_text(errors="replace")
        try:
            if client.get("/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{what} not healthy"
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM to the process group, SIGKILL after 15 s."""
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def find(bootstrap: str, topic: str, subject: str, event_type: str | None = None,
               timeout: float = 30) -> dict[str, Any]:
    """The first envelope on `topic` keyed by `subject` (of `event_type`, if given), as JSON."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"t-{uuid.uuid4()}",
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    value: dict[str, Any] = json.loads(record.value)
                    if record.key == subject.encode() and event_type in (None, value["type"]):
                        return value
    finally:
        await consumer.stop()
    raise AssertionError(f"no {event_type or 'message'} for {subject} on {topic} within {timeout}s")
