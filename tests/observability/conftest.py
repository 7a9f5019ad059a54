from __future__ import annotations

import urllib.request
from functools import partial

from localinfra import waiting
from prometheus_client.parser import text_string_to_metric_families


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, keyed by (name, sorted labels)."""
    with urllib.request.urlopen(url, timeout=30) as reply:
        assert reply.status == 200
        text = reply.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def samples(page: dict, name: str, **labels: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples of `name` whose labels include `labels`."""
    return {key: value for (n, key), value in page.items() if n == name and set(labels.items()) <= set(key)}


# metrics appear once a process has started: a refused connection is "not yet"
wait_for = partial(waiting.wait_for, timeout=120, interval=0.3, tolerate=(OSError,))
