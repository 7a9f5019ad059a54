from pydantic_settings import SettingsConfigDict
from pzh_shared.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    http_port: int = 8101
