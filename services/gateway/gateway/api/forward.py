"""Forwarding `/api/<resource>/...` to the owning service, as a pipeline: authenticate, limit,
authorise, scope, forward, audit. A step that refuses raises Halt with the answer (audited where
the call is audited: every change and every case read)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from pzh_shared.http import error_body

from gateway.access import CASE_FUNCTIONS, PARAM_KINDS, Route, allowed, match, service_path
from gateway.adapters.group_commit import Write
from gateway.adapters.store import owner_write
from gateway.adapters.upstream import Upstream
from gateway.api.deps import MFA_FIRST, GatewayContext
from gateway.api.duties import check_duty
from gateway.api.errors import Denied, Unauthenticated, forbidden, not_found
from gateway.api.limits import declared_too_large, page_too_large, rate_limited, too_large
from gateway.api.routers.exports import check_export
from gateway.api.scope import ScopeResolver
from gateway.api.trail import ANONYMOUS
from gateway.auth import AuthError, Principal
from gateway.masking import mask_identity

# Headers passed from the caller to a service. X-User is never taken from the caller: the gateway
# sets it from the authenticated principal.
FORWARDED_HEADERS = ("content-type", "x-purpose", "idempotency-key")


class Halt(Exception):
    """Ends the pipeline with this answer."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


@dataclass
class Call:
    """One forwarded request as the pipeline learns about it."""

    request: Request
    api_path: str  # below /api
    audited: bool
    principal: Principal = ANONYMOUS
    action: str = "forward"  # the route's function once the route is known
    route: Route | None = None
    params: dict[str, str] | None = None
    path_known: bool = False  # no route for the method, but for others (405)
    resource_id: str | None = None
    content: bytes = b""
    body: Any = None  # the parsed JSON body, if any
    target: str | None = None  # the area the call touches
    query: list[tuple[str, str]] = field(default_factory=list)  # as forwarded (a list's scope added)
    writes: list[Write] = field(default_factory=list)  # the audit record and owners, committed before the answer


