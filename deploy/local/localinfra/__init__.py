"""Real, throwaway Kafka and PostgreSQL servers for development and tests (no Docker)."""

from localinfra.kafka import KafkaBroker, ensure_jars
from localinfra.postgres import PostgresServer

__all__ = ["KafkaBroker", "PostgresServer", "ensure_jars"]
