"""Where the rules book (reports/rules_book.py) is recorded: the bureaus' own record, no projection of another
service's events, so beside the read models and never in them (a rebuild keeps it). One interface, two adapters:

- RulesLog, with the SQLite read model: one append-only JSON-lines file of revisions per owning area,
  <DATA_DIR>/rules-book/<area>.jsonl, on the volume the worker and the API share; appended under an exclusive
  lock, so two editors cannot take the same revision number; read again whenever a file changed;
- PostgresRulesLog, with the PostgreSQL read model (whose pods' data folder is scratch): the table
  public.reporting_rules_book, outside the switchable read-model schemas; the primary key (owner, number) lets
  one of two editors that read the same revisions take the next number, the other is told the book moved on."""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import psycopg
from psycopg import errors

from reporting.reports.rules_book import Revision, StaleRevision

_AREA = re.compile(r"^\d{6}$")
Check = Callable[[list[Revision]], dict[str, Any]]


class RulesBookLog(Protocol):
    def book(self) -> dict[str, list[Revision]]: ...

    def record(self, owner: str, by: str, effective_from: date, check: Check) -> Revision: ...


def _next(owner: str, by: str, effective_from: date, history: list[Revision], check: Check) -> Revision:
    """The owner's next revision: the version `check` returns for the revisions so far (it raises to refuse)."""
    version = check(history)
    return Revision(owner, len(history) + 1, effective_from, version, datetime.now(UTC).isoformat(timespec="seconds"),
                    by)


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

    def record(self, owner: str, by: str, effective_from: date, check: Check) -> Revision:
        """Appends the owner's next revision, checked against the owner's revisions under the lock."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self._file(owner)
        with path.open("a+", encoding="utf-8") as log:
            fcntl.flock(log, fcntl.LOCK_EX)  # released when the file closes
            log.seek(0)
            revision = _next(owner, by, effective_from, self._parse(log), check)
            log.write(json.dumps(revision.as_event(), ensure_ascii=False) + "\n")
            log.flush()
            os.fsync(log.fileno())
        return revision


_TABLE = """CREATE TABLE IF NOT EXISTS public.reporting_rules_book (
    owner TEXT NOT NULL, number INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (owner, number))"""


class PostgresRulesLog:
    def __init__(self, conninfo: str):
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self._lock = threading.Lock()  # one connection, used by one request at a time
        with self._lock:
            self._conn.execute(_TABLE)

    def _revisions(self, owner: str | None = None) -> list[Revision]:
        query = "SELECT event FROM public.reporting_rules_book"
        rows = self._conn.execute(query + (" WHERE owner = %s" if owner else "") + " ORDER BY owner, number",
                                  [owner] if owner else []).fetchall()
        return [Revision.from_event(json.loads(row[0])) for row in rows]

    def book(self) -> dict[str, list[Revision]]:
        with self._lock:
            found: dict[str, list[Revision]] = {}
            for revision in self._revisions():
                found.setdefault(revision.owner, []).append(revision)
            return found

    def record(self, owner: str, by: str, effective_from: date, check: Check) -> Revision:
        with self._lock:
            revision = _next(owner, by, effective_from, self._revisions(owner), check)
            try:
                self._conn.execute("INSERT INTO public.reporting_rules_book (owner, number, event) VALUES (%s, %s, %s)",
                                   [owner, revision.number, json.dumps(revision.as_event(), ensure_ascii=False)])
            except errors.UniqueViolation as exc:
                raise StaleRevision("规则已被他人同时修订：请刷新后重试") from exc
            return revision

    def close(self) -> None:
        self._conn.close()
