"""Session fixtures for real infrastructure: one Kafka broker, one Jaeger and one PostgreSQL per test session,
on free loopback ports, started only when a test asks for them and stopped at the end; and the
markers that say what a test needs, applied here so `make test-fast` can leave out the slow ones.

A missing PostgreSQL, Java or jaeger is an error, never a skip: CI must install them (.ci/run does)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partialmethod
from typing import TYPE_CHECKING

import argon2
import pytest

if TYPE_CHECKING:
    from localinfra.jaeger import Jaeger
    from localinfra.kafka import KafkaBroker
    from localinfra.postgres import PostgresServer

# A test needs what a fixture in its closure starts, so its marks follow from the fixtures' names;
# the fault tests' own broker and server count like the session's.
FIXTURE_MARKS = {
    "kafka_broker": "kafka",
    "kafka_bootstrap": "kafka",
    "own_broker": "kafka",
    "postgres_server": "postgres",
    "own_postgres": "postgres",
    "platform": "platform",
}

# Folders (and files) whose every test needs a thing of its own, matched against the path from the
# repository root: each fault test starts its own platform (localinfra.platform) beside its faults.
# A test elsewhere that starts a broker, a server or the platform without a fixture says so with an
# explicit mark in its file instead.
PATH_MARKS = {
    "tests/faults/": ("faults", "platform"),
    "tests/e2e/": ("platform",),
    "tests/e2e/test_console_browser.py": ("browser",),
}


def marks_for(fixtures: list[str], path: str) -> set[str]:
    """The markers a test needs, from the fixtures in its closure and where it lives."""
    by_fixture = {FIXTURE_MARKS[name] for name in fixtures if name in FIXTURE_MARKS}
    by_path = {mark for prefix, marks in PATH_MARKS.items() if path.startswith(prefix) for mark in marks}
    return by_fixture | by_path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.relative_to(config.rootpath).as_posix()
        fixtures = list(getattr(item, "fixturenames", ()))
        for mark in sorted(marks_for(fixtures, path) - {m.name for m in item.iter_markers()}):
            item.add_marker(mark)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """argon2id at its lowest cost for the tests in this process. Its default cost is slow on purpose,
    and the gateway's tests sign in hundreds of times: at that cost they were most of `make test-fast`.
    The hashes keep their format and every check; the platform's processes, started apart, keep the
    default cost."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(argon2.PasswordHasher, "__init__",
                      partialmethod(argon2.PasswordHasher.__init__, time_cost=1, memory_cost=8, parallelism=1))
        yield


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[KafkaBroker]:
    from localinfra.kafka import KafkaBroker

    broker = KafkaBroker()
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: KafkaBroker) -> str:
    return kafka_broker.bootstrap


@pytest.fixture(scope="session")
def jaeger() -> Iterator[Jaeger]:
    """The trace backend the session's platform exports to (in memory, gone with the session)."""
    from localinfra.jaeger import Jaeger

    backend = Jaeger()
    backend.start()
    yield backend
    backend.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    from localinfra.postgres import PostgresServer

    server = PostgresServer()
    server.start()
    yield server
    server.stop()
