"""The read-model store (SQLite file). Each event's changes commit in the same transaction as its
event id, so a redelivered event (relay republish, worker crash before the offset commit) changes
nothing."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from pzh_shared.areas import AreaLevel, level_of

from reporting.projections.router import KINDS, Changes, advance

# Bumped whenever the tables change: an older file is refused with a pointer to the rebuild command.
# 3: area facts (areas, reform_areas), served_townships, stations_opened, and the names table.
# 4: volunteer service time as `volunteer_minutes` (whole minutes), no longer `volunteer_hours` in hundredths.
# 5: the older station tally (tables stations, station_tally) is gone: every station figure is a dated fact.
SCHEMA_VERSION = 5

_SCHEMA = """
CREATE TABLE IF NOT EXISTS processed_events (
    event_id TEXT PRIMARY KEY, event_type TEXT NOT NULL, processed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
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
CREATE TABLE IF NOT EXISTS names (
    kind TEXT NOT NULL, id TEXT NOT NULL, effective_on TEXT NOT NULL, name TEXT NOT NULL, \
PRIMARY KEY (kind, id, effective_on));
"""


def _canonical(state: dict) -> str:
    """An aggregate's state as stored."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"))


class StoreOutdated(RuntimeError):
    """The file was written by an older version of this service."""


def _bounds(area_code: str) -> tuple[str, str]:
    """The area's codes as a range: every code starting with the area's prefix (the city's prefix
    is its first four digits), i.e. the area and all areas under it."""
    prefix = area_code[:4] if level_of(area_code) is AreaLevel.CITY else area_code
    return prefix, prefix + ";"  # ';' sorts right after '9'


def _child_length(area_code: str) -> int:
    return {AreaLevel.CITY: 6, AreaLevel.COUNTY: 9, AreaLevel.TOWNSHIP: 12, AreaLevel.VILLAGE: 12}[level_of(area_code)]


class ReadModelStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        # One statement, one snapshot: version and tables are read together (see the creation below).
        version, existing = self._conn.execute(
            "SELECT (SELECT user_version FROM pragma_user_version), "
            "(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'processed_events')").fetchone()
        if existing and version != SCHEMA_VERSION:
            self._conn.close()
            raise StoreOutdated(
                f"{path} holds read models of schema {version}, this service writes {SCHEMA_VERSION}: "
                "stop the worker and run `python -m reporting rebuild` (or, for a local platform, `make clean`)"
            )
        # Tables and version in one transaction: the worker and the API open a new file at the same moment,
        # and the one that looks between the two would take the file for an outdated one. IMMEDIATE takes
        # the write lock first, waiting (busy timeout) while a replica writes: a deferred transaction would
        # fail at once with "database is locked" when it tried to turn its read into a write.
        self._conn.executescript(f"BEGIN IMMEDIATE; {_SCHEMA}; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    def apply(self, batch: Iterable[tuple[str, str, Changes]]) -> int:
        """Applies (event_id, event_type, changes) in one transaction; returns how many were new.

        Per batch, not per event: the dedupe marks are looked up in one query, the states of the
        batch's aggregates loaded in one query and folded in memory, and the facts, states,
        directory rows and names written with one executemany each at the end. The result is the
        one applying the events one by one gives (tests/test_rebuild_equals_live.py checks it
        across batch sizes)."""
        batch = list(batch)
        applied = 0
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                seen = self._processed(cur, [event_id for event_id, _, _ in batch])
                states = self._load_states(cur, {c.aggregate for _, _, c in batch if c.aggregate is not None})
                marks: list[tuple[str, str]] = []
                facts: list[tuple] = []
                stepped: set[tuple[str, str]] = set()  # aggregates changed by the batch (their state not yet as stored)
                directory: dict[str, tuple[str, str, str, int]] = {}  # station -> its last directory row
                for event_id, event_type, changes in batch:
                    if event_id in seen:
                        continue
                    seen.add(event_id)
                    marks.append((event_id, event_type))
                    applied += 1
                    deltas = list(changes.facts)
                    if (aggregate := changes.aggregate) is not None:
                        if aggregate in stepped:
                            # an aggregate's next event sees its state as stored (JSON: key order, types), exactly
                            # as if each event were its own transaction, whatever the batch boundaries
                            states[aggregate] = json.loads(_canonical(states[aggregate]))
                        state, added = advance(changes, states.get(aggregate))
                        deltas += added
                        states[aggregate] = state
                        stepped.add(aggregate)
                        kind, aggregate_id = aggregate
                        if (entries := KINDS[kind].directory) is not None and (
                            entry := entries(aggregate_id, state)
                        ) is not None:
                            directory[entry[0]] = entry
                    facts.extend((event_id, seq, *key, amount) for seq, (key, amount) in enumerate(deltas))
                if not marks:
                    cur.execute("COMMIT")  # all seen before: nothing to write
                    return 0
                cur.executemany("INSERT INTO processed_events (event_id, event_type) VALUES (?, ?)", marks)
                self._write_aggregates(cur, {aggregate: states[aggregate] for aggregate in stepped}, directory)
                cur.executemany(
                    "INSERT INTO facts (event_id, seq, figure, area_code, station_id, k1, k2, effective_on, amount) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", facts)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return applied

    @staticmethod
    def _processed(cur: sqlite3.Cursor, event_ids: list[str]) -> set[str]:
        seen: set[str] = set()
        for i in range(0, len(event_ids), 500):  # SQLite's bound-parameter limit
            chunk = event_ids[i:i + 500]
            seen.update(row[0] for row in cur.execute(
                f"SELECT event_id FROM processed_events WHERE event_id IN ({', '.join('?' * len(chunk))})", chunk))
        return seen

    @staticmethod
    def _load_states(cur: sqlite3.Cursor, aggregates: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        states: dict[tuple[str, str], dict] = {}
        by_kind: dict[str, list[str]] = {}
        for kind, aggregate_id in aggregates:
            by_kind.setdefault(kind, []).append(aggregate_id)
        for kind, ids in by_kind.items():
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                for aggregate_id, state in cur.execute(
                    f"SELECT id, state FROM aggregates WHERE kind = ? AND id IN ({', '.join('?' * len(chunk))})",
                    [kind, *chunk],
                ):
                    states[(kind, aggregate_id)] = json.loads(state)
        return states

    @staticmethod
    def _write_aggregates(
        cur: sqlite3.Cursor, states: dict[tuple[str, str], dict], directory: dict[str, tuple[str, str, str, int]]
    ) -> None:
        """The last state of each aggregate the batch changed, its station directory row (the last one
        any of its events gave) and its whole name history, rewritten from that state."""
        cur.executemany("INSERT INTO aggregates (kind, id, state) VALUES (?, ?, ?) "
                        "ON CONFLICT (kind, id) DO UPDATE SET state = excluded.state",
                        [(kind, aggregate_id, _canonical(state)) for (kind, aggregate_id), state in states.items()])
        cur.executemany(
            "INSERT INTO station_directory (station_id, area_code, tier, provincial_pilot) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (station_id) DO UPDATE SET area_code = excluded.area_code, tier = excluded.tier, "
            "provincial_pilot = excluded.provincial_pilot",
            list(directory.values()),
        )
        named = [aggregate for aggregate in states if KINDS[aggregate[0]].names is not None]
        cur.executemany("DELETE FROM names WHERE kind = ? AND id = ?", named)
        rows = []
        for kind, aggregate_id in named:
            history = dict(KINDS[kind].names(states[(kind, aggregate_id)]))  # one name a day: the last one set that day
            rows.extend((kind, aggregate_id, on, name) for on, name in history.items())
        cur.executemany("INSERT INTO names (kind, id, effective_on, name) VALUES (?, ?, ?, ?)", rows)

    # --- figures from the dated facts ------------------------------------------------------------
    def sums(self, figure: str, area_code: str, as_of: str, since: str | None = None, exact: bool = False,
             by: Sequence[str] = ("k1", "k2")) -> dict[tuple, int]:
        """The figure's facts in the area (and every area under it, unless `exact`) dated on or
        before `as_of` (and on or after `since`), summed per `by`: any of k1, k2, pilot (the
        station is a provincial pilot), child (the direct sub-area), station, area (the fact's own
        area code), on (the fact's date)."""
        area = "COALESCE(f.area_code, s.area_code)"
        columns = {"k1": "f.k1", "k2": "f.k2", "pilot": "COALESCE(s.provincial_pilot, 0)", "station": "f.station_id",
                   "child": f"substr({area}, 1, {_child_length(area_code)})", "area": area, "on": "f.effective_on"}
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

    def names(self, kind: str, as_of: str, ids: Iterable[str] | None = None) -> dict[str, str]:
        """The name of each area (`kind` "area", by code) or station ("station", by id) as of a day:
        the latest one in effect then. Areas and stations not yet named on that day are left out."""
        sql = "SELECT id, name FROM names WHERE kind = ? AND effective_on <= ?"
        chunks: list[list[str]] = [[]]
        if ids is not None:
            wanted = sorted(set(ids))
            chunks = [wanted[i:i + 500] for i in range(0, len(wanted), 500)]
        out: dict[str, str] = {}
        for chunk in chunks:
            where = f" AND id IN ({', '.join('?' * len(chunk))})" if ids is not None else ""
            for ident, name in self._conn.execute(sql + where + " ORDER BY id, effective_on", [kind, as_of, *chunk]):
                out[ident] = name  # ordered by day: the last one wins
        return out

    def unresolved(self) -> dict[str, int]:
        """Facts about stations the registry has not told us about yet (kept, counted once it does)."""
        rows = self._conn.execute(
            "SELECT count(*), count(DISTINCT f.station_id) FROM facts f LEFT JOIN station_directory s "
            "ON s.station_id = f.station_id WHERE f.area_code IS NULL AND s.station_id IS NULL").fetchone()
        return {"facts": rows[0], "stations": rows[1]}

    def dump(self) -> dict[str, list[tuple]]:
        """Every read model in a canonical order (no timestamps): rebuilt and live stores compare equal."""
        return {
            "processed_events": self._conn.execute(
                "SELECT event_id, event_type FROM processed_events ORDER BY event_id"
            ).fetchall(),
            "aggregates": self._conn.execute("SELECT kind, id, state FROM aggregates ORDER BY kind, id").fetchall(),
            "facts": self._conn.execute("SELECT * FROM facts ORDER BY event_id, seq").fetchall(),
            "station_directory": self._conn.execute("SELECT * FROM station_directory ORDER BY station_id").fetchall(),
            "names": self._conn.execute("SELECT * FROM names ORDER BY kind, id, effective_on").fetchall(),
        }

    def processed_count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM processed_events").fetchone()[0]
