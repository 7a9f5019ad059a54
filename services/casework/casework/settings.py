from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict
from pzh_shared.settings import ServiceSettings


class CaseworkSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CASEWORK_", extra="ignore")

    http_port: int = 8103
    # The funding service's topic that `python -m casework funding` reads contracts from.
    funding_topic: str = "funding.events"
    # SQLite files for the clients' data keys and the read audit (event_store=sqlite); default
    # <data_dir>/casework-keys.sqlite and <data_dir>/casework-audit.sqlite. With event_store=postgres
    # both are tables in the service's PostgreSQL database.
    key_store_path: Path | None = None
    audit_path: Path | None = None
    # The key of the clients' blind search index (keyed hashes of name, ID number, phone). Empty: derived from
    # CASEWORK_CIPHER_KEY, which every real deployment sets; without either, a public development constant.
    search_key: SecretStr = SecretStr("")
