"""A broker of a test module's own, for the tests whose read model must hold only their own events (a figure
compared with a rebuild, or a ranking of every area under a root): the session broker's topics carry every other
test's events, and other tests put poison messages there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def own_bootstrap() -> Iterator[str]:
    from localinfra.kafka import KafkaBroker

    broker = KafkaBroker()
    broker.start()
    yield broker.bootstrap
    broker.stop()
