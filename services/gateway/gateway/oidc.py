"""Tokens from an external OpenID Connect provider: RS256/ES256 JWTs checked against the provider's
JWKS (signature, `iss`, `aud`, `exp`), their role and area code read from configured claims.

The key set comes from GATEWAY_OIDC_JWKS_URL (an http(s) URL or a file path) or, when that is empty,
from the provider's discovery document (`<issuer>/.well-known/openid-configuration`). Keys are cached;
a token with an unknown `kid` makes one refetch (rotation), at most once every
GATEWAY_OIDC_JWKS_MIN_REFETCH_SECONDS, so a flood of made-up kids cannot turn the gateway into a
hammer on the provider. The fetch is synchronous with a short timeout: it happens at most once per
interval, and authentication stays one simple call."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
from pzh_shared.areas import is_area_code

from gateway.settings import GatewaySettings

# Asymmetric algorithms only: an HS256 token is always the gateway's own (checked with its secret),
# so a token signed with the provider's public key used as an HMAC secret never reaches these keys.
ALGORITHMS = ("RS256", "ES256")
LEEWAY = 30  # seconds of clock difference tolerated with the provider
FETCH_TIMEOUT = 5.0


class OidcError(Exception):
    """The token is not acceptable (answered 401 by the caller; the message says nothing specific)."""


class OidcVerifier:
    def __init__(self, settings: GatewaySettings, monotonic: Callable[[], float] = time.monotonic,
                 transport: httpx.BaseTransport | None = None):
        if not settings.oidc_audience:
            raise RuntimeError("GATEWAY_OIDC_AUDIENCE is required when GATEWAY_OIDC_ISSUER is set")
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience
        self.jwks_source = settings.oidc_jwks_url
        self.role_claim = settings.oidc_role_claim
        self.area_claim = settings.oidc_area_claim
        self.username_claim = settings.oidc_username_claim
        self.cache_seconds = settings.oidc_jwks_cache_seconds
        self.min_refetch = settings.oidc_jwks_min_refetch_seconds
        self.monotonic = monotonic
        self._transport = transport
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # last attempt, successful or not
        self._loaded_at: float | None = None  # last successful load
        self._lock = threading.Lock()

    # --- the key set ---------------------------------------------------------------------------------

    def _get_json(self, url: str) -> Any:
        with httpx.Client(timeout=FETCH_TIMEOUT, transport=self._transport, follow_redirects=False) as client:
            reply = client.get(url, headers={"accept": "application/json"})
            reply.raise_for_status()
            return reply.json()

    def _jwks_document(self) -> Any:
        source = self.jwks_source
        if not source:
            discovery = self._get_json(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
            if (
                not isinstance(discovery, dict)
                or discovery.get("issuer") != self.issuer
                or not discovery.get("jwks_uri")
            ):
                raise OidcError("discovery document does not match the configured issuer")
            source = self.jwks_source = discovery["jwks_uri"]  # found once, then used directly
        if source.startswith(("http://", "https://")):
            return self._get_json(source)
        return json.loads(Path(source).read_text(encoding="utf-8"))

    def _load(self) -> None:
        self._fetched_at = self.monotonic()
        try:
            document = self._jwks_document()
        except (httpx.HTTPError, OSError, ValueError) as exc:
            raise OidcError("key set unavailable") from exc
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(entry, dict) or not entry.get("kid") or entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(entry)
            except jwt.PyJWTError:
                continue  # a key type or algorithm we do not use
            if key.algorithm_name in ALGORITHMS:
                keys[entry["kid"]] = key
        self._keys = keys
        self._loaded_at = self._fetched_at

    def key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            now = self.monotonic()
            stale = self._loaded_at is None or now - self._loaded_at >= self.cache_seconds
            may_fetch = self._fetched_at is None or now - self._fetched_at >= self.min_refetch
            if may_fetch and (stale or kid not in self._keys):
                try:
                    self._load()
                except OidcError:
                    if self._loaded_at is None:
                        raise
                    # the provider is unreachable: keep using the keys we have
            found = self._keys.get(kid)
        if found is None:
            raise OidcError("unknown key id")
        return found

    # --- tokens ---------------------------------------------------------------------------------------

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims after checking signature, algorithm, issuer, audience and expiry."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise OidcError("malformed token") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS or not isinstance(kid, str) or not kid:
            raise OidcError("algorithm or key id not acceptable")
        key = self.key(kid)
        if key.algorithm_name != alg:
            raise OidcError("algorithm does not match the key")
        try:
            return jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise OidcError("token refused") from exc

    def identity(self, claims: dict[str, Any], roles: tuple[str, ...]) -> tuple[str, str, str]:
        """(name, role, area code) from the configured claims; a role claim may be a list holding exactly
        one platform role."""
        role_value = claims.get(self.role_claim)
        candidates = role_value if isinstance(role_value, list) else [role_value]
        matching = sorted({r for r in candidates if isinstance(r, str) and r in roles})
        if len(matching) != 1:
            raise OidcError("no single platform role in the token")
        area = claims.get(self.area_claim)
        if not isinstance(area, str) or not is_area_code(area):
            raise OidcError("no area code in the token")
        name = claims.get(self.username_claim)
        if not isinstance(name, str) or not name:
            name = str(claims["sub"])
        return f"oidc:{name}", matching[0], area
