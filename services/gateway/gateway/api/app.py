from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from itertools import accumulate
from typing import Any
from urllib.parse import quote, unquote

import httpx
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, Field
from pzh_shared.http import error_body, install_error_handlers

from gateway.access import BODY_REFS, CASE_FUNCTIONS, OBJECT_SOURCES, PARAM_KINDS, ROUTES, SERVICES, Route, allowed, match, service_path
from gateway.adapters.store import GatewayStore
from gateway.adapters.upstream import Upstream
from gateway.auth import ROLES, Authenticator, AuthError, Principal, scope_prefix
from gateway.console import install_console
from gateway.openapi import WholeApiDocument
from gateway.settings import GatewaySettings

__all__ = ["ROUTES", "SERVICES", "FORWARDED_HEADERS", "create_app"]

# Headers passed from the caller to a service. X-User is never taken from the caller: the gateway
# sets it from the authenticated principal.
FORWARDED_HEADERS = ("content-type", "x-purpose", "idempotency-key")
NOT_FOUND = object()  # the object does not exist (answered like an out-of-scope one)
UNCHECKED = object()  # a malformed id: no object can have it, the service answers
ANONYMOUS = Principal("anonymous", "", "", "none")


class Denied(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


class RateLimiter:
    """A token bucket per account: `per_minute` requests a minute, refilled continuously."""

    def __init__(self, per_minute: int):
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> int:
        """0 when the request may go; otherwise the seconds to wait (for Retry-After)."""
        now = time.monotonic()
        tokens, last = self.buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1:
            self.buckets[key] = (tokens, now)
            return max(1, int((1 - tokens) / self.rate + 0.999))
        self.buckets[key] = (tokens - 1, now)
        return 0


# Deeper JSON bodies are refused (422); the platform's real documents nest a handful of levels.
MAX_JSON_DEPTH = 64
# a string, or an unterminated one up to the end (so that no quote is scanned twice: linear on any input)
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]+")


def json_depth(content: bytes) -> int:
    """How deep brackets nest in a (possibly invalid) JSON text, ignoring those inside strings; linear, no recursion."""
    brackets = _NOT_BRACKETS.sub(b"", _JSON_STRING.sub(b"", content))
    return max(accumulate(1 if b in b"[{" else -1 for b in brackets), default=0)


def _not_found() -> Denied:
    return Denied(404, "not_found", "未找到，或不在您的管辖范围内")


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class AccountIn(BaseModel):
    username: str = Field(min_length=1, max_length=100, pattern=r"^[\w.@-]+$")
    password: str = Field(min_length=12, max_length=1000)
    role: str
    area_code: str = Field(pattern=r"^\d{6}(\d{3}){0,2}$")


class PasswordIn(BaseModel):
    password: str = Field(min_length=12, max_length=1000)


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w.@-]+$")
    role: str
    area_code: str = Field(pattern=r"^\d{6}(\d{3}){0,2}$")


def _mask(value: Any, keep_start: int, keep_end: int) -> Any:
    if not isinstance(value, str) or not value or value.startswith("["):
        return value
    keep_end = min(keep_end, max(len(value) - keep_start, 0))
    return value[:keep_start] + "*" * max(len(value) - keep_start - keep_end, 1) + (value[-keep_end:] if keep_end else "")


IDENTITY_MASKS = {"name": (1, 0), "guardian_name": (1, 0), "id_number": (6, 4), "phone": (3, 4), "guardian_phone": (3, 4),
                  "address": (0, 0), "birth_date": (4, 0)}


def mask_identity(view: dict[str, Any]) -> dict[str, Any]:
    """A case or client view with the client's identity (and a guardian's) masked: 王**, 510421********1234."""
    def masked(fields: Any) -> Any:
        if not isinstance(fields, dict):
            return fields
        return {k: _mask(v, *IDENTITY_MASKS[k]) if k in IDENTITY_MASKS else v for k, v in fields.items()}
    view = dict(view)
    for key in ("client", "identity"):
        if key in view:
            view[key] = masked(view[key])
    if isinstance(view.get("consent"), dict):
        view["consent"] = {**view["consent"], "detail": masked(view["consent"].get("detail"))}
    view["identity_masked"] = True
    return view


