"""Session fixtures for real infrastructure: one Kafka broker and one PostgreSQL per test session,
on free loopback ports, started only when a test asks for them and stopped at the end.

A missing PostgreSQL or Java is an error, never a skip: CI must install them (.ci/run does)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def kafka_broker():
    from localinfra.kafka import KafkaBroker

    broker = KafkaBroker()
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker) -> str:
    return kafka_broker.bootstrap


@pytest.fixture(scope="session")
def postgres_server():
    from localinfra.postgres import PostgresServer

    server = PostgresServer()
    server.start()
    yield server
    server.stop()
