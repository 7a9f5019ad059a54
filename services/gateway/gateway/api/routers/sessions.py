"""Signing in and out, and who the caller is."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gateway.api.deps import Context, CurrentPrincipal, audited
from gateway.api.errors import Unauthenticated
from gateway.api.schemas import LoginIn, Me, SignedIn, SignedOut
from gateway.auth import AuthError, Principal

router = APIRouter(prefix="/api/gateway")


@router.post("/login", response_model=SignedIn)
async def login(body: LoginIn, request: Request, context: Context) -> SignedIn:
    try:
        token, p = context.auth.login(body.username, body.password)
    except AuthError as exc:
        # the name as given: failed sign-ins are audited under the name they tried
        context.trail.record(Principal(body.username, "", "", "none"), "login", request, 401)
        raise Unauthenticated(str(exc)) from exc
    context.trail.record(p, "login", request, 200)
    return SignedIn(access_token=token, token_type="bearer", expires_in=context.settings.access_token_ttl,
                    username=p.name, role=p.role, area_code=p.area_code)


@router.post("/logout", response_model=SignedOut, dependencies=[audited("logout")])
async def logout(p: CurrentPrincipal, request: Request, context: Context) -> SignedOut:
    context.auth.logout(p)
    context.record(request, 200)
    return SignedOut(status="signed_out")


@router.get("/me", response_model=Me)
async def me(p: CurrentPrincipal) -> Me:
    return Me(username=p.name, role=p.role, area_code=p.area_code, kind=p.kind)
