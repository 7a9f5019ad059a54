"""The report archive: generate a report's new version now, list versions, download a file."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from reporting.api.dependencies import Archive, Settings, Store
from reporting.api.schemas import ReportListing, ReportVersion, ReportVersions
from reporting.reports.archive import FORMATS
from reporting.reports.catalogue import BY_SLUG
from reporting.reports.render import FontMissing
from reporting.reports.service import generate as generate_report

router = APIRouter(prefix="/read-models/reports", tags=["reports"])


def _report(name: str) -> str:
    """The archive name of the report a URL names (`quarterly-notice` -> `quarterly_notice`)."""
    if name not in BY_SLUG:
        raise HTTPException(404, f"没有名为 {name!r} 的报表；现有：{', '.join(BY_SLUG)}")
    return BY_SLUG[name].name


@router.get("", response_model=ReportListing)
def reports(archive: Archive) -> dict[str, Any]:
    """Every archived report version, with its download links."""
    return {"reports": archive.listing() if archive else []}


@router.post("/{name}/{period}", status_code=201, response_model=ReportVersion)
def generate(store: Store, archive: Archive, settings: Settings, name: str, period: str) -> dict[str, Any]:
    """Generates the report for the period (2024-03, 2024-Q1, 2024-H1 or 2024, by report) now: a new
    version, kept beside the older ones."""
    report = _report(name)
    if archive is None:
        raise HTTPException(503, "报表存档未配置")
    try:
        BY_SLUG[name].span(period)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    try:
        return generate_report(store, archive, report, period, settings.cjk_font, settings)
    except FontMissing as exc:
        raise HTTPException(503, str(exc)) from exc


@router.get("/{name}/{period}", response_model=ReportVersions)
def versions(archive: Archive, name: str, period: str) -> dict[str, Any]:
    report = _report(name)
    if archive is None:
        return {"versions": []}
    try:
        known = archive.versions(report, period)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    return {"versions": [archive.describe(report, period, v) for v in known]}


@router.get("/{name}/{period}/{file}", response_class=FileResponse)
def download(archive: Archive, name: str, period: str, file: str) -> FileResponse:
    """`v3.pdf`, `latest.xlsx`, `v1.json`, ..."""
    report = _report(name)
    version, _, fmt = file.partition(".")
    numbered = version[:1] == "v" and version[1:].isdigit()
    if archive is None or fmt not in FORMATS or not (version == "latest" or numbered):
        raise HTTPException(404, f"没有该报表文件：{file!r}")
    try:
        path = archive.path(report, period, version if version == "latest" else int(version[1:]), fmt)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    if path is None:
        raise HTTPException(404, f"没有该报表文件：{name}/{period}/{file}")
    return FileResponse(path, media_type=FORMATS[fmt], filename=f"{report}-{period}-{path.parent.name}.{fmt}")
