"""The read-model store: one interface (ReadModel), two adapters on the same tables, SQLite (a file, the
default: ReadModelStore) and PostgreSQL (reporting.adapters.postgres). Each event's changes commit in the same
transaction as its event id, so a redelivered event (relay republish, worker crash before the offset commit)
changes nothing.

Roll-ups: besides the dated facts, the store keeps `rollups`, the facts summed per (figure, area prefix,
child area, k1, k2, pilot, day), for every prefix of the fact's area (4, 6, 9, 12 digits). A view of an area
reads the rows of its prefix: as many as its children times keys times days, however many facts lie under
it; as-of and since filter the day. The roll-ups are a pure function of the facts and the station directory
(a station that moves or becomes known re-keys its earlier facts), so live, rebuilt and batched stores give
the same rows. A query they cannot answer (per station) reads the facts."""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from pzh_shared.areas import AreaLevel, level_of, scope_prefix
from pzh_shared.sqlite import connect_wal

from reporting.projections.router import KINDS, Changes, advance

# Bumped whenever the tables change: an older file is refused with a pointer to the rebuild command.
# 3: area facts (areas, reform_areas), served_townships, stations_opened, and the names table.
# 4: volunteer service time as `volunteer_minutes` (whole minutes), no longer `volunteer_hours` in hundredths.
# 5: the older station tally (tables stations, station_tally) is gone: every station figure is a dated fact.
# Roll-ups (table rollups) came within 5: they are derived from the facts and the directory, so a file of 5
# without them is filled when opened (_ROLLUP_FILL) instead of being refused. Their index of each fact's own
# row, rollups_by_area, replaced rollups_own within 5 too (it holds the day and the amount, so a query of every
# township reads the index alone): a SQLite file gets it when opened, a PostgreSQL schema when it is made.
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
CREATE TABLE IF NOT EXISTS rollups (
    figure TEXT NOT NULL, prefix TEXT NOT NULL, period TEXT NOT NULL, effective_on TEXT NOT NULL, child TEXT NOT NULL,
    k1 TEXT NOT NULL, k2 TEXT NOT NULL, pilot INTEGER NOT NULL, amount INTEGER NOT NULL,
    PRIMARY KEY (figure, prefix, period, effective_on, child, k1, k2, pilot));
DROP INDEX IF EXISTS rollups_own;
CREATE INDEX IF NOT EXISTS rollups_by_area ON rollups (figure, k1, period, prefix, effective_on, amount)
    WHERE prefix = child;
CREATE TABLE IF NOT EXISTS unresolved_facts (station_id TEXT PRIMARY KEY, facts INTEGER NOT NULL);
"""
# The prefix lengths a fact is rolled up to, and the length of a child under each: the country's prefix is empty,
# its children the provinces (2 digits, written 110000), a province's 2 digits, its children the cities (4,
# written 110100), a city's 4, its children the 6-digit counties, and so on.
PREFIX_CHILD = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12, 12: 12}
RollupKey = tuple[str, str, str, str, str, str, str, int]  # figure, prefix, period, effective_on, child, k1, k2, pilot
# Each fact is summed into its day, its month and its year (effective_on: the period's first day), so a range of
# days reads whole years, then whole months, then the days at its edges: a few dozen rows per key, not one a day.
_PERIOD_SQL = {"y": "substr({on}, 1, 4) || '-01-01'", "m": "substr({on}, 1, 7) || '-01'", "d": "{on}"}


def _period_start(period: str, on: str) -> str:
    return on[:4] + "-01-01" if period == "y" else on[:7] + "-01" if period == "m" else on


def _child_sql(area: str, length: int) -> str:
    """The child's code in SQL: the first `length` digits, a province or a city padded to its 6-digit code."""
    return f"substr({area}, 1, {length})" + (f" || '{'0' * (6 - length)}'" if length < 6 else "")


def _child_of(area: str, length: int) -> str:
    return area[:length] + "0" * (6 - length) if length < 6 else area[:length]


