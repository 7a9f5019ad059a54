"""The report archive: the list of archived versions, generate a report's new version now (the city's or a
county's own), list a period's versions, download a file."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import FileResponse
from pzh_shared.listing import XLSX_MEDIA_TYPE as XLSX
from pzh_shared.listing import ListParamsDep, xlsx

from reporting.api.dependencies import Archive, Settings, Store, checked_area
from reporting.api.schemas import ReportListing, ReportVersion, ReportVersions
from reporting.deployment import NotForArea, report_area
from reporting.reports import archive_list
from reporting.reports.archive import FORMATS
from reporting.reports.catalogue import BY_SLUG
from reporting.reports.render import FontMissing
from reporting.reports.service import generate as generate_report
from reporting.settings import ReportingSettings

router = APIRouter(prefix="/read-models/reports", tags=["reports"])

AreaQuery = Annotated[str | None, Query(max_length=12, description="行政区划代码：本市（默认）或所辖县(区)")]


def _report(name: str) -> str:
    """The archive name of the report a URL names (`quarterly-notice` -> `quarterly_notice`)."""
    if name not in BY_SLUG:
        raise HTTPException(404, f"没有名为 {name!r} 的报表；现有：{', '.join(BY_SLUG)}")
    return BY_SLUG[name].name


def _area(settings: ReportingSettings, area: str | None) -> str:
    """The archive folder of the area's reports ("" for the city's); 422 in Chinese for another area."""
    try:
        scope = report_area(settings, area)
    except NotForArea as exc:
        raise HTTPException(422, str(exc)) from exc
    return "" if scope == settings.city_code else scope


@router.get("", response_model=ReportListing)
def reports(archive: Archive, params: ListParamsDep, area: AreaQuery = None,
            name: Annotated[str | None, Query(max_length=40, description="报表，如 quarterly-notice")] = None,
            period: Annotated[str | None, Query(max_length=10, description="期间，如 2024-Q1")] = None) -> Any:
    """Every archived report version with its download links: of an area and the areas under it, of a
    report, of a period; sorted by generated_at (default), period or report; paged, or with format=xlsx the 台账."""
    if area is not None:
        checked_area(area)
    entries = archive.catalogue() if archive else []
    query = params.query(area=area, name=name, period=period)
    if params.format == "xlsx":
        rows = archive_list.matching(entries, query)
        disposition = f"attachment; filename*=UTF-8''{quote('报表存档.xlsx')}"
        return Response(xlsx("报表存档", archive_list.COLUMNS, rows), media_type=XLSX,
                        headers={"Content-Disposition": disposition})
    page = archive_list.page(entries, query)
    return {**page, "reports": page["items"]}


@router.post("/{name}/{period}", status_code=201, response_model=ReportVersion)
def generate(store: Store, archive: Archive, settings: Settings, name: str, period: str,
             area: AreaQuery = None) -> dict[str, Any]:
    """Generates the report for the period (2024-03, 2024-Q1, 2024-H1 or 2024, by report) now, for the city
    (default) or one of its counties (`area`): a new version, kept beside the older ones."""
    report = _report(name)
    folder = _area(settings, area)
    if archive is None:
        raise HTTPException(503, "报表存档未配置")
    try:
        BY_SLUG[name].span(period)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    try:
        return generate_report(store, archive, report, period, settings.cjk_font, settings, folder or None)
    except NotForArea as exc:
        raise HTTPException(422, str(exc)) from exc
    except FontMissing as exc:
        raise HTTPException(503, str(exc)) from exc


@router.get("/{name}/{period}", response_model=ReportVersions)
def versions(archive: Archive, settings: Settings, name: str, period: str, area: AreaQuery = None) -> dict[str, Any]:
    report = _report(name)
    folder = _area(settings, area)
    if archive is None:
        return {"versions": []}
    try:
        known = archive.versions(report, period, folder)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    return {"versions": [archive.describe(report, period, v, folder) for v in known]}


@router.get("/{name}/{period}/{file}", response_class=FileResponse)
def download(archive: Archive, settings: Settings, name: str, period: str, file: str,
             area: AreaQuery = None) -> FileResponse:
    """`v3.pdf`, `latest.xlsx`, `v1.json`, ... of the city's report, or of a county's (`area`)."""
    report = _report(name)
    folder = _area(settings, area)
    version, _, fmt = file.partition(".")
    numbered = version[:1] == "v" and version[1:].isdigit()
    if archive is None or fmt not in FORMATS or not (version == "latest" or numbered):
        raise HTTPException(404, f"没有该报表文件：{file!r}")
    try:
        path = archive.path(report, period, version if version == "latest" else int(version[1:]), fmt, folder)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    if path is None:
        raise HTTPException(404, f"没有该报表文件：{name}/{period}/{file}")
    prefix = f"{folder}-" if folder else ""
    return FileResponse(path, media_type=FORMATS[fmt], filename=f"{prefix}{report}-{period}-{path.parent.name}.{fmt}")
