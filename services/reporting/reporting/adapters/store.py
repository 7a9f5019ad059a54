"""The read-model store (SQLite file). Each event's changes commit in the same transaction as its
event id, so a redelivered event (relay republish, worker crash before the offset commit) changes
nothing."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from reporting.projections.areas import level, lineage, parent
from reporting.projections.dispatch import KINDS, Changes, advance
from reporting.projections.stations import TIERS

# Bumped whenever the tables change: an older file is refused with a pointer to the rebuild command.
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS processed_events (
    event_id TEXT PRIMARY KEY, event_type TEXT NOT NULL, processed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS stations (
    station_id TEXT PRIMARY KEY, tier TEXT NOT NULL, area_code TEXT NOT NULL, opened_on TEXT NOT NULL,
    ended INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS station_tally (
    area_code TEXT NOT NULL, parent_code TEXT, level TEXT NOT NULL, tier TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (area_code, tier));
CREATE INDEX IF NOT EXISTS station_tally_parent ON station_tally (parent_code);
CREATE TABLE IF NOT EXISTS aggregates (
    kind TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS facts (
    event_id TEXT NOT NULL, seq INTEGER NOT NULL, figure TEXT NOT NULL, area_code TEXT, station_id TEXT,
    k1 TEXT NOT NULL, k2 TEXT NOT NULL, effective_on TEXT NOT NULL, amount INTEGER NOT NULL,
    PRIMARY KEY (event_id, seq));
CREATE INDEX IF NOT EXISTS facts_figure_area ON facts (figure, area_code, effective_on);
CREATE INDEX IF NOT EXISTS facts_station ON facts (station_id);
CREATE TABLE IF NOT EXISTS station_directory (
    station_id TEXT PRIMARY KEY, area_code TEXT NOT NULL, tier TEXT NOT NULL, provincial_pilot INTEGER NOT NULL);
"""


class StoreOutdated(RuntimeError):
    """The file was written by an older version of this service."""


def _bounds(area_code: str) -> tuple[str, str]:
    """The area's codes as a range: every code starting with the area's prefix (the city's prefix
    is its first four digits), i.e. the area and all areas under it."""
    prefix = area_code[:4] if level(area_code) == "city" else area_code
    return prefix, prefix + ";"  # ';' sorts right after '9'


def _child_length(area_code: str) -> int:
    return {"city": 6, "county": 9, "township": 12, "village": 12}[level(area_code)]


class ReadModelStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        existing = self._conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'processed_events'").fetchone()[0]
        if existing and version != SCHEMA_VERSION:
            self._conn.close()
            raise StoreOutdated(f"{path} holds read models of schema {version}, this service writes {SCHEMA_VERSION}: "
                                "stop the worker and run `python -m reporting rebuild`")
        self._conn.executescript(_SCHEMA)
        self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    def apply(self, batch: Iterable[tuple[str, str, Changes]]) -> int:
        """Applies (event_id, event_type, changes) in one transaction; returns how many were new."""
        applied = 0
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for event_id, event_type, changes in batch:
                    cur.execute("INSERT OR IGNORE INTO processed_events (event_id, event_type) VALUES (?, ?)",
                                (event_id, event_type))
                    if cur.rowcount == 0:
                        continue
                    applied += 1
                    self._apply_changes(cur, changes)
                    self._apply_facts(cur, event_id, changes)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return applied

    @staticmethod
    def _apply_changes(cur: sqlite3.Cursor, changes: Changes) -> None:
        counted = set()
        for row in changes.stations:
            cur.execute("INSERT OR IGNORE INTO stations (station_id, tier, area_code, opened_on) VALUES (?, ?, ?, ?)",
                        (row["station_id"], row["tier"], row["area_code"], row["opened_on"]))
            if cur.rowcount:
                counted.add(row["tier"])
        for area_code, tier in changes.tallies:
            if tier not in counted:
                continue  # the station was counted already: never twice
            cur.execute(
                "INSERT INTO station_tally (area_code, parent_code, level, tier, count) VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT (area_code, tier) DO UPDATE SET count = count + 1",
                (area_code, parent(area_code), level(area_code), tier))
        for station_id in changes.ended_station_ids:
            cur.execute("UPDATE stations SET ended = 1 WHERE station_id = ? AND ended = 0 RETURNING tier, area_code",
                        (station_id,))
            row = cur.fetchone()
            if row is None:
                continue  # never counted, or already ended: nothing to take off
            tier, area_code = row
            for code in lineage(area_code):
                cur.execute("UPDATE station_tally SET count = count - 1 WHERE area_code = ? AND tier = ?", (code, tier))

    @staticmethod
    def _apply_facts(cur: sqlite3.Cursor, event_id: str, changes: Changes) -> None:
        deltas = list(changes.facts)
        if changes.aggregate is not None:
            kind, aggregate_id = changes.aggregate
            row = cur.execute("SELECT state FROM aggregates WHERE kind = ? AND id = ?", (kind, aggregate_id)).fetchone()
            state, added = advance(changes, json.loads(row[0]) if row else None)
            deltas += added
            cur.execute("INSERT INTO aggregates (kind, id, state) VALUES (?, ?, ?) "
                        "ON CONFLICT (kind, id) DO UPDATE SET state = excluded.state",
                        (kind, aggregate_id, json.dumps(state, sort_keys=True, separators=(",", ":"))))
            directory = KINDS[kind].directory
            if directory is not None and (entry := directory(aggregate_id, state)) is not None:
                cur.execute("INSERT INTO station_directory (station_id, area_code, tier, provincial_pilot) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (station_id) DO UPDATE SET area_code = excluded.area_code, tier = excluded.tier, "
                            "provincial_pilot = excluded.provincial_pilot", entry)
        cur.executemany(
            "INSERT INTO facts (event_id, seq, figure, area_code, station_id, k1, k2, effective_on, amount) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(event_id, seq, *key, amount) for seq, (key, amount) in enumerate(deltas)])

    # --- figures from the dated facts ------------------------------------------------------------
    def sums(self, figure: str, area_code: str, as_of: str, since: str | None = None, exact: bool = False,
             by: Sequence[str] = ("k1", "k2")) -> dict[tuple, int]:
        """The figure's facts in the area (and every area under it, unless `exact`) dated on or
        before `as_of` (and on or after `since`), summed per `by`: any of k1, k2, pilot (the
        station is a provincial pilot), child (the direct sub-area), station."""
        area = "COALESCE(f.area_code, s.area_code)"
        columns = {"k1": "f.k1", "k2": "f.k2", "pilot": "COALESCE(s.provincial_pilot, 0)", "station": "f.station_id",
                   "child": f"substr({area}, 1, {_child_length(area_code)})"}
        group = [columns[name] for name in by]
        where = ["f.figure = ?", "f.effective_on <= ?"]
        params: list = [figure, as_of]
        if since is not None:
            where.append("f.effective_on >= ?")
            params.append(since)
        if exact:
            where.append(f"{area} = ?")
            params.append(area_code)
        else:
            where.append(f"{area} >= ? AND {area} < ?")
            params.extend(_bounds(area_code))
        if "child" in by:
            where.append(f"{columns['child']} != ?")
            params.append(area_code)
        select = ", ".join([*group, "SUM(f.amount)"])
        sql = (f"SELECT {select} FROM facts f LEFT JOIN station_directory s ON s.station_id = f.station_id "
               f"WHERE {' AND '.join(where)}" + (f" GROUP BY {', '.join(group)}" if group else ""))
        out: dict[tuple, int] = {}
        for *keys, total in self._conn.execute(sql, params).fetchall():
            if total:
                out[tuple(keys)] = total
        return out

    def total(self, figure: str, area_code: str, as_of: str, since: str | None = None, exact: bool = False) -> int:
        return self.sums(figure, area_code, as_of, since, exact, by=()).get((), 0)

    def unresolved(self) -> dict[str, int]:
        """Facts about stations the registry has not told us about yet (kept, counted once it does)."""
        rows = self._conn.execute(
            "SELECT count(*), count(DISTINCT f.station_id) FROM facts f LEFT JOIN station_directory s "
            "ON s.station_id = f.station_id WHERE f.area_code IS NULL AND s.station_id IS NULL").fetchone()
        return {"facts": rows[0], "stations": rows[1]}

    def station_counts(self, area_code: str) -> dict[str, int]:
        rows = self._conn.execute("SELECT tier, count FROM station_tally WHERE area_code = ?", (area_code,)).fetchall()
        counts = dict.fromkeys(TIERS, 0) | dict(rows)
        return counts

    def station_children(self, area_code: str) -> dict[str, dict[str, int]]:
        rows = self._conn.execute(
            "SELECT area_code, tier, count FROM station_tally WHERE parent_code = ? ORDER BY area_code", (area_code,)
        ).fetchall()
        children: dict[str, dict[str, int]] = {}
        for code, tier, count in rows:
            children.setdefault(code, dict.fromkeys(TIERS, 0))[tier] = count
        return children

    def dump(self) -> dict[str, list[tuple]]:
        """Every read model in a canonical order (no timestamps): rebuilt and live stores compare equal."""
        return {
            "processed_events": self._conn.execute("SELECT event_id, event_type FROM processed_events ORDER BY event_id").fetchall(),
            "stations": self._conn.execute("SELECT * FROM stations ORDER BY station_id").fetchall(),
            "station_tally": self._conn.execute(
                "SELECT * FROM station_tally WHERE count != 0 ORDER BY area_code, tier").fetchall(),
            "aggregates": self._conn.execute("SELECT kind, id, state FROM aggregates ORDER BY kind, id").fetchall(),
            "facts": self._conn.execute("SELECT * FROM facts ORDER BY event_id, seq").fetchall(),
            "station_directory": self._conn.execute("SELECT * FROM station_directory ORDER BY station_id").fetchall(),
        }

    def processed_count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM processed_events").fetchone()[0]
