"""Settings every service process has; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Infrastructure settings read from the environment, e.g. REGISTRY_KAFKA_BOOTSTRAP."""

    model_config = SettingsConfigDict(env_prefix="PZH_", extra="ignore", populate_by_name=True)

    kafka_bootstrap: str = "127.0.0.1:9092"
    # Partitions of every topic the platform creates, one value for all services (PZH_KAFKA_PARTITIONS, whatever
    # the service's prefix): whichever process creates a topic first decides its count, so they must agree. It
    # bounds how many members of a consumer group get work; raising it on a live system: docs/operations.md.
    kafka_partitions: int = Field(default=3, ge=1, validation_alias="PZH_KAFKA_PARTITIONS")
    # Seconds between a standby relay's attempts to take the relay lease (PostgreSQL only: docs/operations.md).
    relay_lease_retry: float = Field(default=1.0, gt=0)
    event_store: Literal["sqlite", "postgres", "kurrentdb"] = "sqlite"
    data_dir: Path = Path("var/data")
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_dbname: str = "pzh"
    postgres_user: str = "postgres"
    postgres_password: SecretStr = SecretStr("")
    # Seconds a statement waits for a pooled connection; eventsourcing tries 10 times, so while PostgreSQL
    # is down a command is answered 503 after about ten times this (eventsourcing's own default, 30, held it
    # for minutes).
    postgres_connect_timeout: int = 2
    # Seconds: every PostgreSQL session ends a statement running longer than the first, and a session left idle
    # inside an open transaction is killed after the second, so a stuck client never holds the store's lock long.
    postgres_statement_timeout: float = 60.0
    postgres_idle_in_transaction_timeout: int = 10
    kurrentdb_uri: str = ""
    # Base64 AES key (16/24/32 bytes): when set, every stored event is encrypted at rest (AES-GCM).
    cipher_key: SecretStr = SecretStr("")
    # Telemetry: an OTLP/HTTP endpoint in production, or a JSON-lines file in tests.
    otlp_endpoint: str = ""
    spans_file: Path | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # Prometheus: a plain metrics server on this port (0 = none); 127.0.0.1 like http_host, containers set 0.0.0.0.
    metrics_port: int = 0
    metrics_host: str = "127.0.0.1"
    # Development conveniences an API serves on its HTTP port, both off in the production profiles (compose and
    # Kubernetes), so the users' network reaches none of them: the API document and its pages (/docs, /redoc,
    # /openapi.json; the gateway's whole-API /api/openapi.json too), and GET /metrics beside METRICS_PORT.
    api_docs: bool = True
    metrics_on_http: bool = True


def kafka_partitions() -> int:
    """The platform-wide partition count (PZH_KAFKA_PARTITIONS), for code that is given no settings."""
    return ServiceSettings().kafka_partitions
