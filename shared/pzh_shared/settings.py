"""Settings every service process has; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Infrastructure settings read from the environment, e.g. REGISTRY_KAFKA_BOOTSTRAP."""

    model_config = SettingsConfigDict(env_prefix="PZH_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
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
