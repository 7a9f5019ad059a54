"""What the gateway's own routes depend on: the gateway's parts (`Context`), the signed-in principal
(`CurrentPrincipal`), a role's function (`permitted`), and the route's audit action (`audited`).

Refusals are exceptions (errors.Denied, errors.Unauthenticated) answered by the handlers installed
here, which also write the audit record of an audited route; a route records its success itself
(`Context.record`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response

from gateway.access import allowed
from gateway.adapters.store import GatewayStore
from gateway.api.errors import Denied, Unauthenticated, forbidden
from gateway.api.limits import Limiter
from gateway.api.trail import ANONYMOUS, AuditTrail
from gateway.auth import Authenticator, AuthError, Principal
from gateway.settings import GatewaySettings


@dataclass(frozen=True)
class GatewayContext:
    settings: GatewaySettings
    store: GatewayStore
    auth: Authenticator
    trail: AuditTrail
    clock: Callable[[], float]
    root_prefix: str  # the deployment's top area (GATEWAY_CITY_AREA_CODE) as a scope prefix
    limiter: Limiter  # requests per account (api.limits): in the process, or in the store shared by replicas

    def is_root(self, p: Principal) -> bool:
        """Whether the principal sits at the top of the deployment (sees what has no area)."""
        return self.root_prefix.startswith(p.prefix)

    def record(self, request: Request, status: int, resource_id: str | None = None) -> None:
        """The audit record of an audited route's answer (its action from `audited`)."""
        self.trail.record(request.state.principal, request.state.audit_action, request, status, resource_id)


async def context_of(request: Request) -> GatewayContext:
    context: GatewayContext = request.app.state.gateway
    return context


Context = Annotated[GatewayContext, Depends(context_of)]


def audited(action: str) -> Any:
    """A route-level dependency naming the route's audit action (a template of its path parameters,
    e.g. "account_{action}"); it runs before the principal is known, so a 401 is audited too."""

    async def name_action(request: Request) -> None:
        request.state.audit_action = action.format(**request.path_params)

    return Depends(name_action)


MFA_FIRST = "须先绑定动态口令（TOTP）：请在控制台登录，按提示用验证器绑定后再操作"


async def signing_in(request: Request, context: Context) -> Principal:
    """The caller, also with a session still waiting for its second factor (enrolment, who am I, sign-out)."""
    try:
        p = context.auth.authenticate(request.headers.get("authorization"), request.headers.get("x-api-key"))
    except AuthError as exc:
        raise Unauthenticated(str(exc)) from exc
    request.state.principal = p
    return p


SigningIn = Annotated[Principal, Depends(signing_in)]


async def current_principal(p: SigningIn, context: Context) -> Principal:
    if context.settings.mfa_required and not p.mfa:
        raise forbidden(MFA_FIRST)
    return p


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def permitted(function: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the signed-in principal, if its role has `function` (access.FUNCTIONS); else 403."""

    async def principal_with_function(p: CurrentPrincipal) -> Principal:
        if not allowed(p.role, function):
            raise forbidden()
        return p

    return principal_with_function


AccountAdmin = Annotated[Principal, Depends(permitted("account_admin"))]
AccountLister = Annotated[Principal, Depends(permitted("account_list"))]
ApiKeyAdmin = Annotated[Principal, Depends(permitted("api_key_admin"))]
ApiKeyRevoker = Annotated[Principal, Depends(permitted("api_key_revoke"))]
AuditReader = Annotated[Principal, Depends(permitted("gateway_audit_read"))]
ExportApprover = Annotated[Principal, Depends(permitted("export_approve"))]


def install_refusal_handlers(app: FastAPI) -> None:
    """Answers Denied and Unauthenticated, with the audit record when the route is audited."""

    async def on_unauthenticated(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Unauthenticated)
        action = getattr(request.state, "audit_action", None)
        if action:
            request.app.state.gateway.trail.record(ANONYMOUS, action, request, 401)
        return exc.response()

    async def on_denied(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Denied)
        action = getattr(request.state, "audit_action", None)
        principal = getattr(request.state, "principal", None)
        if action and principal is not None:
            request.app.state.gateway.trail.record(principal, action, request, exc.status)
        return exc.response()

    app.add_exception_handler(Unauthenticated, on_unauthenticated)
    app.add_exception_handler(Denied, on_denied)
