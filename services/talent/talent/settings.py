from pydantic_settings import SettingsConfigDict
from pzh_shared.settings import ServiceSettings


class TalentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TALENT_", extra="ignore")

    http_port: int = 8102
    # Largest volunteer CSV the import endpoint accepts, in bytes.
    max_import_bytes: int = 10 * 1024 * 1024
    # The registry's topic that `python -m talent stations` reads station facts from.
    registry_topic: str = "registry.events"