_AREA = "COALESCE(f.area_code, s.area_code)"
# The roll-ups recomputed from the facts and the directory, one statement per prefix length (into an empty table).
_ROLLUP_FILL = [
    "INSERT INTO rollups (figure, prefix, period, effective_on, child, k1, k2, pilot, amount) "
    f"SELECT f.figure, substr({_AREA}, 1, {length}), '{period}', {on.format(on='f.effective_on')}, "
    f"{_child_sql(_AREA, child)}, f.k1, f.k2, COALESCE(s.provincial_pilot, 0), SUM(f.amount) FROM facts f "
    f"LEFT JOIN station_directory s ON s.station_id = f.station_id WHERE length({_AREA}) >= {length} "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
    for length, child in PREFIX_CHILD.items() for period, on in _PERIOD_SQL.items()
] + [
    "DELETE FROM unresolved_facts",
    "INSERT INTO unresolved_facts (station_id, facts) SELECT COALESCE(f.station_id, ''), count(*) FROM facts f "
    "LEFT JOIN station_directory s ON s.station_id = f.station_id WHERE f.area_code IS NULL AND s.station_id IS NULL "
    "GROUP BY 1",
]


def _canonical(state: dict) -> str:
    """An aggregate's state as stored."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"))


class StoreOutdated(RuntimeError):
    """The file was written by an older version of this service."""


def _bounds(area_code: str) -> tuple[str, str]:
    """The area's codes as a range: every code starting with the area's prefix (pzh_shared.areas.scope_prefix: a
    city's first four digits, a province's two, the country's none), i.e. the area and all areas under it. A 9- or
    12-digit code is its own prefix: here a township is 9 digits, never a 12-digit code padded with 000."""
    prefix = scope_prefix(area_code) if len(area_code) == 6 else area_code
    return prefix, prefix + ";"  # ';' sorts right after '9'


_CHILD_LENGTH = {AreaLevel.COUNTRY: 2, AreaLevel.PROVINCE: 4, AreaLevel.CITY: 6, AreaLevel.COUNTY: 9,
                 AreaLevel.TOWNSHIP: 12, AreaLevel.VILLAGE: 12}


def _child_length(area_code: str) -> int:
    return _CHILD_LENGTH[level_of(area_code)]


def _month_end(on: date) -> date:
    return (on.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _periods(since: str | None, as_of: str) -> list[tuple[str, str, str]]:
    """Days `since`..`as_of` (inclusive; no start: from the first) as (period, first, last) ranges of roll-up
    rows: the days before the first whole month, whole months up to the first whole year, whole years, then
    months and days again up to `as_of`."""
    end = date.fromisoformat(as_of)
    start = date.fromisoformat(since) if since else date(1, 1, 1)
    if start > end:
        return []
    out: list[tuple[str, str, str]] = []
    if start.day != 1 or (start.year, start.month) == (end.year, end.month) and end != _month_end(end):
        last = min(_month_end(start), end)
        out.append(("d", start.isoformat(), last.isoformat()))
        start = last + timedelta(days=1)
    tail: list[tuple[str, str, str]] = []
    if start <= end and end != _month_end(end):
        tail.append(("d", end.replace(day=1).isoformat(), end.isoformat()))
        end = end.replace(day=1) - timedelta(days=1)
    if start <= end:  # whole months start..end
        if start.month != 1 or start.year == end.year and end.month != 12:
            last = min(date(start.year, 12, 31), end)
            out.append(("m", start.isoformat(), last.replace(day=1).isoformat()))
            start = last + timedelta(days=1)
        if start <= end and end.month != 12:
            tail.insert(0, ("m", end.replace(month=1, day=1).isoformat(), end.replace(day=1).isoformat()))
            end = date(end.year - 1, 12, 31)
        if start <= end:
            out.append(("y", start.isoformat(), end.replace(month=1, day=1).isoformat()))
    return out + tail


# Cached: a batch's facts share few areas and days, and each fact adds to up to 18 roll-up rows (a cProfile of the
# bench's rebuild had a fifth of apply() slicing and padding the same codes and dates again, one row at a time).
@functools.lru_cache(maxsize=1 << 16)
def _prefixes(area: str) -> tuple[tuple[str, str], ...]:
    """The (prefix, child) of each roll-up row a fact of `area` adds to: one per prefix of the area's code."""
    return tuple((area[:length], _child_of(area, child))
                 for length, child in PREFIX_CHILD.items() if length <= len(area))


@functools.lru_cache(maxsize=1 << 14)
def _period_starts(on: str) -> tuple[tuple[str, str], ...]:
    """The (period, first day) of the day, month and year a fact dated `on` is summed into."""
    return tuple((period, _period_start(period, on)) for period in _PERIOD_SQL)


def _spread(placed: Iterable[tuple[str, str, str, str, int, str, int]]) -> dict[RollupKey, int]:
    """(figure, area, k1, k2, pilot, day, amount), each key once, summed into the roll-up rows it adds to."""
    out: dict[RollupKey, int] = {}
    for figure, area, k1, k2, pilot, on, amount in placed:
        if amount:
            starts = _period_starts(on)
            for prefix, child in _prefixes(area):
                for period, start in starts:
                    key = (figure, prefix, period, start, child, k1, k2, pilot)
                    out[key] = out.get(key, 0) + amount
    return out


class ReadModel(Protocol):
    """What the worker, the rebuild, the views and the reports use of a read-model store."""

    def apply(self, batch: Iterable[tuple[str, str, Changes]]) -> int: ...

    def sums(self, figure: str, area_code: str, as_of: str, since: str | None = None, exact: bool = False,
             by: Sequence[str] = ("k1", "k2"), k1: str | None = None) -> dict[tuple, int]: ...

    def total(self, figure: str, area_code: str, as_of: str, since: str | None = None,
              exact: bool = False) -> int: ...

    def names(self, kind: str, as_of: str, ids: Iterable[str] | None = None) -> dict[str, str]: ...

    def township_tally(self, area_code: str, as_of: str) -> tuple[dict[str, tuple[int, int]], list[str]]: ...

    def unresolved(self) -> dict[str, int]: ...

    def dump(self) -> dict[str, list[tuple]]: ...

    def processed_count(self) -> int: ...

    def close(self) -> None: ...


class SqlReadModel:
    """The tables and every query, in the SQL SQLite and PostgreSQL share; an adapter gives the connection,
    the transaction and the placeholder. Queries are written with `?`."""

    _lock: threading.Lock

    def _q(self, sql: str) -> str:
        return sql

    def _cursor(self) -> Any:
        raise NotImplementedError

    def _begin(self, cur: Any) -> None:
        cur.execute("BEGIN")

    def _run(self, work: Any) -> Any:
        """Runs work(cursor) in one write transaction (an adapter may retry it on a conflict)."""
        with self._lock:
            cur = self._cursor()
            self._begin(cur)
            try:
                result = work(cur)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return result

    def _serialise(self, cur: Any, keys: list[str]) -> None:
        """Holds `keys` until the transaction ends, against other processes writing the same model. A no-op
        where a write transaction already excludes every other (SQLite's BEGIN IMMEDIATE)."""

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            return [tuple(row) for row in self._cursor().execute(self._q(sql), list(params)).fetchall()]

    def close(self) -> None:
        raise NotImplementedError

    def apply(self, batch: Iterable[tuple[str, str, Changes]]) -> int:
        """Applies (event_id, event_type, changes) in one transaction; returns how many were new.

        Per batch, not per event: the dedupe marks are looked up in one query, the states of the
        batch's aggregates loaded in one query and folded in memory, and the facts, states,
        directory rows, names and roll-ups written with one executemany each at the end. The result is the
        one applying the events one by one gives (tests/test_rebuild_equals_live.py checks it
        across batch sizes)."""
        batch = list(batch)
        return int(self._run(lambda cur: self._apply(cur, batch)))

    def _apply(self, cur: Any, batch: list[tuple[str, str, Changes]]) -> int:
        seen = self._processed(cur, [event_id for event_id, _, _ in batch])
        aggregates = {c.aggregate for _, _, c in batch if c.aggregate is not None}
        # Workers of one group fold different partitions, but an aggregate's events and a station's facts can
        # lie in several (a station's staff come from each worker's stream): each batch holds its aggregates,
        # then its stations, until it commits, so a state read here or a station's place read below is never
        # one another worker is about to change (a lost update, or facts rolled up under a station's old place).
        self._serialise(cur, [f"aggregate:{kind}:{aggregate_id}" for kind, aggregate_id in aggregates])
        states = self._load_states(cur, aggregates)
        marks: list[tuple[str, str]] = []
        facts: list[tuple] = []
        stepped: set[tuple[str, str]] = set()  # aggregates changed by the batch (their state not yet as stored)
        directory: dict[str, tuple[str, str, str, int]] = {}  # station -> its last directory row
        for event_id, event_type, changes in batch:
            if event_id in seen:
                continue
            seen.add(event_id)
            marks.append((event_id, event_type))
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
            return 0  # all seen before: nothing to write
        self._serialise(cur, [f"station:{station}" for station in {row[4] for row in facts if row[4]} | set(directory)])
        cur.executemany(self._q("INSERT INTO processed_events (event_id, event_type) VALUES (?, ?)"), marks)
        # before the batch's facts are written: a moved station re-keys only the facts stored before
        rollups = self._rollup_deltas(cur, facts, directory)
        self._write_aggregates(cur, {aggregate: states[aggregate] for aggregate in stepped}, directory)
        cur.executemany(self._q(
            "INSERT INTO facts (event_id, seq, figure, area_code, station_id, k1, k2, effective_on, amount) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"), facts)
        # sorted: two workers adding to the same rows lock them in the same order (no deadlock)
        cur.executemany(self._q(
            "INSERT INTO rollups (figure, prefix, period, effective_on, child, k1, k2, pilot, amount) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (figure, prefix, period, effective_on, child, k1, k2, pilot) "
            "DO UPDATE SET amount = rollups.amount + excluded.amount"),
            [(*key, amount) for key, amount in sorted(rollups.items()) if amount])
        return len(marks)

    def _rollup_deltas(self, cur: Any, facts: list[tuple], directory: dict[str, tuple[str, str, str, int]]
                       ) -> dict[RollupKey, int]:
        """What the batch adds to the roll-ups: its facts, keyed by their area (or their station's, as the
        directory stands after the batch) and pilot flag, and the earlier facts of every station whose
        directory row the batch changes, moved from the old key to the new one."""
        stations = {row[4] for row in facts if row[4] is not None} | set(directory)
        old = self._directory_of(cur, stations)
        new = old | {station: (row[1], row[3]) for station, row in directory.items()}
        # the batch's amounts summed per fact key and place first (a re-keyed station's earlier facts and the
        # batch's own may share one), then spread over the roll-up rows once per key
        placed: dict[tuple[str, str, str, str, int, str], int] = {}  # figure, area, k1, k2, pilot, on

        def add(figure: str, area: str | None, k1: str, k2: str, pilot: int, on: str, amount: int) -> None:
            if area is not None:
                key = (figure, area, k1, k2, pilot, on)
                placed[key] = placed.get(key, 0) + amount

        moved = sorted(s for s in directory if old.get(s) != new[s])
        for i in range(0, len(moved), 500):  # SQLite's bound-parameter limit; one query, not one per station
            chunk = moved[i:i + 500]
            for station, figure, area, k1, k2, on, amount in cur.execute(self._q(
                    "SELECT station_id, figure, area_code, k1, k2, effective_on, SUM(amount) FROM facts "
                    f"WHERE station_id IN ({', '.join('?' * len(chunk))}) "
                    "GROUP BY station_id, figure, area_code, k1, k2, effective_on"), chunk).fetchall():
                before, after = old.get(station), new[station]
                amount = int(amount)
                add(figure, area or (before[0] if before else None), k1, k2, before[1] if before else 0, on, -amount)
                add(figure, area or after[0], k1, k2, after[1], on, amount)
        unresolved: dict[str, int] = {}
        for _, _, figure, area, station, k1, k2, on, amount in facts:
            place = new.get(station) if station is not None else None
            add(figure, area or (place[0] if place else None), k1, k2, place[1] if place else 0, on, amount)
            if area is None and place is None:
                unresolved[station or ""] = unresolved.get(station or "", 0) + 1
        # facts about stations not known yet, counted (unresolved()) until the registry tells of them
        cur.executemany(self._q("DELETE FROM unresolved_facts WHERE station_id = ?"),
                        [(station,) for station in sorted(directory) if station not in old])
        cur.executemany(self._q(
            "INSERT INTO unresolved_facts (station_id, facts) VALUES (?, ?) ON CONFLICT (station_id) "
            "DO UPDATE SET facts = unresolved_facts.facts + excluded.facts"), sorted(unresolved.items()))
        return _spread((*key, amount) for key, amount in placed.items())

    def _directory_of(self, cur: Any, stations: set[str]) -> dict[str, tuple[str, int]]:
        out: dict[str, tuple[str, int]] = {}
        wanted = sorted(stations)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            for station, area, pilot in cur.execute(self._q(
                    "SELECT station_id, area_code, provincial_pilot FROM station_directory "
                    f"WHERE station_id IN ({', '.join('?' * len(chunk))})"), chunk).fetchall():
                out[station] = (area, int(pilot))
        return out

    def rebuild_rollups(self) -> int:
        """Recomputes every roll-up from the facts and the directory (after a bulk load that wrote facts
        directly, as bench/national.py does); returns the rows written."""
        def work(cur: Any) -> int:
            cur.execute("DELETE FROM rollups")
            for sql in _ROLLUP_FILL:
                cur.execute(sql)
            return int(cur.execute("SELECT count(*) FROM rollups").fetchone()[0])
        return int(self._run(work))

    def _fill_rollups_if_missing(self) -> None:
        """A store written before the roll-ups existed (facts, no roll-ups) gets them from its facts; checked
        inside the write transaction, so of two processes opening it at once only the first fills it."""
        def work(cur: Any) -> None:
            missing = cur.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM rollups) AND EXISTS (SELECT 1 FROM facts)").fetchone()[0]
            if missing:
                for sql in _ROLLUP_FILL:
                    cur.execute(sql)
        self._run(work)

    def _processed(self, cur: Any, event_ids: list[str]) -> set[str]:
        seen: set[str] = set()
        for i in range(0, len(event_ids), 500):  # SQLite's bound-parameter limit
            chunk = event_ids[i:i + 500]
            seen.update(row[0] for row in cur.execute(self._q(
                f"SELECT event_id FROM processed_events WHERE event_id IN ({', '.join('?' * len(chunk))})"), chunk))
        return seen

    def _load_states(self, cur: Any, aggregates: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        states: dict[tuple[str, str], dict] = {}
        by_kind: dict[str, list[str]] = {}
        for kind, aggregate_id in aggregates:
            by_kind.setdefault(kind, []).append(aggregate_id)
        for kind, ids in by_kind.items():
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                for aggregate_id, state in cur.execute(self._q(
                    f"SELECT id, state FROM aggregates WHERE kind = ? AND id IN ({', '.join('?' * len(chunk))})"),
                    [kind, *chunk],
                ).fetchall():
                    states[(kind, aggregate_id)] = json.loads(state)
        return states

    def _write_aggregates(
        self, cur: Any, states: dict[tuple[str, str], dict], directory: dict[str, tuple[str, str, str, int]]
    ) -> None:
        """The last state of each aggregate the batch changed, its station directory row (the last one
        any of its events gave) and its whole name history, rewritten from that state."""
        cur.executemany(self._q("INSERT INTO aggregates (kind, id, state) VALUES (?, ?, ?) "
                                "ON CONFLICT (kind, id) DO UPDATE SET state = excluded.state"),
                        sorted((kind, aggregate_id, _canonical(state))
                               for (kind, aggregate_id), state in states.items()))
        cur.executemany(self._q(
            "INSERT INTO station_directory (station_id, area_code, tier, provincial_pilot) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (station_id) DO UPDATE SET area_code = excluded.area_code, tier = excluded.tier, "
            "provincial_pilot = excluded.provincial_pilot"),
            sorted(directory.values()),
        )
        named = sorted(aggregate for aggregate in states if KINDS[aggregate[0]].names is not None)
        cur.executemany(self._q("DELETE FROM names WHERE kind = ? AND id = ?"), named)
        rows = []
        for kind, aggregate_id in named:
            history = dict(KINDS[kind].names(states[(kind, aggregate_id)]))  # one name a day: the last one set that day
            rows.extend((kind, aggregate_id, on, name) for on, name in history.items())
        cur.executemany(self._q("INSERT INTO names (kind, id, effective_on, name) VALUES (?, ?, ?, ?)"), rows)

    # --- figures from the dated facts ------------------------------------------------------------
    def sums(self, figure: str, area_code: str, as_of: str, since: str | None = None, exact: bool = False,
             by: Sequence[str] = ("k1", "k2"), k1: str | None = None) -> dict[tuple, int]:
        """The figure's facts in the area (and every area under it, unless `exact`) dated on or
        before `as_of` (and on or after `since`), summed per `by`: any of k1, k2, pilot (the
        station is a provincial pilot), child (the direct sub-area), station, area (the fact's own
        area code), on (the fact's date). `k1`: only the facts of that k1. From the roll-ups, unless grouped
        per station."""
        out: dict[tuple, int] = {}
        for *keys, total in self._read(*self._sums_query(figure, area_code, as_of, since, exact, by, k1)):
            if total:
                out[tuple(keys)] = int(total)
        return out

    def _sums_query(self, figure: str, area_code: str, as_of: str, since: str | None, exact: bool,
                    by: Sequence[str], k1: str | None) -> tuple[str, list]:
        """sums()'s query and parameters: its columns are `by`, then the sum (which may be 0)."""
        rolled = self._rollup_sums(figure, area_code, as_of, since, exact, by, k1)
        if rolled is not None:
            return rolled
        area = "COALESCE(f.area_code, s.area_code)"
        columns = {"k1": "f.k1", "k2": "f.k2", "pilot": "COALESCE(s.provincial_pilot, 0)", "station": "f.station_id",
                   "child": _child_sql(area, _child_length(area_code)), "area": area, "on": "f.effective_on"}
        group = [columns[name] for name in by]
        where = ["f.figure = ?", "f.effective_on <= ?"]
        params: list = [figure, as_of]
        if k1 is not None:
            where.append("f.k1 = ?")
            params.append(k1)
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
        return sql, params

    def _rollup_sums(self, figure: str, area_code: str, as_of: str, since: str | None, exact: bool,
                     by: Sequence[str], k1: str | None = None) -> tuple[str, list] | None:
        """sums()'s query on the roll-up rows of the area's prefix; None when they cannot answer (per station, or
        an area whose prefix and child length the roll-ups do not keep)."""
        prefix = _bounds(area_code)[0]
        if "station" in by or PREFIX_CHILD.get(len(prefix)) != _child_length(area_code):
            return None
        columns = {"k1": "k1", "k2": "k2", "pilot": "pilot", "child": "child", "area": "prefix", "on": "effective_on"}
        where = ["figure = ?"]
        params: list = [figure]
        if k1 is not None:
            where.append("k1 = ?")
            params.append(k1)
        if exact:
            if len(area_code) not in PREFIX_CHILD:
                return None
            where.append("prefix = ? AND child = ?")  # the area's own facts: no child below it
            params.extend([area_code, area_code])
        elif "area" in by:
            if "child" in by:
                return None
            # each fact's own row (prefix = its whole code = child; index rollups_by_area), for every area under it
            where.append("prefix = child AND prefix >= ? AND prefix < ?")
            params.extend(_bounds(area_code))
        else:
            where.append("prefix = ?")
            params.append(prefix)
        if "child" in by:
            where.append("child != ?")
            params.append(area_code)
        # per day when grouped by day; else the range in years, months and days, one branch each (`since` after
        # `as_of`: one range no row lies in)
        ranges = [("d", since or "", as_of)] if "on" in by else _periods(since, as_of) or [("d", "1", "0")]
        names = [f"g{n}" for n in range(len(by))]
        select = ", ".join([*(f"{columns[key]} AS {name}" for key, name in zip(by, names, strict=True)), "amount"])
        branch = (f"SELECT {select} FROM rollups WHERE {' AND '.join(where)} "
                  "AND period = ? AND effective_on >= ? AND effective_on <= ?")
        values: list = []
        for period, low, high in ranges:
            values.extend([*params, period, low, high])
        sql = (f"SELECT {', '.join([*names, 'SUM(amount)'])} FROM ({' UNION ALL '.join([branch] * len(ranges))}) AS r"
               + (f" GROUP BY {', '.join(names)}" if names else ""))
        return sql, values

    def township_tally(self, area_code: str, as_of: str) -> tuple[dict[str, tuple[int, int]], list[str]]:
        """The townships under the area valid on the day (areas, k1 township) and those of them an open township
        station serves (served_townships), counted per direct sub-area, i.e. {child: (townships, served)}, and the
        unserved townships' codes, sorted. Counted inside the database: a township served by two stations is one,
        and what comes back grows with the area's children and unserved townships, not with its townships (the
        country's 38,000)."""
        valid, valid_params = self._sums_query("areas", area_code, as_of, None, False, ("area",), "township")
        # served_townships has no k1: asking for k1 '' changes nothing and lets the query use rollups_by_area
        served, served_params = self._sums_query("served_townships", area_code, as_of, None, False, ("area",), "")
        child = _child_sql("code", _child_length(area_code))
        # one grouping of both lists, no join: the planner cannot estimate the roll-ups' rows of one prefix per
        # fact (prefix = child), and a nested loop over 38,000 townships on each side takes seconds
        sql = (f"WITH valid (code, n) AS ({valid}), served (code, n) AS ({served}), "
               "tally (code, served) AS (SELECT code, MAX(s) FROM (SELECT code, 1 AS v, 0 AS s FROM valid WHERE n > 0 "
               "UNION ALL SELECT code, 0, 1 FROM served WHERE n > 0) AS u GROUP BY code HAVING MAX(v) = 1) "
               f"SELECT 'child', {child}, count(*), SUM(served) FROM tally GROUP BY 2 "
               "UNION ALL SELECT 'unserved', code, 0, 0 FROM tally WHERE served = 0")
        children: dict[str, tuple[int, int]] = {}
        unserved: list[str] = []
        for kind, code, townships, served_ in self._read(sql, [*valid_params, *served_params]):
            if kind == "child":
                children[code] = (int(townships), int(served_))
            else:
                unserved.append(code)
        return dict(sorted(children.items())), sorted(unserved)

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
            for ident, name in self._read(sql + where + " ORDER BY id, effective_on", [kind, as_of, *chunk]):
                out[ident] = name  # ordered by day: the last one wins
        return out

    def unresolved(self) -> dict[str, int]:
        """Facts about stations the registry has not told us about yet (kept, counted once it does)."""
        rows = self._read("SELECT COALESCE(SUM(facts), 0), count(NULLIF(station_id, '')) FROM unresolved_facts")[0]
        return {"facts": int(rows[0]), "stations": int(rows[1])}

    def dump(self) -> dict[str, list[tuple]]:
        """Every read model in a canonical order (no timestamps): rebuilt and live stores compare equal."""
        return {
            "processed_events": self._read("SELECT event_id, event_type FROM processed_events ORDER BY event_id"),
            "aggregates": self._read("SELECT kind, id, state FROM aggregates ORDER BY kind, id"),
            "facts": self._read("SELECT * FROM facts ORDER BY event_id, seq"),
            "station_directory": self._read("SELECT * FROM station_directory ORDER BY station_id"),
            "names": self._read("SELECT * FROM names ORDER BY kind, id, effective_on"),
            "unresolved_facts": self._read("SELECT * FROM unresolved_facts ORDER BY station_id"),
            "rollups": self._read("SELECT * FROM rollups WHERE amount != 0 "
                                  "ORDER BY figure, prefix, period, effective_on, child, k1, k2, pilot"),
        }

    def processed_count(self) -> int:
        return int(self._read("SELECT count(*) FROM processed_events")[0][0])


class ReadModelStore(SqlReadModel):
    """The SQLite adapter: one file, WAL, one connection per process shared by its threads."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = connect_wal(path, timeout=30)
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
        self._fill_rollups_if_missing()

    def _cursor(self) -> sqlite3.Cursor:
        return self._conn.cursor()

    def _begin(self, cur: Any) -> None:
        cur.execute("BEGIN IMMEDIATE")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        # WAL readers need no lock: a read sees the last committed batch, never one halfway
        return self._conn.execute(sql, list(params)).fetchall()

    def close(self) -> None:
        self._conn.close()


SqliteReadModelStore = ReadModelStore
