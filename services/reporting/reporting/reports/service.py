"""Generating a report: compute from the read models, render every format, archive a new version."""

from __future__ import annotations

import json
from typing import Any

from reporting.adapters.store import ReadModelStore
from reporting.reports import notice, render
from reporting.reports.archive import ReportArchive

QUARTERLY_NOTICE = "quarterly_notice"


def generate_quarterly_notice(store: ReadModelStore, archive: ReportArchive, period: str, font: str = "") -> dict[str, Any]:
    notice.quarter(period)  # a bad period fails before anything is written
    font_path = render.find_font(font)
    content = notice.build(store, period)

    def files(version: int, generated_at: str) -> dict[str, bytes]:
        stamped = {**content, "version": version, "generated_at": generated_at}
        return {"json": json.dumps(stamped, ensure_ascii=False, indent=2).encode(),
                "xlsx": render.xlsx(stamped), "pdf": render.pdf(stamped, font_path)}

    return archive.store(QUARTERLY_NOTICE, period, files)
