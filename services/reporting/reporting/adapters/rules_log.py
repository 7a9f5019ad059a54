"""The rules book on disk: one append-only JSON-lines file of recorded revisions per owning area,
<DATA_DIR>/rules-book/<area>.jsonl, beside the read models and the report archive but in neither (a rebuild of
the read models keeps it; it is no projection of another service's events, it is the bureaus' own record). The
API appends under an exclusive lock, so two editors cannot both take the same revision number; the worker and
the API read it afresh whenever a file changed."""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from reporting.reports.rules_book import Revision

_AREA = re.compile(r"^\d{6}$")


class RulesLog:
    def __init__(self, root: Path):
        self.root = root
        self._cache: tuple[tuple[Any, ...], dict[str, list[Revision]]] | None = None

    def _file(self, owner: str) -> Path:
        if not _AREA.match(owner):
            raise ValueError(f"bad rules owner: {owner!r}")
        return self.root / f"{owner}.jsonl"

    @staticmethod
    def _parse(lines: Iterable[str]) -> list[Revision]:
        return [Revision.from_event(json.loads(line)) for line in lines if line.strip()]

    def _read(self, path: Path) -> list[Revision]:
        with path.open(encoding="utf-8") as lines:
            return self._parse(lines)

    def book(self) -> dict[str, list[Revision]]:
        """Every owner's revisions in recorded order; read again only when a file changed."""
        files = sorted(self.root.glob("*.jsonl")) if self.root.is_dir() else []
        stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
        if self._cache is None or self._cache[0] != stamp:
            self._cache = (stamp, {f.stem: self._read(f) for f in files})
        return self._cache[1]

    def revisions(self, owner: str) -> list[Revision]:
        return self.book().get(owner, [])

    def record(self, owner: str, by: str, effective_from: date,
               check: Callable[[list[Revision]], dict[str, Any]]) -> Revision:
        """Appends the owner's next revision: the version `check` returns, given the owner's revisions under the
        lock (it raises to refuse)."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self._file(owner)
        with path.open("a+", encoding="utf-8") as log:
            fcntl.flock(log, fcntl.LOCK_EX)  # released when the file closes
            log.seek(0)
            history = self._parse(log)
            version = check(history)
            revision = Revision(owner, len(history) + 1, effective_from, version,
                                datetime.now(UTC).isoformat(timespec="seconds"), by)
            log.write(json.dumps(revision.as_event(), ensure_ascii=False) + "\n")
            log.flush()
            os.fsync(log.fileno())
        return revision
