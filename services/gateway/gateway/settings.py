from pydantic_settings import SettingsConfigDict
from pzh_shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    http_port: int = 8100
    registry_url: str = "http://127.0.0.1:8101"
    talent_url: str = "http://127.0.0.1:8102"
    casework_url: str = "http://127.0.0.1:8103"
    funding_url: str = "http://127.0.0.1:8104"
    reporting_url: str = "http://127.0.0.1:8105"
    upstream_timeout: float = 10.0
