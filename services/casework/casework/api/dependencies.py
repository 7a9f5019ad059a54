"""What casework's routes are given: the application, and who reads and why (X-User, X-Purpose)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, Header, Request

from casework.application.service import CaseworkApplication
from casework.domain.errors import CaseworkError


def _application(request: Request) -> CaseworkApplication:
    application: CaseworkApplication = request.app.state.application
    return application


Casework = Annotated[CaseworkApplication, Depends(_application)]
# HTTP header values are Latin-1: a purpose in Chinese is sent percent-encoded UTF-8 (quote("督导复核")).
_User = Annotated[str, Header(alias="X-User", min_length=1, max_length=300)]
_Purpose = Annotated[str, Header(alias="X-Purpose", min_length=1, max_length=900)]


def _user(x_user: _User) -> str:
    return unquote(x_user).strip() or _missing("X-User")


def _purpose(x_purpose: _Purpose) -> str:
    return unquote(x_purpose).strip() or _missing("X-Purpose")


def _missing(header: str) -> str:
    raise CaseworkError(f"请求头 {header} 不能为空：查阅个案须写明操作人与目的")


def _optional_user(x_user: Annotated[str | None, Header(alias="X-User", max_length=300)] = None) -> str | None:
    return (unquote(x_user).strip() or None) if x_user else None


User = Annotated[str, Depends(_user)]
OptionalUser = Annotated[str | None, Depends(_optional_user)]
Purpose = Annotated[str, Depends(_purpose)]


def with_id(key: str, also: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None) \
        -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """A list's `decorate`: the index's row id under the resource's own name (case_id, project_id, ...)."""
    def decorate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = [{key: row["id"], **row} for row in rows]
        return also(rows) if also else rows
    return decorate
