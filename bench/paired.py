"""One pattern for every goal of issue 19: the sides of a ratio run interleaved (A, B, A, B, ...), each
ratio is taken within a round (A_i / B_i, so drift in the shared machine's load hits both sides of a pair
alike), and the goal is judged on the spread of those pairwise ratios, not on one lucky figure:

- "met" when the whole spread (min..max) is on the goal's side, "not met" when all of it is on the other
  side, "not resolved" when it straddles the goal (the measurement cannot tell);
- "failed" when the stage that measures it failed or timed out (with its error).

A side is a callable `side(round) -> Run`; every Run carries the CPU seconds (user+sys) of the process
that did the work, so each throughput has its CPU seconds per event beside it.

Also the stage runner: every stage of bench/run.py has its own timeout (SIGALRM in the main thread, which
interrupts a blocking wait as well as an event loop) and a failed stage is recorded with its error."""

from __future__ import annotations

import os
import signal
import statistics
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Run:
    """One timed run of one side: `units` events (or commands) in `seconds` of wall time, using
    `cpu_seconds` of user+sys time in the process(es) doing the work."""

    units: int
    seconds: float
    cpu_seconds: float
    extra: dict[str, Any] | None = None

    @property
    def rate(self) -> float:
        return self.units / self.seconds

    @property
    def cpu_us_per_unit(self) -> float:
        return self.cpu_seconds / self.units * 1e6


def proc_cpu_seconds(pid: int) -> float:
    """user+sys CPU seconds of a running process (another one: a server or a worker), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)


def interleave(sides: dict[str, Callable[[int], Run]], rounds: int,
               log: Callable[[str], None] = print) -> list[dict[str, Run]]:
    """Runs every side once per round, in the given order, for `rounds` rounds."""
    out = []
    for r in range(rounds):
        runs = {}
        for name, side in sides.items():
            runs[name] = side(r)
        out.append(runs)
        log("  round " + str(r + 1) + ": " + ", ".join(
            f"{name} {run.rate:,.0f}/s ({run.cpu_us_per_unit:,.0f} us CPU each)" for name, run in runs.items()))
    return out


def status(low: float, high: float, goal: float, kind: str) -> str:
    """kind "min": the value must be >= goal; "max": <= goal."""
    if kind == "min":
        return "met" if low >= goal else "not met" if high < goal else "not resolved"
    return "met" if high <= goal else "not met" if low > goal else "not resolved"


def side_summary(runs: list[Run]) -> dict[str, Any]:
    return {
        "per_s_median": round(statistics.median(r.rate for r in runs), 1),
        "cpu_us_per_event_median": round(statistics.median(r.cpu_us_per_unit for r in runs), 1),
        "runs_per_s": [round(r.rate, 1) for r in runs],
        "runs_cpu_us_per_event": [round(r.cpu_us_per_unit, 1) for r in runs],
    }


def goal_entry(values: list[float], goal: float, kind: str, value: float | None = None,
               **details: Any) -> dict[str, Any]:
    """A goal as results.json holds it: value (the median unless given), goal, spread, status."""
    low, high = min(values), max(values)
    return {
        "value": round(statistics.median(values) if value is None else value, 3),
        "goal": goal,
        "goal_kind": ">=" if kind == "min" else "<=",
        "spread": {"min": round(low, 3), "max": round(high, 3), "pairs": [round(v, 3) for v in values]},
        "status": status(low, high, goal, kind),
        **details,
    }


def ratio_goal(rounds: list[dict[str, Run]], a: str, b: str, goal: float, what: str) -> dict[str, Any]:
    """The goal a / b >= goal from interleaved rounds: the median of the pairwise throughput ratios."""
    ratios = [r[a].rate / r[b].rate for r in rounds]
    return goal_entry(ratios, goal, "min", ratio=what,
                      sides={a: side_summary([r[a] for r in rounds]), b: side_summary([r[b] for r in rounds])})


def failed_goal(goal: float, kind: str, error: str) -> dict[str, Any]:
    return {"value": None, "goal": goal, "goal_kind": ">=" if kind == "min" else "<=", "spread": None,
            "status": "failed", "error": error}


class StageTimeout(Exception):
    pass


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raises StageTimeout in the main thread after `seconds` (the stage's own clean-up then runs)."""

    def expire(signum: int, frame: Any) -> None:
        raise StageTimeout(f"timed out after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_stage(name: str, timeout: float, fn: Callable[[], Any]) -> tuple[Any, str | None, float]:
    """(result, error or None, seconds). A failure is reported, not raised: the run goes on."""
    print(f"stage {name} (timeout {timeout:.0f} s) ...", flush=True)
    started = time.perf_counter()
    try:
        with deadline(timeout):
            result = fn()
    except Exception as exc:  # noqa: BLE001 - any failure of a stage is recorded and the next stage runs
        seconds = time.perf_counter() - started
        error = f"{type(exc).__name__}: {exc}"
        print(f"stage {name} FAILED after {seconds:.0f} s: {error}\n{traceback.format_exc(limit=8)}", flush=True)
        return None, error[:2000], seconds
    return result, None, time.perf_counter() - started
