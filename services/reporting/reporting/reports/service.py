"""Generating a report: compute from the read models, render every format, archive a new version."""

from __future__ import annotations

import json
from typing import Any

from reporting.adapters.store import ReadModelStore
from reporting.deployment import deployment_for, report_area
from reporting.reports import render
from reporting.reports.archive import ReportArchive
from reporting.reports.catalogue import KINDS
from reporting.settings import ReportingSettings

QUARTERLY_NOTICE = "quarterly_notice"


def generate(store: ReadModelStore, archive: ReportArchive, report: str, period: str, font: str = "",
             settings: ReportingSettings | None = None, area: str | None = None) -> dict[str, Any]:
    """A new version of the report for the period, of the deployment's city (`settings`, else read from the
    environment now) or of one of its counties (`area`), as the read model knows them on the period's last
    day. A report that cannot be made for the area raises NotForArea before anything is written."""
    kind = KINDS[report]
    settings = settings or ReportingSettings()
    end = kind.span(period)[1]  # a bad period fails before anything is written
    scope = report_area(settings, area)
    font_path = render.find_font(font)
    deployment = deployment_for(store, settings, scope, end.isoformat())
    content = kind.build(store, deployment, period)

    def files(version: int, generated_at: str) -> dict[str, bytes]:
        stamped = {**content, "version": version, "generated_at": generated_at}
        doc = kind.document(stamped)
        return {"json": json.dumps(stamped, ensure_ascii=False, indent=2).encode(),
                "xlsx": render.xlsx(doc), "pdf": render.pdf(doc, font_path)}

    return archive.store(report, period, files, "" if scope == settings.city_code else scope)


def generate_if_missing(store: ReadModelStore, archive: ReportArchive, report: str, period: str, font: str = "",
                        settings: ReportingSettings | None = None) -> dict[str, Any] | None:
    """The schedule's call: a period that already has a version keeps it (None), otherwise v1."""
    if archive.versions(report, period):
        return None
    return generate(store, archive, report, period, font, settings)


def generate_quarterly_notice(store: ReadModelStore, archive: ReportArchive, period: str, font: str = "",
                              settings: ReportingSettings | None = None) -> dict[str, Any]:
    return generate(store, archive, QUARTERLY_NOTICE, period, font, settings)
