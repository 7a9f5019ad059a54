"""A county's dossier (县(区)档案): its record year by year, as JSON or one XLSX file (reports/dossier.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Response
from pzh_shared.listing import XLSX_MEDIA_TYPE, xlsx

from reporting.api.dependencies import Settings, Store, checked_area
from reporting.projections.facts import china_today
from reporting.reports import dossier

router = APIRouter(prefix="/read-models/dossiers", tags=["reports"])

Year = Annotated[int | None, Query(ge=2000, le=2100, description="年度")]


@router.get("/{county_code}", response_model=None)
def county_dossier(store: Store, settings: Settings, county_code: str, from_year: Year = None, to_year: Year = None,
                   format: Literal["json", "xlsx"] = "json") -> dict[str, Any] | Response:
    """The county's targets, stations and levels, talent, organisations, money, coverage and its rank in each
    quarterly notice, year by year (default: the last five years to this one)."""
    checked_area(county_code)
    today = china_today()
    last = to_year or today.year
    first = from_year or last - 4
    try:
        content = dossier.build(store, settings, county_code, first, last, today)
    except dossier.DossierError as exc:
        raise HTTPException(422, str(exc)) from exc
    columns, rows = dossier.table(content)
    if format == "xlsx":
        title = f"{content['name']}县(区)档案{first}-{last}年"
        return Response(xlsx(title, columns, rows), media_type=XLSX_MEDIA_TYPE,
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(title + '.xlsx')}"})
    # The same rows as the file, for a page to show without knowing the figures (the console).
    return {**content, "table": {"columns": [{"key": key, "label": label} for key, label in columns], "rows": rows}}
