"""Signing in and out, enrolling the second factor (TOTP), and who the caller is."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gateway.api.deps import Context, SigningIn, audited
from gateway.api.errors import Denied, Unauthenticated
from gateway.api.schemas import LoginIn, Me, MfaCode, MfaEnrolled, MfaEnrolment, SignedIn, SignedOut
from gateway.auth import AuthError, MfaError, Principal

router = APIRouter(prefix="/api/gateway")


@router.post("/login", response_model=SignedIn)
async def login(body: LoginIn, request: Request, context: Context) -> SignedIn:
    try:
        token, p = context.auth.login(body.username, body.password, body.code)
    except AuthError as exc:
        # the name as given: failed sign-ins are audited under the name they tried
        context.trail.record(Principal(body.username, "", "", "none"), "login", request, 401)
        raise Unauthenticated(str(exc)) from exc
    context.trail.record(p, "login", request, 200)
    return SignedIn(access_token=token, token_type="bearer", expires_in=context.settings.access_token_ttl,
                    username=p.name, role=p.role, area_code=p.area_code, mfa=p.mfa)


@router.post("/logout", response_model=SignedOut, dependencies=[audited("logout")])
async def logout(p: SigningIn, request: Request, context: Context) -> SignedOut:
    context.auth.logout(p)
    context.record(request, 200)
    return SignedOut(status="signed_out")


@router.get("/me", response_model=Me)
async def me(p: SigningIn) -> Me:
    return Me(username=p.name, role=p.role, area_code=p.area_code, kind=p.kind, mfa=p.mfa)


@router.post("/mfa/enrolment", response_model=MfaEnrolment, dependencies=[audited("mfa_enrolment")])
async def begin_enrolment(p: SigningIn, request: Request, context: Context) -> MfaEnrolment:
    """A new TOTP secret for the signed-in account, shown this once; it counts after the first code confirms it."""
    try:
        secret, uri = context.auth.begin_enrolment(p)
    except MfaError as exc:
        raise Denied(409, "conflict", str(exc)) from None
    context.record(request, 200, p.name)
    return MfaEnrolment(secret=secret, otpauth_uri=uri)


@router.post("/mfa/enrolment/confirmation", response_model=MfaEnrolled,
             dependencies=[audited("mfa_enrolled")])
async def confirm_enrolment(body: MfaCode, p: SigningIn, request: Request, context: Context) -> MfaEnrolled:
    try:
        context.auth.confirm_enrolment(p, body.code)
    except MfaError as exc:
        raise Denied(422, "invalid_request", str(exc)) from None
    context.record(request, 200, p.name)
    return MfaEnrolled(username=p.name, mfa=True)
