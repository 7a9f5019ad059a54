"""Polling for the tests: the platform is asynchronous (relays, projections, rebalances), so a test
waits for a condition to hold rather than sleeping a fixed time. The timeout only bounds a hang;
no test asserts how fast something happened (speed belongs to bench/)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(predicate: Callable[[], Any], timeout: float = 60, interval: float = 0.2, what: str = "",
             explain: Callable[[], str] | None = None, tolerate: tuple[type[BaseException], ...] = ()) -> Any:
    """Polls until predicate() returns a truthy value and returns it. Exceptions of the `tolerate`
    types count as "not yet" (e.g. OSError while a process is still starting). On timeout, fails
    naming `what`, with the last value seen and, if given, what explain() says then (e.g. the tails
    of the processes' logs)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except tolerate as exc:
            last = exc
        if last and not isinstance(last, BaseException):
            return last
        time.sleep(interval)
    message = f"condition not met within {timeout}s" + (f" ({what})" if what else "") + f"; last value: {last!r}"
    raise AssertionError(message + (f"\n{explain()}" if explain else ""))