RANK = {"city_admin": 3, "county_admin": 2, "township_admin": 1, "station_operator": 0, "social_worker": 0}


def create_app(settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None,
               clock: Callable[[], float] = time.time) -> FastAPI:
    """`transport` replaces the network to the services (tests); `clock` gives the time (tests)."""
    store = GatewayStore(settings.resolved_store_path())
    auth = Authenticator(settings, store, clock)
    auth.bootstrap()
    root_prefix = scope_prefix(settings.city_area_code)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        for upstream in app.state.upstreams.values():
            await upstream.close()
        store.close()

    app = FastAPI(title="攀枝花市社会工作服务体系 · 网关", version="0.3.0", lifespan=lifespan)
    app.state.upstreams = {name: Upstream(name, getattr(settings, f"{name}_url"), settings.upstream_timeout, transport)
                           for name in SERVICES}
    app.state.store, app.state.auth = store, auth
    install_error_handlers(app, {})

    @app.middleware("http")
    async def refuse_deep_json(request: Request, call_next):
        """A JSON body nested deeper than MAX_JSON_DEPTH answers 422 before anything parses it: Python's
        json (here and in the services) would otherwise hit its recursion limit and answer 5xx."""
        declared = request.headers.get("content-length", "")
        if request.method in ("POST", "PUT", "PATCH") and not (declared.isdigit() and int(declared) > settings.max_request_bytes):
            content = await request.body()
            if len(content) <= settings.max_request_bytes and json_depth(content) > MAX_JSON_DEPTH:
                return error_body(422, "invalid_request", f"请求内容无效：JSON 嵌套超过 {MAX_JSON_DEPTH} 层")
        return await call_next(request)

    def is_root(p: Principal) -> bool:
        return root_prefix.startswith(p.prefix)

    def audit(p: Principal, action: str, request: Request, status: int, resource_id: str | None = None,
              target_area: str | None = None, detail: dict[str, Any] | None = None) -> None:
        purpose = request.headers.get("x-purpose")
        store.audit(at=clock(), actor=p.name, role=p.role, actor_area=p.area_code, action=action, method=request.method,
                    path=request.url.path, resource_id=resource_id, target_area=target_area, status=status,
                    purpose=unquote(purpose)[:900] if purpose else None, detail=detail)

    def principal_of(request: Request) -> Principal:
        return auth.authenticate(request.headers.get("authorization"), request.headers.get("x-api-key"))

    def unauthorised(exc: AuthError) -> Response:
        reply = error_body(401, "unauthenticated", str(exc))
        reply.headers["WWW-Authenticate"] = 'Bearer realm="pzh"'
        return reply

    def too_large() -> Response:
        return error_body(413, "request_too_large", f"请求内容过大：上限 {settings.max_request_bytes // (1024 * 1024)} MiB")

    def denied(exc: Denied) -> Response:
        return error_body(exc.status, exc.code, str(exc))

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    # --- the gateway's own API: sign-in, accounts, API keys, audit --------------------------------

    @app.post("/api/gateway/login")
    async def login(body: LoginIn, request: Request) -> Response:
        try:
            token, p = auth.login(body.username, body.password)
        except AuthError as exc:
            audit(Principal(body.username, "", "", "none"), "login", request, 401)
            return unauthorised(exc)
        audit(p, "login", request, 200)
        return Response(json.dumps({"access_token": token, "token_type": "bearer", "expires_in": settings.access_token_ttl,
                                    "username": p.name, "role": p.role, "area_code": p.area_code}),
                        media_type="application/json")

    async def gateway_call(request: Request, function: str | None, action: str, run: Callable[[Principal], Any],
                           audited: bool = True) -> Response:
        try:
            p = principal_of(request)
        except AuthError as exc:
            if audited:
                audit(ANONYMOUS, action, request, 401)
            return unauthorised(exc)
        try:
            if function and not allowed(p.role, function):
                raise Denied(403, "forbidden", "您的角色无权执行此操作")
            result = run(p)
        except Denied as exc:
            if audited:
                audit(p, action, request, exc.status)
            return denied(exc)
        status, payload, resource_id = result
        if audited:
            audit(p, action, request, status, resource_id)
        return Response(json.dumps(payload, ensure_ascii=False), status_code=status, media_type="application/json")

    @app.post("/api/gateway/logout")
    async def logout(request: Request) -> Response:
        def run(p: Principal):
            auth.logout(p)
            return 200, {"status": "signed_out"}, None
        return await gateway_call(request, None, "logout", run)

    @app.get("/api/gateway/me")
    async def me(request: Request) -> Response:
        return await gateway_call(request, None, "me", lambda p: (200, {"username": p.name, "role": p.role,
                                                                         "area_code": p.area_code, "kind": p.kind}, None),
                                  audited=False)

    def may_manage(p: Principal, role: str, area_code: str) -> bool:
        if p.role == "system_admin":  # any role, but only within its own area like everyone else
            return p.covers(area_code)
        return role in RANK and RANK[role] < RANK.get(p.role, 0) and p.covers(area_code)

    @app.post("/api/gateway/users")
    async def create_user(body: AccountIn, request: Request) -> Response:
        def run(p: Principal):
            if body.role not in ROLES:
                raise Denied(422, "invalid_request", f"角色应为 {' 或 '.join(ROLES)}")
            if not may_manage(p, body.role, body.area_code):
                raise Denied(403, "forbidden", "无权创建该角色或该区域的账户")
            if not store.add_account(body.username, auth.hash_password(body.password), body.role, body.area_code, clock(), p.name):
                raise Denied(409, "conflict", "用户名已存在")
            return 201, {"username": body.username, "role": body.role, "area_code": body.area_code}, body.username
        return await gateway_call(request, "account_admin", "create_account", run)

    @app.get("/api/gateway/users")
    async def list_users(request: Request) -> Response:
        def run(p: Principal):
            return 200, {"users": [{"username": a.username, "role": a.role, "area_code": a.area_code, "disabled": a.disabled,
                                    "locked": a.locked_until > clock()}
                                   for a in store.accounts() if p.covers(a.area_code)]}, None
        return await gateway_call(request, "account_admin", "list_accounts", run, audited=False)

    def managed_account(p: Principal, username: str):
        account = store.account(username)
        if account is None or not p.covers(account.area_code):
            raise _not_found()
        if not may_manage(p, account.role, account.area_code):
            raise Denied(403, "forbidden", "无权管理该账户")
        return account

    @app.post("/api/gateway/users/{username}/{action}")
    async def manage_user(username: str, action: str, request: Request) -> Response:
        raw = await request.body()

        def run(p: Principal):
            if action not in ("unlock", "disable", "enable", "password"):
                raise Denied(404, "not_found", "没有这个接口")
            if action == "password" and username == p.name and p.kind == "user":
                account = store.account(username)
            else:
                account = managed_account(p, username)
            if action == "unlock":
                store.record_success(account.username)
            elif action == "disable":
                store.set_disabled(account.username, True)
                store.end_sessions_of(account.username, clock())
            elif action == "enable":
                store.set_disabled(account.username, False)
            else:
                try:
                    body = PasswordIn.model_validate_json(raw or b"{}")
                except ValueError:
                    raise Denied(422, "invalid_request", "请求内容无效：password 至少 12 个字符") from None
                store.set_password(account.username, auth.hash_password(body.password))
                store.end_sessions_of(account.username, clock())
            return 200, {"username": account.username, "action": action}, account.username
        function = None if action == "password" else "account_admin"
        return await gateway_call(request, function, f"account_{action}", run)

    @app.post("/api/gateway/api-keys")
    async def create_api_key(body: ApiKeyIn, request: Request) -> Response:
        def run(p: Principal):
            if body.role not in ROLES or body.role == "system_admin":
                raise Denied(422, "invalid_request", "API 密钥的角色无效")
            if not p.covers(body.area_code):  # keys, like accounts, only within one's own area
                raise _not_found()
            key_id, key = auth.create_api_key(body.name, body.role, body.area_code, p.name)
            return 201, {"key_id": key_id, "api_key": key, "name": body.name, "role": body.role, "area_code": body.area_code}, key_id
        return await gateway_call(request, "api_key_admin", "create_api_key", run)

    @app.get("/api/gateway/api-keys")
    async def list_api_keys(request: Request) -> Response:
        def run(p: Principal):
            return 200, {"api_keys": [k for k in store.api_keys() if p.covers(k["area_code"])]}, None
        return await gateway_call(request, "api_key_admin", "list_api_keys", run, audited=False)

    @app.post("/api/gateway/api-keys/{key_id}/revocation")
    async def revoke_api_key(key_id: str, request: Request) -> Response:
        def run(p: Principal):
            key = next((k for k in store.api_keys() if k["key_id"] == key_id), None)
            if key is None or not p.covers(key["area_code"]) or not store.revoke_api_key(key_id, clock()):
                raise _not_found()
            return 200, {"key_id": key_id, "revoked": True}, key_id
        return await gateway_call(request, "api_key_admin", "revoke_api_key", run)

    @app.get("/api/gateway/audit")
    async def read_audit(request: Request, actor: str | None = None, after: int = 0, limit: int = 100) -> Response:
        def run(p: Principal):
            records = store.audit_records(p.prefix, actor, max(after, 0), min(max(limit, 1), 1000), unscoped=is_root(p))
            for r in records:
                r["detail"] = json.loads(r["detail"]) if r["detail"] else None
            return 200, {"records": records}, None
        return await gateway_call(request, "gateway_audit_read", "read_audit", run, audited=False)

    # --- forwarding with area scope ------------------------------------------------------------------

    async def fetch_json(service: str, path: str) -> tuple[int, Any]:
        upstream = app.state.upstreams[service]
        try:
            reply = await upstream.client.get(path)
        except httpx.HTTPError:
            raise Denied(503, "upstream_unavailable", f"服务 {service} 暂时不可用，请稍后重试") from None
        try:
            return reply.status_code, reply.json()
        except ValueError:
            return reply.status_code, None

    async def area_of(kind: str, value: Any, cache: dict) -> Any:
        """The area code of an area or object; NOT_FOUND, UNCHECKED, or None (no area known: city level)."""
        if not isinstance(value, str) or not value:
            return UNCHECKED
        if kind == "area":
            return value
        key = (kind, value)
        if key in cache:
            return cache[key]
        found: Any = None
        source = OBJECT_SOURCES.get(kind)
        if source:
            status, data = await fetch_json(source[0], source[1].format(id=quote(value, safe="")))
            if status == 404:
                found = NOT_FOUND
            elif status == 422:
                found = UNCHECKED
            elif status >= 500:
                raise Denied(503, "upstream_unavailable", "服务暂时不可用，请稍后重试")
            elif isinstance(data, dict):
                if isinstance(data.get("area_code"), str):
                    found = data["area_code"]
                elif kind != "station":
                    station = data.get("station_id") or data.get("host_station_id")
                    if isinstance(station, str):
                        found = await area_of("station", station, cache)
        if found is None:
            found = store.owner(kind, value)
        cache[key] = found
        return found

    async def check(p: Principal, kind: str, value: Any, cache: dict) -> Any:
        area = await area_of(kind, value, cache)
        if area is UNCHECKED:
            return None
        if area is NOT_FOUND or (area is None and not is_root(p)) or (area is not None and not p.covers(area)):
            raise _not_found()
        return area

    async def scope(p: Principal, route: Route, params: dict[str, str], body: Any) -> str | None:
        """Raises Denied unless everything the request touches lies under the principal's area; returns the target area."""
        if route.root_only and not is_root(p):
            raise Denied(403, "forbidden", "此功能仅对市级账户开放")
        cache: dict = {}
        target: str | None = None
        for name, value in params.items():
            kind = PARAM_KINDS.get(name)
            if kind:
                area = await check(p, kind, value, cache)
                target = target or area
        if isinstance(body, dict):
            refs = dict(BODY_REFS)
            if route.creates == "area":
                refs["code"] = "area"
            if route.body_into:
                refs["into"] = route.body_into
            for name, kind in refs.items():
                if name not in body:
                    continue
                values = body[name] if isinstance(body[name], list) else [body[name]]
                for value in values:
                    area = await check(p, kind, value, cache)
                    target = target or area
        return target

    whole_api = WholeApiDocument(app, app.state.upstreams, settings.max_page_size)

    @app.get("/api/openapi.json", include_in_schema=False)
    async def openapi_document() -> Response:
        """The whole API in one OpenAPI document (gateway/openapi.py); public, like any API description."""
        return Response(json.dumps(await whole_api.document(), ensure_ascii=False), media_type="application/json")

    limiter = RateLimiter(settings.rate_limit_per_minute)

    @app.api_route("/api/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], include_in_schema=False)
    async def forward(path: str, request: Request) -> Response:
        """Authenticates, checks the role's function (403) and the area scope (404), forwards to the owning service."""
        method, api_path = request.method, f"/{path}"
        service, upstream_path = service_path(api_path)
        route, params_or_known = match(method, api_path)
        case_read = route is not None and route.function == "case_read"
        audited = method != "GET" or case_read
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > settings.max_request_bytes:
            return too_large()  # refused before reading it or asking who sends it
        try:
            p = principal_of(request)
        except AuthError as exc:
            if audited:
                audit(ANONYMOUS, "forward", request, 401)
            return unauthorised(exc)
        wait = limiter.take(f"{p.kind}:{p.name}")
        if wait:
            if audited:
                audit(p, "forward", request, 429)
            reply = error_body(429, "rate_limited", f"请求过于频繁，请 {wait} 秒后再试")
            reply.headers["Retry-After"] = str(wait)
            return reply
        for name in ("limit", "page_size"):
            value = request.query_params.get(name, "")
            if value.isdigit() and int(value) > settings.max_page_size:
                return error_body(422, "page_too_large", f"{name} 最大为 {settings.max_page_size}")
        if route is None:
            status = 405 if params_or_known else 404
            if audited:
                audit(p, "forward", request, status)
            return error_body(status, "not_found" if status == 404 else "method_not_allowed",
                              f"没有这个接口：{method} /api{api_path}")
        params = params_or_known
        resource_id = next((params[n] for n in route.params if PARAM_KINDS.get(n, "area") != "area"), None) \
            or next(iter(params.values()), None)
        action = route.function
        content = await request.body()
        if len(content) > settings.max_request_bytes:
            return too_large()
        body: Any = None
        if content and "json" in request.headers.get("content-type", "application/json"):
            try:
                body = json.loads(content)
            except ValueError:
                body = None  # the service answers 422
        try:
            if not allowed(p.role, route.function):
                raise Denied(403, "forbidden", "您的角色无权执行此操作")
            target = await scope(p, route, params, body)
        except Denied as exc:
            if audited:
                audit(p, action, request, exc.status, resource_id)
            return denied(exc)

        headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
        headers["x-user"] = quote(p.name, safe="")
        # the path arrives decoded: encode it again (a control character in an id would make no valid URL)
        reply = await app.state.upstreams[service].forward(method, quote(upstream_path, safe="/"), content=content,
                                                          params=request.query_params, headers=headers)
        status = reply.status_code
        if 200 <= status < 300:
            data: Any = None
            try:
                data = json.loads(reply.body) if reply.body else None
            except ValueError:
                pass
            if route.function in CASE_FUNCTIONS and isinstance(data, dict) and isinstance(data.get("area_code"), str) \
                    and not p.covers(data["area_code"]):
                # the ownership index was stale: the service's own answer decides
                audit(p, action, request, 404, resource_id, data["area_code"])
                return denied(_not_found())
            if case_read and isinstance(data, dict) and not (allowed(p.role, "case_identity") and request.headers.get("x-purpose")):
                reply = Response(json.dumps(mask_identity(data), ensure_ascii=False, default=str), status_code=status,
                                 media_type="application/json")
            if route.creates and route.creates != "area" and isinstance(data, dict):
                created = data.get(f"{route.creates}_id")
                if isinstance(created, str):
                    resource_id = created
                    owner = target or p.area_code
                    if isinstance(body, dict) and isinstance(body.get("area_code"), str):
                        owner = body["area_code"]
                    store.set_owner(route.creates, created, owner)
                    target = owner
            if route.moves_to and isinstance(body, dict) and isinstance(body.get(route.moves_to), str):
                kind = PARAM_KINDS[route.params[0]]
                store.set_owner(kind, params[route.params[0]], body[route.moves_to])
        if audited:
            audit(p, action, request, status, resource_id, target)
        return reply

    # The web console (/console): its pages call the /api routes above with the signed-in user's token.
    install_console(app, auth, settings.access_token_ttl)
    return app
