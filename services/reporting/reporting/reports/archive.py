"""Generated reports on disk, one folder per version: <root>/<report>/<period>/v<N>/ with the JSON,
XLSX and PDF renderings. Regenerating a period adds a version; nothing is overwritten. The archive
lives beside the read models, not in them: a rebuild of the read models keeps it."""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reporting.settings import ReportingSettings

FORMATS = {"json": "application/json", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "pdf": "application/pdf"}
_NAME = re.compile(r"^[a-z_]+$")
_PERIOD = re.compile(r"^[0-9A-Za-z-]+$")


def archive_for(settings: ReportingSettings) -> ReportArchive:
    """The one folder the API serves and the worker's schedule writes: REPORTING_REPORTS_DIR, else
    <DATA_DIR>/reports."""
    return ReportArchive(Path(settings.reports_dir) if settings.reports_dir else settings.data_dir / "reports")


class ReportArchive:
    def __init__(self, root: Path):
        self.root = root

    def _folder(self, report: str, period: str) -> Path:
        if not _NAME.match(report) or not _PERIOD.match(period):
            raise ValueError(f"bad report name or period: {report!r} {period!r}")
        return self.root / report / period

    def versions(self, report: str, period: str) -> list[int]:
        folder = self._folder(report, period)
        if not folder.is_dir():
            return []
        return sorted(int(p.name[1:]) for p in folder.iterdir() if re.fullmatch(r"v\d+", p.name))

    def store(self, report: str, period: str, render: Any) -> dict[str, Any]:
        """Writes a new version: render(version, generated_at) -> {format: bytes}; the folder
        appears whole (written aside, then renamed) so a reader never sees half a version."""
        folder = self._folder(report, period)
        folder.mkdir(parents=True, exist_ok=True)
        while True:
            version = (self.versions(report, period) or [0])[-1] + 1
            generated_at = datetime.now(UTC).isoformat(timespec="seconds")
            files = render(version, generated_at)
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
            for fmt, content in files.items():
                (staging / f"{report}.{fmt}").write_bytes(content)
            try:
                os.rename(staging, folder / f"v{version}")
            except OSError:  # another process took this version number meanwhile: take the next
                for child in staging.iterdir():
                    child.unlink()
                staging.rmdir()
                continue
            return self.describe(report, period, version)

    def path(self, report: str, period: str, version: int | str, fmt: str) -> Path | None:
        if fmt not in FORMATS:
            return None
        if version == "latest":
            known = self.versions(report, period)
            if not known:
                return None
            version = known[-1]
        candidate = self._folder(report, period) / f"v{int(version)}" / f"{report}.{fmt}"
        return candidate if candidate.is_file() else None

    def describe(self, report: str, period: str, version: int) -> dict[str, Any]:
        content = json.loads((self._folder(report, period) / f"v{version}" / f"{report}.json").read_text())
        return {"report": report, "period": period, "version": version, "generated_at": content.get("generated_at"),
                "title": content.get("title"),
                "files": {fmt: f"/read-models/reports/{report.replace('_', '-')}/{period}/v{version}.{fmt}" for fmt in FORMATS}}

    def listing(self) -> list[dict[str, Any]]:
        out = []
        if not self.root.is_dir():
            return out
        for report_dir in sorted(p for p in self.root.iterdir() if p.is_dir() and _NAME.match(p.name)):
            for period_dir in sorted(p for p in report_dir.iterdir() if p.is_dir() and _PERIOD.match(p.name)):
                for version in self.versions(report_dir.name, period_dir.name):
                    out.append(self.describe(report_dir.name, period_dir.name, version))
        return out
