"""National-scale report growth (issue 7): the roll-up views at the root of Panzhihua and of a
synthetic country of 38,000 townships and 600,000 villages, per unit of size.

Panzhihua's read models are projected from `reporting.scenario` (the synthetic year the tests use).
The country's facts are loaded straight into a ReadModelStore, without events: every station of the
country is a copy of one of Panzhihua's stations of the same tier (round robin) with all its dated
facts, and every county a copy of one of Panzhihua's counties with its county-level facts (targets,
budgets, contracts, disbursements, the 3% cap). So the country has Panzhihua's mix of facts per
station, and size (facts, stations) grows by the factor of the network alone. The copy runs as one
INSERT ... SELECT inside SQLite, which keeps the load of ~12 million facts to about a minute."""

from __future__ import annotations

import importlib
import shutil
import sqlite3
import time
from datetime import date
from pathlib import Path
from typing import Any

from reporting import views
from reporting.adapters.store import ReadModelStore
from reporting.deployment import deployment_as_of
from reporting.projections.router import project
from reporting.scenario import COUNTIES, build
from reporting.settings import ReportingSettings

PANZHIHUA = "510400"
COUNTRY = "990100"  # a synthetic city-level root (990000 is a province): its counties are 9901xx, up to 99
COUNTRY_COUNTIES = 40
# Figures kept per county (area_code of 6 digits, no station): copied with their county.
COUNTY_FIGURES = {
    "assistance_cap",
    "assistance_used",
    "budget",
    "contract_amount",
    "contract_sources",
    "contracts_signed",
    "disbursed",
    "disbursements",
    "hardship_total",
    "targets",
}
# Facts about an area itself (registered, reform-affected): copied with each area of the country.
AREA_FIGURES = {"areas", "reform_areas"}
AS_OF = date(2024, 12, 31)


def panzhihua_store(path: Path) -> tuple[ReadModelStore, int]:
    scenario = build(seed=7)
    store = ReadModelStore(path)
    store.apply((e.id, e.type, project(e.type, e.data)) for _, e in scenario.events)
    return store, len(scenario.events)


def _templates(conn: sqlite3.Connection) -> tuple[list[tuple], dict[str, list[tuple]], dict[str, list[str]]]:
    """Panzhihua's facts with the owner they are copied with (a county code or a station id), its
    stations by tier, and its counties' station ids."""
    directory = conn.execute(
        "SELECT station_id, area_code, tier, provincial_pilot FROM station_directory ORDER BY area_code"
    ).fetchall()
    by_area = {area: sid for sid, area, _, _ in directory}
    facts = []
    for figure, area, station, k1, k2, on, amount in conn.execute(
            "SELECT figure, area_code, station_id, k1, k2, effective_on, amount FROM facts"):
        if figure in AREA_FIGURES:
            owner = f"area:{area}"
        elif figure in COUNTY_FIGURES:
            owner = area
        else:
            owner = station if station is not None else by_area[area]
        facts.append((owner, figure, area is not None, station is not None, k1, k2, on, amount))
    tiers: dict[str, list[tuple]] = {}
    for row in directory:
        tiers.setdefault(row[2], []).append(row)
    return facts, tiers, {}


