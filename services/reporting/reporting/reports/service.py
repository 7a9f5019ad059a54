"""Generating a report: compute from the read models, render every format, archive a new version."""

from __future__ import annotations

import json
from typing import Any

from reporting.adapters.store import ReadModelStore
from reporting.reports import render
from reporting.reports.archive import ReportArchive
from reporting.reports.catalogue import KINDS

QUARTERLY_NOTICE = "quarterly_notice"


def generate(store: ReadModelStore, archive: ReportArchive, report: str, period: str, font: str = "") -> dict[str, Any]:
    kind = KINDS[report]
    kind.span(period)  # a bad period fails before anything is written
    font_path = render.find_font(font)
    content = kind.build(store, period)

    def files(version: int, generated_at: str) -> dict[str, bytes]:
        stamped = {**content, "version": version, "generated_at": generated_at}
        doc = kind.document(stamped)
        return {"json": json.dumps(stamped, ensure_ascii=False, indent=2).encode(),
                "xlsx": render.xlsx(doc), "pdf": render.pdf(doc, font_path)}

    return archive.store(report, period, files)


def generate_if_missing(store: ReadModelStore, archive: ReportArchive, report: str, period: str, font: str = "") -> dict[str, Any] | None:
    """The schedule's call: a period that already has a version keeps it (None), otherwise v1."""
    if archive.versions(report, period):
        return None
    return generate(store, archive, report, period, font)


def generate_quarterly_notice(store: ReadModelStore, archive: ReportArchive, period: str, font: str = "") -> dict[str, Any]:
    return generate(store, archive, QUARTERLY_NOTICE, period, font)
