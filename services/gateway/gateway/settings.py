from pathlib import Path
from typing import Literal

from pydantic import SecretStr
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
    # Request limits: a larger body is 413; more requests per account per minute are 429; a larger
    # `limit`/`page_size` query parameter is 422.
    max_request_bytes: int = 10 * 1024 * 1024
    rate_limit_per_minute: int = 3000
    max_page_size: int = 500
    # The public complaint pages (/public/complaints, no sign-in): requests per client IP per minute (every page;
    # mobile carriers put many residents behind one address, so not lower), and complaints submitted per township per
    # minute (whatever their addresses: what the township's staff can be flooded with).
    public_requests_per_ip_per_minute: int = 20
    public_complaints_per_township_per_minute: int = 10

    # --- authentication (issue 8) ---------------------------------------------------------------
    # "production" refuses to start without a JWT secret; "development" makes a random one per start.
    environment: Literal["development", "production"] = "production"
    # HS256 secret for the gateway's access tokens (at least 32 characters).
    jwt_secret: SecretStr = SecretStr("")
    jwt_issuer: str = "pzh-gateway"
    jwt_audience: str = "pzh-api"
    access_token_ttl: int = 900  # seconds
    session_idle_timeout: int = 1800  # seconds without a request end the session
    max_failed_logins: int = 5  # consecutive failures that lock the account ...
    lockout_seconds: int = 900  # ... for this long
    # A TOTP second factor (issue 18, item 7): the console asks every account for one and enrols one at the first
    # sign-in; with mfa_required the API also refuses a session opened without one (all but enrolment). Off only
    # where scripts sign in by password alone (the local development platform, unit tests of other features).
    mfa_required: bool = True
    # Accounts, sessions, API keys, the ownership index and the audit log: "sqlite" (one file, one gateway process)
    # or "postgres" (the postgres_* settings; several replicas share it, and the rate limits with it).
    store: Literal["sqlite", "postgres"] = "sqlite"
    # The SQLite file; default <DATA_DIR>/gateway.sqlite.
    store_path: Path | None = None
    # PostgreSQL: the schema holding the gateway's tables and the pool's size per process; every session ends a
    # statement running longer than postgres_statement_timeout seconds and one left idle in a transaction after
    # postgres_idle_in_transaction_timeout, so that a stuck replica can never hold the store's locks (the services'
    # settings of the same names; the gateway's statements are single-row, so its default is shorter).
    postgres_schema: str = "gateway"
    postgres_pool_size: int = 10
    postgres_statement_timeout: float = 5.0
    postgres_idle_in_transaction_timeout: int = 10
    # The deployment's top area (Panzhihua): objects whose area cannot be determined are visible only at this level.
    city_area_code: str = "510400"
    # The system's name in titles (the API document, the app): the deployment's, like its root area.
    system_name: str = "攀枝花市社会工作服务体系"
    # First start: creates this account when the store has none of that name and a password is given.
    bootstrap_admin_username: str = "admin"
    bootstrap_admin_password: SecretStr = SecretStr("")
    bootstrap_admin_role: str = "system_admin"
    bootstrap_admin_area: str = "510400"

    # --- tokens from an external OpenID Connect provider (off while oidc_issuer is empty) -----------
    # RS256/ES256 tokens whose `iss` is oidc_issuer and whose `aud` includes oidc_audience, signed by a key
    # of the provider's JWKS (oidc_jwks_url: an http(s) URL or a file; empty: found by OIDC discovery).
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    # The claims that carry the platform role (a string, or a list holding exactly one role), the area code and a
    # display name.
    oidc_role_claim: str = "pzh_role"
    oidc_area_claim: str = "pzh_area_code"
    oidc_username_claim: str = "preferred_username"
    oidc_jwks_cache_seconds: int = 3600  # the key set is fetched again after this long
    oidc_jwks_min_refetch_seconds: int = 60  # an unknown key id refetches the key set at most this often

    def resolved_store_path(self) -> Path:
        return self.store_path or self.data_dir / "gateway.sqlite"