def country_store(
    path: Path, template: Path, townships: int, villages: int, county_codes: list[str], root: str
) -> dict[str, Any]:
    """Loads the country's facts; returns what was loaded and how long it took."""
    started = time.perf_counter()
    store = ReadModelStore(path)
    store.close()
    src = sqlite3.connect(template)
    facts, tiers, _ = _templates(src)
    src.close()
    counties = sorted({row[1] for row in tiers["general_station"]})
    conn = sqlite3.connect(path, isolation_level=None)
    # A throwaway file and the load is not what is measured: no journal, no fsync, and the facts'
    # indexes dropped during the load and built once at the end (the same indexes the store makes).
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'facts' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("BEGIN")
    conn.execute("CREATE TEMP TABLE tmpl (owner TEXT, figure TEXT, has_area INT, has_station INT, k1 TEXT, k2 TEXT, "
                 "effective_on TEXT, amount INT)")
    conn.executemany("INSERT INTO tmpl VALUES (?, ?, ?, ?, ?, ?, ?, ?)", facts)
    conn.execute("CREATE INDEX temp.tmpl_owner ON tmpl (owner)")
    # clone: new station id (None for a county's or area's own facts), its area, the template owner, tier and pilot flag
    conn.execute("CREATE TEMP TABLE clone (new_id TEXT, area TEXT, owner TEXT, tier TEXT, pilot INT)")
    rows: list[tuple] = [(None, root, f"area:{PANZHIHUA}", None, None)]
    made_townships = made_villages = 0
    base, extra = divmod(villages, townships)
    per_county = -(-townships // len(county_codes))
    assert per_county <= 999, "a township code has three digits under its county"
    for c, county in enumerate(county_codes):
        template_county = counties[c % len(counties)]
        rows.append((county, county, template_county, None, None))
        general = tiers["general_station"][c % len(tiers["general_station"])]
        rows.append((f"g{county}", county, general[0], "general_station", general[3]))
        rows.append((None, county, f"area:{template_county}", None, None))
        for t in range(min(per_county, townships - made_townships)):
            township = f"{county}{t + 1:03d}"
            ts = tiers["township_station"][made_townships % len(tiers["township_station"])]
            rows.append((f"t{township}", township, ts[0], "township_station", ts[3]))
            rows.append((None, township, f"area:{ts[1]}", None, None))
            for v in range(base + (1 if made_townships < extra else 0)):
                village = f"{township}{v + 1:03d}"
                vr = tiers["village_room"][made_villages % len(tiers["village_room"])]
                rows.append((f"v{village}", village, vr[0], "village_room", vr[3]))
                rows.append((None, village, f"area:{vr[1]}", None, None))
                made_villages += 1
            made_townships += 1
    conn.executemany("INSERT INTO clone VALUES (?, ?, ?, ?, ?)", rows)
    conn.execute("INSERT INTO facts (event_id, seq, figure, area_code, station_id, k1, k2, effective_on, amount) "
                 "SELECT c.rowid || ':' || t.rowid, 0, t.figure, CASE WHEN t.has_area THEN c.area END, "
                 "CASE WHEN t.has_station THEN c.new_id END, t.k1, t.k2, t.effective_on, t.amount "
                 "FROM clone c JOIN tmpl t ON t.owner = c.owner")
    conn.execute("INSERT INTO station_directory (station_id, area_code, tier, provincial_pilot) "
                 "SELECT new_id, area, tier, pilot FROM clone WHERE tier IS NOT NULL")
    conn.execute("COMMIT")
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("PRAGMA journal_mode=WAL")  # as the store runs it (no ANALYZE: the live store never runs one)
    n_facts = conn.execute("SELECT count(*) FROM facts").fetchone()[0]
    n_stations = conn.execute("SELECT count(*) FROM station_directory").fetchone()[0]
    conn.close()
    return {"counties": len(county_codes), "townships": made_townships, "villages": made_villages, "facts": n_facts,
            "stations": n_stations, "load_seconds": round(time.perf_counter() - started, 1)}


def _scorecard() -> Any:
    """The township station scorecard's build, if that report exists in this checkout (another issue adds it)."""
    try:
        module = importlib.import_module("reporting.reports.scorecard")
    except ModuleNotFoundError:
        return None
    return getattr(module, "build", None)


def time_reports(store: ReadModelStore, root: str, reps: int, scorecard: bool = False) -> dict[str, Any]:
    """Median seconds of every roll-up view at the root (and the scorecard, when present)."""
    def timed(fn) -> float:
        runs = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - t0)
        return sorted(runs)[len(runs) // 2]

    out: dict[str, Any] = {
        name: round(timed(lambda n=name: views.view(store, n, root, AS_OF)), 4) for name in views.VIEWS
    }
    out["all_views_seconds"] = round(sum(out.values()), 4)
    build_scorecard = _scorecard() if scorecard else None
    if build_scorecard is not None:
        deployment = deployment_as_of(store, ReportingSettings(city_code=root), AS_OF.isoformat())
        out["scorecard_seconds"] = round(timed(lambda: build_scorecard(store, deployment, str(AS_OF.year))), 4)
    return out


def _load_and_time(
    work: Path,
    name: str,
    template: Path,
    townships: int,
    villages: int,
    county_codes: list[str],
    root: str,
    scorecard: bool,
) -> dict[str, Any]:
    path = work / f"{name}.sqlite"
    loaded = country_store(path, template, townships, villages, county_codes, root)
    store = ReadModelStore(path)
    try:
        times = time_reports(store, root, 1, scorecard)
        # what the root view shows, as a check that the copy is what it claims (closed rooms are not counted)
        shown = views.view(store, "stations", root, AS_OF)["total"]
    finally:
        store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {
        **loaded,
        "root_view_open_stations": shown,
        "seconds": times,
        "us_per_fact": round(times["all_views_seconds"] / loaded["facts"] * 1e6, 3),
    }


def measure(work: Path, quick: bool, fraction: float | None = None) -> dict[str, Any]:
    """Panzhihua, then the country at `fraction` of its size (default: all of it; quick: a tenth) and at
    a tenth of that, every view timed at its root. Growth is linear when the cost per fact stays flat between
    the two country sizes (Panzhihua itself is so small that fixed per-query costs weigh on it).
    The scorecard is built for Panzhihua's five counties only (reporting.reports.scorecard), so it is
    timed on Panzhihua and on a dense Panzhihua: the same five counties filled like the country
    (999 townships each, 15-16 villages per township; quick: a tenth of that)."""
    work.mkdir(parents=True, exist_ok=True)
    pzh_path = work / "panzhihua.sqlite"
    pzh, events = panzhihua_store(pzh_path)
    conn = sqlite3.connect(pzh_path)
    pzh_size = {
        "facts": conn.execute("SELECT count(*) FROM facts").fetchone()[0],
        "stations": conn.execute("SELECT count(*) FROM station_directory").fetchone()[0],
        "township_stations": conn.execute(
            "SELECT count(*) FROM station_directory WHERE tier = 'township_station'"
        ).fetchone()[0],
        "events": events,
    }
    conn.close()
    pzh_times = time_reports(pzh, PANZHIHUA, 21, scorecard=True)
    pzh.close()
    pzh_us = pzh_times["all_views_seconds"] / pzh_size["facts"] * 1e6
    out: dict[str, Any] = {
        "params": {
            "as_of": AS_OF.isoformat(),
            "panzhihua_root": PANZHIHUA,
            "country_root": COUNTRY,
            "views": list(views.VIEWS),
            "country": f"{COUNTRY_COUNTIES} counties; one township station per township and one village room per "
            "village, each a copy of a Panzhihua station of its tier with all its facts; each county a copy of a "
            "Panzhihua county's county-level facts; inserted straight into the store",
            "repetitions": "median of 21 (Panzhihua), 1 (larger stores)",
        },
        "panzhihua": {**pzh_size, "seconds": pzh_times, "us_per_fact": round(pzh_us, 3)},
    }
    counties = [f"{COUNTRY[:4]}{c + 1:02d}" for c in range(COUNTRY_COUNTIES)]
    fraction = fraction or (0.1 if quick else 1.0)
    out["params"]["country_fraction"] = fraction
    for name, share in (("smaller_country", fraction / 10), ("country", fraction)):
        result = out[name] = _load_and_time(
            work, name, pzh_path, round(38_000 * share), round(600_000 * share), counties, COUNTRY, False
        )
        result["size_to_panzhihua"] = round(result["facts"] / pzh_size["facts"], 1)
        result["time_to_panzhihua"] = round(result["seconds"]["all_views_seconds"] / pzh_times["all_views_seconds"], 1)
        print(
            f"  {name}: {result['facts']:,} facts (loaded in {result['load_seconds']} s); every view at the root "
            f"{result['seconds']['all_views_seconds']:.2f} s = {result['us_per_fact']:.2f} us/fact "
            f"(Panzhihua {pzh_us:.2f})"
        )
    small, large = out["smaller_country"], out["country"]
    # about 1 (or below): linear; well above 1: time grows faster than the facts
    out["per_fact_cost_larger_to_smaller_country"] = round(large["us_per_fact"] / small["us_per_fact"], 2)
    out["per_fact_cost_country_to_panzhihua"] = round(large["us_per_fact"] / pzh_us, 2)
    if "scorecard_seconds" in pzh_times:
        townships = 4995 if not quick else 500
        dense = out["dense_panzhihua"] = _load_and_time(
            work,
            "dense_panzhihua",
            pzh_path,
            townships,
            townships * 600_000 // 38_000,
            sorted(COUNTIES),
            PANZHIHUA,
            True,
        )
        pzh_per = pzh_times["scorecard_seconds"] / pzh_size["township_stations"] * 1e6
        dense_per = dense["seconds"]["scorecard_seconds"] / dense["townships"] * 1e6
        out["scorecard_us_per_township_station"] = {
            "panzhihua": round(pzh_per, 1),
            "dense_panzhihua": round(dense_per, 1),
            "dense_to_panzhihua": round(dense_per / pzh_per, 2),
        }
        print(
            f"  scorecard: {pzh_per:,.0f} us per township station on Panzhihua, {dense_per:,.0f} on the dense "
            f"Panzhihua ({dense['townships']:,} township stations)"
        )
    return out


# --- issue 16: the roll-ups on both stores ---------------------------------------------------------
COUNTY = f"{COUNTRY[:4]}01"  # the country's first county: the county view's area


def _p99(fn: Any, reps: int) -> float:
    runs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    runs.sort()
    return runs[min(len(runs) - 1, int(len(runs) * 0.99))]


def _all_views(store: Any, area: str) -> dict[str, Any]:
    return {name: views.view(store, name, area, AS_OF) for name in views.VIEWS}


def _apply_rate(store: Any, envelopes: list) -> float:
    """Events per second the store applies, in the worker's batches of 500."""
    t0 = time.perf_counter()
    for start in range(0, len(envelopes), 500):
        store.apply((e.id, e.type, project(e.type, e.data)) for e in envelopes[start:start + 500])
    return len(envelopes) / (time.perf_counter() - t0)


def _copy_to_postgres(sqlite_path: Path, conninfo: str) -> tuple[Any, float, float]:
    """The SQLite store's tables copied into PostgreSQL's live schema (COPY), then its roll-ups built there;
    returns the store, the copy's and the roll-ups' seconds."""
    import psycopg
    from psycopg import sql
    from reporting.adapters.postgres import PostgresReadModelStore

    store = PostgresReadModelStore(conninfo)
    t0 = time.perf_counter()
    src = sqlite3.connect(sqlite_path)
    with psycopg.connect(conninfo) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(store.schema)))
        for table in ("facts", "station_directory", "names"):
            columns = [row[1] for row in src.execute(f"PRAGMA table_info({table})")]
            with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in src.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                    copy.write_row(row)
        conn.execute("ANALYZE")
    src.close()
    copied = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.rebuild_rollups()
    return store, copied, time.perf_counter() - t0