class Forwarder:
    def __init__(self, context: GatewayContext, upstreams: dict[str, Upstream]):
        self.context, self.upstreams = context, upstreams
        self.settings = context.settings
        self.limiter = context.limiter

    async def forward(self, path: str, request: Request) -> Response:
        """Authenticates, checks the role's function (403) and the area scope (404), forwards to the owning service."""
        call = self._call_of(request, f"/{path}")
        try:
            if declared_too_large(request, self.settings.max_request_bytes):
                raise Halt(too_large(self.settings.max_request_bytes))  # before reading it or asking who sends it
            self._authenticate(call)
            self._limit(call)
            route, params = self._route(call)
            await self._read_body(call)
            await self._authorise_and_scope(call, route, params)
            reply = await self._forward(call, route)
            reply = self._after(call, route, params, reply)
        except Halt as halt:
            reply = halt.response
        else:
            self._audit(call, reply.status_code, call.target)
        # The call's audit record and owners are committed (with other calls', group_commit.py) before it is
        # answered: a gateway that dies after answering has recorded the answer.
        await self.context.store.write(call.writes)
        return reply

    @staticmethod
    def _call_of(request: Request, api_path: str) -> Call:
        route, found = match(request.method, api_path)
        # every change, every case read, and every read of casework's audit (the auditor's own actions are audited)
        read_audited = route is not None and route.function in ("case_read", "service_audit_read")
        call = Call(request, api_path, audited=request.method != "GET" or read_audited, route=route,
                    query=request.query_params.multi_items())
        if isinstance(found, dict):
            call.params = found
        else:
            call.path_known = found
        return call

    def _audit(self, call: Call, status: int, target: str | None = None) -> None:
        if call.audited:
            call.writes.append(
                self.context.trail.entry(call.principal, call.action, call.request, status, call.resource_id, target)
            )

    def _refuse(self, call: Call, response: Response, target: str | None = None) -> Halt:
        self._audit(call, response.status_code, target)
        return Halt(response)

    def _authenticate(self, call: Call) -> None:
        headers = call.request.headers
        try:
            call.principal = self.context.auth.authenticate(headers.get("authorization"), headers.get("x-api-key"))
        except AuthError as exc:
            raise self._refuse(call, Unauthenticated(str(exc)).response()) from None
        if self.settings.mfa_required and not call.principal.mfa:
            raise self._refuse(call, forbidden(MFA_FIRST).response())

    def _limit(self, call: Call) -> None:
        wait = self.limiter.take(f"{call.principal.kind}:{call.principal.name}")
        if wait:
            raise self._refuse(call, rate_limited(wait))
        too_many = page_too_large(call.request, self.settings.max_page_size)
        if too_many is not None:
            raise Halt(too_many)

    def _route(self, call: Call) -> tuple[Route, dict[str, str]]:
        method = call.request.method
        if call.route is None or call.params is None:
            status = 405 if call.path_known else 404
            raise self._refuse(call, error_body(status, "not_found" if status == 404 else "method_not_allowed",
                                                f"没有这个接口：{method} /api{call.api_path}"))
        route, params = call.route, call.params
        call.action = route.function
        call.resource_id = next((params[n] for n in route.params if PARAM_KINDS.get(n, "area") != "area"), None) \
            or next(iter(params.values()), None)
        return route, params

    async def _read_body(self, call: Call) -> None:
        call.content = await call.request.body()
        if len(call.content) > self.settings.max_request_bytes:
            raise Halt(too_large(self.settings.max_request_bytes))
        if call.content and "json" in call.request.headers.get("content-type", "application/json"):
            try:
                call.body = json.loads(call.content)
            except ValueError:
                call.body = None  # the service answers 422

    async def _authorise_and_scope(self, call: Call, route: Route, params: dict[str, str]) -> None:
        try:
            if not allowed(call.principal.role, route.function):
                raise forbidden()
            resolver = ScopeResolver(self.upstreams, self.context.store, self.context.root_prefix, call.principal)
            call.target = await resolver.target(route, params, call.body)
            if route.lists:
                call.query, listed = await resolver.list_scope(call.query)
                call.target = call.target or listed
            check_duty(route, params, call.principal, resolver, call.target)
            if route.personal_export and ("format", "xlsx") in call.query:
                call.audited, call.action = True, "personal_export"  # allowed or refused, it is audited
                call.resource_id = check_export(self.context, call.principal, call.api_path,
                                                call.request.headers.get("x-export-approval"))
        except Denied as exc:
            raise self._refuse(call, exc.response()) from None

    async def _forward(self, call: Call, route: Route) -> Response:
        service, upstream_path = service_path(call.api_path)
        assert service is not None  # every route of the table lies under a service's segment
        request = call.request
        headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
        headers["x-user"] = quote(call.principal.name, safe="")
        # the path arrives decoded: encode it again (a control character in an id would make no valid URL)
        return await self.upstreams[service].forward(request.method, quote(upstream_path, safe="/"),
                                                     content=call.content, params=call.query,
                                                     headers=headers)

    def _after(self, call: Call, route: Route, params: dict[str, str], reply: Response) -> Response:
        """On success: the service's own area decides a case call, identity masking, the ownership index."""
        if not 200 <= reply.status_code < 300:
            return reply
        data = _json_of(reply)
        p = call.principal
        if route.function in CASE_FUNCTIONS and isinstance(data, dict) and isinstance(data.get("area_code"), str) \
                and not p.covers(data["area_code"]):
            # the ownership index was stale: the service's own answer decides
            raise self._refuse(call, not_found().response(), data["area_code"])
        if (route.lists or route.function in CASE_FUNCTIONS) and _outside(p, data):
            # the service answered beyond the scope it was asked for: nothing of it leaves the gateway
            raise self._refuse(call, not_found().response(), call.target)
        if route.function == "case_read" and isinstance(data, dict) \
                and not (allowed(p.role, "case_identity") and call.request.headers.get("x-purpose")):
            reply = Response(json.dumps(mask_identity(data), ensure_ascii=False, default=str),
                             status_code=reply.status_code, media_type="application/json")
        self._index(call, route, params, data)
        return reply

    def _index(self, call: Call, route: Route, params: dict[str, str], data: Any) -> None:
        """Records where created or moved objects lie (the ownership index)."""
        body = call.body
        if route.creates and route.creates != "area" and isinstance(data, dict):
            created = data.get(f"{route.creates}_id")
            if isinstance(created, str):
                call.resource_id = created
                owner = call.target or call.principal.area_code
                if isinstance(body, dict) and isinstance(body.get("area_code"), str):
                    owner = body["area_code"]
                call.writes.append(owner_write(route.creates, created, owner))
                call.target = owner
        if route.moves_to and isinstance(body, dict) and isinstance(body.get(route.moves_to), str):
            call.writes.append(owner_write(PARAM_KINDS[route.params[0]], params[route.params[0]], body[route.moves_to]))


def _outside(principal: Principal, page: Any) -> bool:
    """Whether a list page holds an item whose area the principal does not cover."""
    items = page.get("items") if isinstance(page, dict) else None
    return isinstance(items, list) and any(isinstance(item, dict) and isinstance(item.get("area_code"), str)
                                           and not principal.covers(item["area_code"]) for item in items)


def _json_of(reply: Response) -> Any:
    if "json" not in reply.headers.get("content-type", "application/json"):
        return None  # an export (XLSX, PDF) passes through as it is
    try:
        return json.loads(bytes(reply.body)) if reply.body else None
    except ValueError:
        return None
