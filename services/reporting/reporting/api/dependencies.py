"""What the routes reach through the app's state, as `Annotated` dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from pzh_shared.areas import is_area_code

from reporting.adapters.store import ReadModelStore
from reporting.reports.archive import ReportArchive
from reporting.settings import ReportingSettings


def _store(request: Request) -> ReadModelStore:
    store: ReadModelStore = request.app.state.store
    return store


def _archive(request: Request) -> ReportArchive | None:
    archive: ReportArchive | None = request.app.state.archive
    return archive


def _settings(request: Request) -> ReportingSettings:
    settings: ReportingSettings = request.app.state.settings
    return settings


Store = Annotated[ReadModelStore, Depends(_store)]
Archive = Annotated[ReportArchive | None, Depends(_archive)]
Settings = Annotated[ReportingSettings, Depends(_settings)]


def checked_area(area_code: str) -> str:
    if not is_area_code(area_code):
        raise HTTPException(422, f"行政区划代码 {area_code!r} 格式不正确：应为 6、9 或 12 位数字")
    return area_code