def measure_stores(work: Path, fraction: float, conninfo: str, reps: int = 20) -> dict[str, Any]:
    """The root view (every view of the country's root) and a county view (every view of one county), p99 of
    `reps`, on SQLite and on PostgreSQL holding the same country at `fraction` of its national size; the
    roll-ups' build time on each; the apply rate of each store on Panzhihua's synthetic year."""
    work.mkdir(parents=True, exist_ok=True)
    envelopes = [e for _, e in build(seed=7).events]
    pzh_path = work / "panzhihua.sqlite"
    pzh_path.unlink(missing_ok=True)
    from reporting.adapters.postgres import fresh_schema

    lite_rate = _apply_rate(ReadModelStore(pzh_path), envelopes)
    scratch = fresh_schema(conninfo)  # a schema of its own, never the live one
    pg_rate = _apply_rate(scratch, envelopes)
    scratch.close()
    counties = [f"{COUNTRY[:4]}{c + 1:02d}" for c in range(COUNTRY_COUNTIES)]
    path = work / "country.sqlite"
    loaded = country_store(path, pzh_path, round(38_000 * fraction), round(600_000 * fraction), counties, COUNTRY)
    t0 = time.perf_counter()
    lite = ReadModelStore(path)  # a store with facts and no roll-ups gets them when opened
    lite_rollups = time.perf_counter() - t0
    pg, copied, pg_rollups = _copy_to_postgres(path, conninfo)
    assert _all_views(pg, COUNTRY) == _all_views(lite, COUNTRY), "both stores show the same country"
    out: dict[str, Any] = {
        "params": {"country_fraction": fraction, "root": COUNTRY, "county": COUNTY, "as_of": AS_OF.isoformat(),
                   "repetitions": reps, "views": list(views.VIEWS),
                   "root_view": "every view of the root area, one after the other",
                   "apply": f"Panzhihua's synthetic year ({len(envelopes)} events) in batches of 500"},
        **{key: loaded[key] for key in ("counties", "townships", "villages", "facts", "stations")},
        "rollup_rows": lite._read("SELECT count(*) FROM rollups")[0][0],
    }
    stores = (("sqlite", lite, lite_rollups, lite_rate), ("postgres", pg, pg_rollups, pg_rate))
    for name, store, rollups, rate in stores:
        out[name] = {
            "root_view_p99_s": round(_p99(lambda s=store: _all_views(s, COUNTRY), reps), 4),
            "county_view_p99_s": round(_p99(lambda s=store: _all_views(s, COUNTY), reps), 4),
            "rollup_build_s": round(rollups, 1),
            "apply_events_per_s": round(rate),
        }
        print(f"  national {name}: root view p99 {out[name]['root_view_p99_s']} s, county view p99 "
              f"{out[name]['county_view_p99_s']} s over {loaded['facts']:,} facts; applies {rate:,.0f} events/s")
    out["postgres"]["copy_s"] = round(copied, 1)
    lite.close()
    pg.close()
    return out


def measure_stores_on_own_server(work: Path, fraction: float, reps: int = 20) -> dict[str, Any]:
    """measure_stores on a PostgreSQL server of its own (localinfra), stopped at the end."""
    from localinfra.postgres import PostgresServer

    server = PostgresServer()
    server.start()
    try:
        return measure_stores(work, fraction, server.dsn, reps)
    finally:
        server.stop()


if __name__ == "__main__":
    import json
    import sys
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="pzh-national-"))
    try:
        if "--stores" in sys.argv:  # python bench/national.py --stores [fraction]: the roll-ups on both stores
            share = float(sys.argv[sys.argv.index("--stores") + 1]) if len(sys.argv) > sys.argv.index("--stores") + 1 \
                else 1.0
            print(json.dumps(measure_stores_on_own_server(work, share), indent=2))
        else:
            print(json.dumps(measure(work, "--quick" in sys.argv), indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
