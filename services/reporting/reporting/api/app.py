from __future__ import annotations

from fastapi import FastAPI, HTTPException
from pzh_shared.http import install_error_handlers

from reporting.adapters.store import ReadModelStore
from reporting.projections.areas import level


def create_app(store: ReadModelStore) -> FastAPI:
    app = FastAPI(title="攀枝花市社会工作服务体系 · reporting", version="0.1.0")
    install_error_handlers(app, {})

    @app.get("/read-models/stations/{area_code}")
    def stations(area_code: str) -> dict:
        """Stations per tier in the area and each of its direct sub-areas."""
        if not area_code.isdigit() or len(area_code) not in (6, 9, 12):
            raise HTTPException(422, f"行政区划代码 {area_code!r} 格式不正确：应为 6、9 或 12 位数字")
        area_level = level(area_code)
        counts = store.station_counts(area_code)
        return {
            "area_code": area_code,
            "level": area_level,
            "stations": counts,
            "total": sum(counts.values()),
            "children": [{"area_code": code, "stations": c, "total": sum(c.values())}
                         for code, c in store.station_children(area_code).items()],
        }

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
