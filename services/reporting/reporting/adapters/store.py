"""The read-model store (SQLite file). Each event's changes commit in the same transaction as its
event id, so a redelivered event (relay republish, worker crash before the offset commit) changes
nothing."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from reporting.projections.areas import level, lineage, parent
from reporting.projections.dispatch import Changes
from reporting.projections.stations import TIERS

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
"""


class ReadModelStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
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
        }

    def processed_count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM processed_events").fetchone()[0]
