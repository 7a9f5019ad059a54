"""The bench's one pattern (bench/paired.py): pairwise ratios, their spread, the status a spread gives, and a
stage's timeout. Not part of `make test` (bench/ is outside its testpaths):
`.venv/bin/pytest -q bench/test_paired.py`."""

from __future__ import annotations

import statistics
import time

import pytest
from paired import Run, goal_entry, interleave, ratio_goal, run_stage, status


def rounds_of(a_rates: list[float], b_rates: list[float]) -> list[dict[str, Run]]:
    sides = {"a": lambda r: Run(int(a_rates[r] * 2), 2.0, 0.5), "b": lambda r: Run(int(b_rates[r] * 2), 2.0, 1.0)}
    return interleave(sides, len(a_rates), log=lambda _: None)


def test_the_value_is_the_median_of_pairwise_ratios_not_the_ratio_of_medians():
    a, b = [100, 300, 50, 200, 120], [200, 300, 100, 100, 400]
    goal = ratio_goal(rounds_of(a, b), "a", "b", 0.8, "a / b")
    pairwise = [x / y for x, y in zip(a, b, strict=True)]
    assert goal["value"] == round(statistics.median(pairwise), 3)
    assert goal["value"] != round(statistics.median(a) / statistics.median(b), 3)
    assert goal["spread"] == {"min": min(pairwise), "max": max(pairwise), "pairs": pairwise}
    assert goal["sides"]["a"]["cpu_us_per_event_median"] == round(0.5 / (statistics.median(a) * 2) * 1e6, 1)


@pytest.mark.parametrize(("low", "high", "kind", "expected"), [
    (0.8, 0.9, "min", "met"), (0.5, 0.79, "min", "not met"), (0.7, 0.9, "min", "not resolved"),
    (0.1, 0.25, "max", "met"), (0.26, 0.4, "max", "not met"), (0.2, 0.3, "max", "not resolved"),
])
def test_a_spread_that_straddles_the_goal_is_not_resolved(low, high, kind, expected):
    goal = 0.8 if kind == "min" else 0.25
    assert status(low, high, goal, kind) == expected
    assert goal_entry([low, high, (low + high) / 2], goal, kind)["status"] == expected


def test_a_stage_that_overruns_its_timeout_is_recorded_and_the_next_runs():
    result, error, seconds = run_stage("slow", 0.3, lambda: time.sleep(5))
    assert result is None and error.startswith("StageTimeout") and seconds < 2
    assert run_stage("next", 1, lambda: 42)[:2] == (42, None)
