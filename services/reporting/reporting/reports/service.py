"""Generating a report: compute from the read models, render every format, archive a new version."""

from __future__ import annotations

import json
from typing import Any

from reporting.adapters.store import ReadModelStore
from reporting.deployment import deployment_as_of
from reporting.reports import render
from reporting.reports.archive import ReportArchive
from reporting.reports.catalogue import KINDS
from reporting.settings import ReportingSettings

QUARTERLY_NOTICE = "quarterly_notice"


def generate(store: ReadModelStore, archive: ReportArchive, report: str, period: str, font: str = "",
             settings: ReportingSettings | None = None) -> dict[str, Any]:
    """A new version of the report for the period. The counties are those of the deployment's city
    (`settings`, else read from the environment now) as the read model knows them on the period's last day."""
    kind = KINDS[report]
    end = kind.span(period)[1]  # a bad period fails before anything is written
    font_path = render.find_font(font)
    deployment = deployment_as_of(store, settings or ReportingSettings(), end.isoformat())
    content = kind.build(store, deployment, period)

    def files(version: int, generated_at: str) -> dict[str, bytes]:
        stamped = {**content, "version": version, "generated_at": generated_at}
        doc = kind.document(stamped)
        return {"json": json.dumps(stamped, ensure_ascii=False, indent=2).encode(),
                "xlsx": render.xlsx(doc), "pdf": render.pdf(doc, font_path)}

    return archive.store(report, period, files)


def generate_if_missing(store: ReadModelStore, archive: ReportArchive, report: str, period: str, font: str = "",
                        settings: ReportingSettings | None = None) -> dict[str, Any] | None:
    """The schedule's call: a period that already has a version keeps it (None), otherwise v1."""
    if archive.versions(report, period):
        return None
    return generate(store, archive, report, period, font, settings)


def generate_quarterly_notice(store: ReadModelStore, archive: ReportArchive, period: str, font: str = "",
                              settings: ReportingSettings | None = None) -> dict[str, Any]:
    return generate(store, archive, QUARTERLY_NOTICE, period, font, settings)
