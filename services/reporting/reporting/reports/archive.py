"""Generated reports on disk, one folder per version: <root>/<report>/<period>/v<N>/ with the JSON,
XLSX and PDF renderings (and the official document's DOCX and PDF, for the reports that have one) for the
deployment's city, <root>/<county code>/<report>/<period>/v<N>/ for a
county's own reports. Regenerating a period adds a version; nothing is overwritten. The archive
lives beside the read models, not in them: a rebuild of the read models keeps it.

A version never changes once written, so what `describe` reads of it is kept in memory."""

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
           "pdf": "application/pdf",
           # the official document (reports/official.py) of the reports that have one: to edit, and as laid out
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "official.pdf": "application/pdf",
           "html": "text/html; charset=utf-8"}  # the printable fragment the console's print page shows
_NAME = re.compile(r"^[a-z_]+$")
_PERIOD = re.compile(r"^[0-9A-Za-z-]+$")
_AREA = re.compile(r"^\d{6}$")  # a county's folder; the city's reports sit at the root


def archive_for(settings: ReportingSettings) -> ReportArchive:
    """The one folder the API serves and the worker's schedule writes: REPORTING_REPORTS_DIR, else
    <DATA_DIR>/reports."""
    root = Path(settings.reports_dir) if settings.reports_dir else settings.data_dir / "reports"
    return ReportArchive(root, settings.city_code)


class ReportArchive:
    """`root_area`: the area whose reports sit at the root (the deployment's city); any other area's
    reports are in its own folder. Methods take `area` "" (or the root area) for the root's."""

    def __init__(self, root: Path, root_area: str = ""):
        self.root = root
        self.root_area = root_area
        self._described: dict[Path, dict[str, Any]] = {}

    def _base(self, area: str) -> Path:
        if not area or area == self.root_area:
            return self.root
        if not _AREA.match(area):
            raise ValueError(f"bad report area: {area!r}")
        return self.root / area

    def _folder(self, report: str, period: str, area: str = "") -> Path:
        if not _NAME.match(report) or not _PERIOD.match(period):
            raise ValueError(f"bad report name or period: {report!r} {period!r}")
        return self._base(area) / report / period

    def versions(self, report: str, period: str, area: str = "") -> list[int]:
        folder = self._folder(report, period, area)
        if not folder.is_dir():
            return []
        return sorted(int(p.name[1:]) for p in folder.iterdir() if re.fullmatch(r"v\d+", p.name))

    def store(self, report: str, period: str, render: Any, area: str = "") -> dict[str, Any]:
        """Writes a new version: render(version, generated_at) -> {format: bytes}; the folder
        appears whole (written aside, then renamed) so a reader never sees half a version."""
        folder = self._folder(report, period, area)
        folder.mkdir(parents=True, exist_ok=True)
        while True:
            version = (self.versions(report, period, area) or [0])[-1] + 1
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
            return self.describe(report, period, version, area)

    def document_sequence(self, report: str, period: str, series: str, year: int, area: str = "") -> int:
        """The official document's number in the area's sequence of the series (攀民通) and `year`: the one an
        earlier version of the report and period took there (a regenerated notice is the same document,
        revised), else the next free one, claimed by creating its marker file exclusively, so two generators
        never take one number. A claim whose version then fails leaves a gap in the sequence."""
        for version in reversed(self.versions(report, period, area)):
            source = self._folder(report, period, area) / f"v{version}" / f"{report}.json"
            earlier = json.loads(source.read_text()).get("document")
            if earlier and (earlier["series"], earlier["year"]) == (series, year):
                return int(earlier["sequence"])
        folder = self._base(area) / ".document-numbers" / series / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        sequence = len(list(folder.iterdir())) + 1
        while True:
            try:
                claim = os.open(folder / str(sequence), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                sequence += 1
                continue
            os.write(claim, f"{report} {period}\n".encode())
            os.close(claim)
            return sequence

    def path(self, report: str, period: str, version: int | str, fmt: str, area: str = "") -> Path | None:
        if fmt not in FORMATS:
            return None
        if version == "latest":
            known = self.versions(report, period, area)
            if not known:
                return None
            version = known[-1]
        candidate = self._folder(report, period, area) / f"v{int(version)}" / f"{report}.{fmt}"
        return candidate if candidate.is_file() else None

    def describe(self, report: str, period: str, version: int, area: str = "") -> dict[str, Any]:
        source = self._folder(report, period, area) / f"v{version}" / f"{report}.json"
        if source not in self._described:
            content = json.loads(source.read_text())
            own = area if area and area != self.root_area else ""
            query = f"?area={own}" if own else ""  # the city's links stay as they were
            self._described[source] = {
                "report": report, "period": period, "version": version, "area_code": own or self.root_area,
                "generated_at": content.get("generated_at"), "title": content.get("title"),
                "files": {fmt: f"/read-models/reports/{report.replace('_', '-')}/{period}/v{version}.{fmt}{query}"
                          for fmt in FORMATS if (source.parent / f"{report}.{fmt}").is_file()}}
        return dict(self._described[source])

    def listing(self, area: str = "") -> list[dict[str, Any]]:
        """Every version of the area's reports (the root's by default), by report, period and version."""
        out: list[dict[str, Any]] = []
        base = self._base(area)
        if not base.is_dir():
            return out
        for report_dir in sorted(p for p in base.iterdir() if p.is_dir() and _NAME.match(p.name)):
            for period_dir in sorted(p for p in report_dir.iterdir() if p.is_dir() and _PERIOD.match(p.name)):
                for version in self.versions(report_dir.name, period_dir.name, area):
                    out.append(self.describe(report_dir.name, period_dir.name, version, area))
        return out

    def areas(self) -> list[str]:
        """The areas with a folder of their own (the root's reports are the root area's)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _AREA.match(p.name))

    def catalogue(self) -> list[dict[str, Any]]:
        """Every version of every area's reports: the root's first, then each county's."""
        return [entry for area in ["", *self.areas()] for entry in self.listing(area)]
