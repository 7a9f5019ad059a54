from pydantic_settings import SettingsConfigDict
from pzh_shared.settings import ServiceSettings


class FundingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FUNDING_", extra="ignore")

    http_port: int = 8104
    # The casework topic that `python -m funding casework` reads project evaluations from.
    casework_topic: str = "casework.events"
