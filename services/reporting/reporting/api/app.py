from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from pzh_shared.http import install_error_handlers

from reporting.adapters.store import ReadModelStore
from reporting.projections.areas import level
from reporting.reports.archive import FORMATS, ReportArchive
from reporting.reports.catalogue import BY_SLUG, KINDS
from reporting.reports.render import FontMissing
from reporting.reports.rhythm import rhythm
from reporting.reports.service import generate as generate_report
from reporting.views import VIEWS, view

CHINA = timezone(timedelta(hours=8))
REPORTS = {slug: kind.name for slug, kind in BY_SLUG.items()}  # URL name -> archive name


def _area(area_code: str) -> str:
    if not area_code.isdigit() or len(area_code) not in (6, 9, 12):
        raise HTTPException(422, f"行政区划代码 {area_code!r} 格式不正确：应为 6、9 或 12 位数字")
    return area_code


def _report(name: str) -> str:
    if name not in REPORTS:
        raise HTTPException(404, f"没有名为 {name!r} 的报表；现有：{', '.join(REPORTS)}")
    return REPORTS[name]


def create_app(store: ReadModelStore, archive: ReportArchive | None = None, cjk_font: str = "") -> FastAPI:
    app = FastAPI(title="攀枝花市社会工作服务体系 · reporting", version="0.2.0")
    install_error_handlers(app, {})

    @app.get("/read-models/stations/{area_code}")
    def stations(area_code: str, as_of: date | None = None) -> dict:
        """Stations per tier in the area and each of its direct sub-areas. Without as_of: the live
        tally; with it: as of that day, with levels and the year's targets."""
        _area(area_code)
        if as_of is not None:
            return view(store, "stations", area_code, as_of)
        counts = store.station_counts(area_code)
        return {
            "area_code": area_code,
            "level": level(area_code),
            "stations": counts,
            "total": sum(counts.values()),
            "children": [{"area_code": code, "stations": c, "total": sum(c.values())}
                         for code, c in store.station_children(area_code).items()],
        }

    @app.get("/read-models/reports")
    def reports() -> dict:
        """Every archived report version, with its download links."""
        return {"reports": archive.listing() if archive else []}

    @app.post("/read-models/reports/{name}/{period}", status_code=201)
    def generate(name: str, period: str) -> dict:
        """Generates the report for the period (2024-03, 2024-Q1, 2024-H1 or 2024, by report) now: a new
        version, kept beside the older ones."""
        report = _report(name)
        if archive is None:
            raise HTTPException(503, "报表存档未配置")
        try:
            KINDS[report].span(period)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        try:
            return generate_report(store, archive, report, period, cjk_font)
        except FontMissing as exc:
            raise HTTPException(503, str(exc)) from exc

    @app.get("/read-models/reports/{name}/{period}")
    def versions(name: str, period: str) -> dict:
        report = _report(name)
        if archive is None:
            return {"versions": []}
        try:
            known = archive.versions(report, period)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        return {"versions": [archive.describe(report, period, v) for v in known]}

    @app.get("/read-models/reports/{name}/{period}/{file}")
    def download(name: str, period: str, file: str) -> FileResponse:
        """`v3.pdf`, `latest.xlsx`, `v1.json`, ..."""
        report = _report(name)
        version, _, fmt = file.partition(".")
        if archive is None or fmt not in FORMATS or not (version == "latest" or (version[:1] == "v" and version[1:].isdigit())):
            raise HTTPException(404, f"没有该报表文件：{file!r}")
        try:
            path = archive.path(report, period, version if version == "latest" else int(version[1:]), fmt)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        if path is None:
            raise HTTPException(404, f"没有该报表文件：{name}/{period}/{file}")
        return FileResponse(path, media_type=FORMATS[fmt], filename=f"{report}-{period}-{path.parent.name}.{fmt}")

    @app.get("/read-models/rhythm/{area_code}")
    def reporting_rhythm(area_code: str, as_of: date | None = None) -> dict:
        """Every report of the as_of year (default: today in China) with its due date, status
        (done, due, overdue, upcoming), versions and the latest downloads. Declared before the
        generic figure route, which would otherwise take `rhythm` for a view name."""
        _area(area_code)
        day = as_of or datetime.now(CHINA).date()
        return rhythm(area_code, day, archive.listing() if archive else [])

    @app.get("/read-models/{figure}/{area_code}")
    def figures(figure: str, area_code: str, as_of: date | None = None, since: date | None = None) -> dict:
        """A view of the area (and every area under it) as of a day (default: today in China);
        flows count from `since` (default: 1 January of the as_of year)."""
        if figure not in VIEWS:
            raise HTTPException(404, f"没有名为 {figure!r} 的读模型；现有：{', '.join(VIEWS)}")
        _area(area_code)
        day = as_of or datetime.now(CHINA).date()
        if since is not None and since > day:
            raise HTTPException(422, "since 不能晚于 as_of")
        return view(store, figure, area_code, day, since)

    @app.get("/read-models")
    def index() -> dict:
        return {"views": list(VIEWS), "reports": list(REPORTS)}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
