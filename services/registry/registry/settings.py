from pathlib import Path

from pydantic_settings import SettingsConfigDict
from pzh_shared.areas import AreaLevel
from pzh_shared.settings import ServiceSettings


def _data_dir() -> Path:
    """The repository's deploy/data (the pinned reference files) when running from a checkout, else
    deploy/data under the working directory (an image sets REGISTRY_AREAS_FILE instead)."""
    checkout = Path(__file__).resolve().parents[3] / "deploy" / "data"
    return checkout if checkout.is_dir() else Path("deploy/data")


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    http_port: int = 8101
    # The deployment's root: a city (510400, Panzhihua, the default), a province (510000) or the country (000000).
    # Its subtree is loaded from areas_file at start; nothing in the code names a city.
    root_area_code: str = "510400"
    areas_file: Path = _data_dir() / "areas-2023.csv"
    # The deepest level loaded from it at start: counties by default (townships and villages are registered
    # by the counties themselves, or loaded with `python -m registry load-areas --down-to township`).
    areas_down_to: AreaLevel = AreaLevel.COUNTY
    # Yearly targets per county (the plan's annex 1 for 2021); empty for none.
    targets_file: Path | None = _data_dir() / "targets-2021.csv"
