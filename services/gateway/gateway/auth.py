"""Authentication: argon2 password hashes with lockout, a TOTP second factor (RFC 6238, pyotp), HS256 access
tokens bound to a session with an idle timeout, and hashed, revocable service API keys.

Every request re-reads the account (_from_token), so disabling an account or changing its role ends its live
sessions at its next request, not when its token expires; the account API also ends them in the store and revokes
the API keys the account made. A session opened without a TOTP code (an account not yet enrolled) is marked so:
the console sends it to enrolment, and with GATEWAY_MFA_REQUIRED the API refuses it everything but enrolment."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pzh_shared.areas import is_area_code, scope_prefix

from gateway.adapters.store import GatewayStore
from gateway.oidc import OidcError, OidcVerifier
from gateway.roles import ROLES
from gateway.settings import GatewaySettings

API_KEY_PREFIX = "pzhk_"
ALGORITHM = "HS256"
SIGN_IN_FAILED = "用户名、密码或动态验证码错误，或账户已锁定"


class AuthError(Exception):
    """Answers 401; the message never says which part was wrong."""


class MfaError(Exception):
    """An enrolment step that cannot be taken (422, the message says why)."""


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    area_code: str
    kind: str  # "user", "api_key" or "oidc" (a token of the external provider: no gateway session)
    session_id: str | None = None
    # Whether the session was opened with a second factor; an API key is a secret of its own, and an external
    # provider's token carries whatever factors the provider asked for.
    mfa: bool = True

    @property
    def prefix(self) -> str:
        return scope_prefix(self.area_code)

    def covers(self, area_code: str | None) -> bool:
        return area_code is not None and area_code.startswith(self.prefix)


PASSWORD_RULE = "password 至少 12 个字符，含大写字母、小写字母、数字、符号中的至少三类，且不含用户名"


def password_problem(password: str, username: str) -> str | None:
    """What is wrong with a new password under the platform's rule (docs/security.md: GB/T 22239 8.1.4.1 a asks
    for complexity; ASVS 5.0 6.2 asks for length alone; both are met), or None."""
    classes = sum(any(test(c) for c in password) for test in (str.isupper, str.islower, str.isdigit,
                                                              lambda c: not c.isalnum()))
    if len(password) < 12 or classes < 3 or (username and username.lower() in password.lower()):
        return PASSWORD_RULE
    return None


class Authenticator:
    def __init__(self, settings: GatewaySettings, store: GatewayStore, clock: Callable[[], float] = time.time):
        secret = settings.jwt_secret.get_secret_value()
        if not secret:
            if settings.environment != "development":
                raise RuntimeError("GATEWAY_JWT_SECRET is required outside development (at least 32 characters)")
            secret = secrets.token_urlsafe(48)
        if len(secret) < 32:
            raise RuntimeError("GATEWAY_JWT_SECRET must have at least 32 characters")
        self._secret = secret
        self.settings = settings
        self.store = store
        self.clock = clock
        self.hasher = PasswordHasher()
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        self.oidc = OidcVerifier(settings) if settings.oidc_issuer else None

    # --- passwords and accounts -------------------------------------------------------------------

    def hash_password(self, password: str) -> str:
        return self.hasher.hash(password)

    def bootstrap(self) -> None:
        s = self.settings
        password = s.bootstrap_admin_password.get_secret_value()
        if password and self.store.account(s.bootstrap_admin_username) is None:
            if s.bootstrap_admin_role not in ROLES or not is_area_code(s.bootstrap_admin_area):
                raise RuntimeError("GATEWAY_BOOTSTRAP_ADMIN_ROLE / GATEWAY_BOOTSTRAP_ADMIN_AREA invalid")
            self.store.add_account(s.bootstrap_admin_username, self.hash_password(password), s.bootstrap_admin_role,
                                   s.bootstrap_admin_area, self.clock(), "bootstrap")

    def login(self, username: str, password: str, code: str | None = None) -> tuple[str, Principal]:
        """Checks the password (argon2) and, for an enrolled account, the TOTP code; locks the account after
        max_failed_logins failures in a row (a wrong or missing code counts like a wrong password, and the answer
        never says which was wrong)."""
        now = self.clock()
        account = self.store.account(username)
        if account is None:
            self._verify(self._dummy_hash, password)  # same work either way: no user-name oracle by timing
            raise AuthError(SIGN_IN_FAILED)
        if account.disabled or account.locked_until > now:
            raise AuthError(SIGN_IN_FAILED)
        if not self._verify(account.password_hash, password) or (
                account.mfa_secret is not None and not self._code_accepted(username, account.mfa_secret, code, now)):
            self.store.record_failure(username, self.settings.max_failed_logins, now + self.settings.lockout_seconds)
            raise AuthError(SIGN_IN_FAILED)
        self.store.record_success(username)
        if self.hasher.check_needs_rehash(account.password_hash):
            self.store.set_password(username, self.hash_password(password))
        sid = uuid.uuid4().hex
        mfa = account.mfa_secret is not None
        self.store.open_session(sid, username, now, mfa)
        principal = Principal(username, account.role, account.area_code, "user", sid, mfa)
        return self.issue(principal, now), principal

    # --- TOTP (RFC 6238: 6 digits, 30 s steps, one step of clock drift either way) ----------------------

    @staticmethod
    def _step_of(secret: str, code: str | None, now: float) -> int | None:
        if not code or not code.isdigit():
            return None
        try:
            return pyotp.TOTP(secret).verify_and_get_timecode(code, for_time=now, valid_window=1)
        except pyotp.OTPVerificationError:
            return None

    def _code_accepted(self, username: str, secret: str, code: str | None, now: float) -> bool:
        step = self._step_of(secret, code, now)
        return step is not None and self.store.use_mfa_step(username, step)  # a code seen once is refused after

    def begin_enrolment(self, p: Principal) -> tuple[str, str]:
        """A new secret for the signed-in account (shown once) and its otpauth:// URI for an authenticator app."""
        account = self.store.account(p.name) if p.kind == "user" else None
        if account is None:
            raise MfaError("只有用网关账户登录的用户可以绑定动态口令")
        if account.mfa_secret is not None:
            raise MfaError("该账户已绑定动态口令；更换设备须由安全管理员重置后重新绑定")
        secret = pyotp.random_base32()
        self.store.set_mfa_pending(p.name, secret)
        uri = pyotp.TOTP(secret).provisioning_uri(name=p.name, issuer_name=self.settings.system_name)
        return secret, uri

    def confirm_enrolment(self, p: Principal, code: str) -> None:
        """The account's first code: the pending secret becomes its second factor, and this session counts as
        opened with it."""
        account = self.store.account(p.name) if p.kind == "user" else None
        if account is None or account.mfa_pending is None:
            raise MfaError("请先生成动态口令密钥")
        step = self._step_of(account.mfa_pending, code, self.clock())
        if step is None or not self.store.confirm_mfa(p.name, account.mfa_pending, step):
            raise MfaError("code 动态验证码不正确或已过期，请输入验证器当前显示的 6 位数字")
        if p.session_id:
            self.store.set_session_mfa(p.session_id)

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self.hasher.verify(hashed, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    # --- tokens ------------------------------------------------------------------------------------

    def issue(self, principal: Principal, now: float | None = None) -> str:
        now = self.clock() if now is None else now
        claims = {
            "iss": self.settings.jwt_issuer,
            "aud": self.settings.jwt_audience,
            "sub": principal.name,
            "sid": principal.session_id,
            "role": principal.role,
            "area": principal.area_code,
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now + self.settings.access_token_ttl),
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str) -> dict[str, Any]:
        try:
            return jwt.decode(token, self._secret, algorithms=[ALGORITHM], audience=self.settings.jwt_audience,
                              issuer=self.settings.jwt_issuer, leeway=0,
                              options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "sid"],
                                       # times are checked against self.clock below (one clock for tests and sessions)
                                       "verify_exp": False, "verify_iat": False, "verify_nbf": False})
        except jwt.PyJWTError as exc:
            raise AuthError("访问令牌无效或已过期") from exc

    def authenticate(self, authorization: str | None, api_key: str | None) -> Principal:
        """The principal of a request: a Bearer access token (or API key), or an X-API-Key header."""
        token = None
        if authorization:
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise AuthError("需要 Bearer 访问令牌")
            token = value.strip()
        if token and token.startswith(API_KEY_PREFIX):
            api_key, token = token, None
        if token:
            return self._from_token(token)
        if api_key:
            return self._from_api_key(api_key)
        raise AuthError("请先登录")

    def _from_token(self, token: str) -> Principal:
        if self.oidc is not None and self._header_alg(token) != ALGORITHM:
            return self._from_oidc_token(token)
        claims = self.decode(token)
        now = self.clock()
        if (
            not all(isinstance(claims[k], int) for k in ("exp", "iat", "nbf"))
            or claims["exp"] <= now
            or claims["nbf"] > now + 5
        ):
            raise AuthError("访问令牌无效或已过期")
        session = self.store.session(claims["sid"])
        if session is None or session["ended_at"] is not None or session["username"] != claims["sub"]:
            raise AuthError("会话已结束，请重新登录")
        if now - session["last_seen"] > self.settings.session_idle_timeout:
            self.store.end_session(claims["sid"], now)
            raise AuthError("会话因长时间未操作已结束，请重新登录")
        account = self.store.account(claims["sub"])
        if account is None or account.disabled:
            raise AuthError("会话已结束，请重新登录")
        if now - session["last_seen"] >= min(30.0, self.settings.session_idle_timeout / 10):
            self.store.touch_session(claims["sid"], now)
        # Role and area come from the account, so a change applies at once.
        return Principal(account.username, account.role, account.area_code, "user", claims["sid"],
                         bool(session["mfa"]))

    @staticmethod
    def _header_alg(token: str) -> object:
        try:
            return jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError as exc:
            raise AuthError("访问令牌无效或已过期") from exc

    def _from_oidc_token(self, token: str) -> Principal:
        """A token of the external provider: role and area come from its claims (the provider manages those users)."""
        assert self.oidc is not None
        try:
            name, role, area = self.oidc.identity(self.oidc.verify(token), ROLES)
        except OidcError as exc:
            raise AuthError("访问令牌无效或已过期") from exc
        return Principal(name, role, area, "oidc")

    def logout(self, principal: Principal) -> None:
        if principal.session_id:
            self.store.end_session(principal.session_id, self.clock())

    # --- API keys ----------------------------------------------------------------------------------

    @staticmethod
    def _key_hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()  # high-entropy random secrets: a fast hash suffices

    def create_api_key(self, name: str, role: str, area_code: str, created_by: str) -> tuple[str, str]:
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        self.store.add_api_key(key_id, name, self._key_hash(secret), role, area_code, self.clock(), created_by)
        return key_id, f"{API_KEY_PREFIX}{key_id}.{secret}"

    def _from_api_key(self, presented: str) -> Principal:
        body = presented.removeprefix(API_KEY_PREFIX)
        key_id, _, secret = body.partition(".")
        key = self.store.api_key(key_id) if key_id and secret else None
        if key is None or key.revoked_at is not None or not hmac.compare_digest(key.key_hash, self._key_hash(secret)):
            raise AuthError("API 密钥无效或已吊销")
        return Principal(f"apikey:{key.name}", key.role, key.area_code, "api_key")
