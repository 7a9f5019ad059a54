"""National-scale report growth (issue 7): the roll-up views at the root of Panzhihua and of a
synthetic country of 38,000 townships and 600,000 villages, per unit of size.

Panzhihua's read models are projected from `reporting.scenario` (the synthetic year the tests use).
The country's facts are loaded straight into a ReadModelStore, without events: every station of the
country is a copy of one of Panzhihua's stations of the same tier (round robin) with all its dated
facts, and every county a copy of one of Panzhihua's counties with its county-level facts (targets,
budgets, contracts, disbursements, the 3% cap). So the country has Panzhihua's mix of facts per
station, and size (facts, stations) grows by the factor of the network alone. The copy runs as one
INSERT ... SELECT inside SQLite, which keeps the load of ~12 million facts to about a minute.

Issue 16 (measure_stores_on_own_server, results.json's "national"): the same copies on the country's real shape,
root 000000 over the provinces, cities and counties of deploy/data/areas-2023.csv, with the roll-ups recomputed,
on SQLite and on PostgreSQL, the root view and a county view timed on both."""

from __future__ import annotations

import csv
import importlib
import shutil
import sqlite3
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pzh_shared.areas import COUNTRY_CODE, AreaLevel, level_of, lineage
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
NAMED_ON = "2020-01-01"  # the day every area of the synthetic country is named (before every fact)


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
    path: Path,
    template: Path,
    townships: int,
    villages: int,
    county_codes: list[str],
    root: str,
    cities: Sequence[str] | None = None,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Loads the country's facts; returns what was loaded and how long it took. `cities`: the areas given a copy
    of Panzhihua's own area facts (default: the root). `names`: the names of the areas above the townships; with
    them every area is named (townships and villages by a made-up name), as the registry names every area."""
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
    rows: list[tuple] = [(None, city, f"area:{PANZHIHUA}", None, None) for city in (cities or [root])]
    named = list((names or {}).items())
    made_townships = made_villages = 0
    base, extra = divmod(villages, townships)
    per_county, more = divmod(townships, len(county_codes))  # the first `more` counties have one township more
    assert per_county + (1 if more else 0) <= 999, "a township code has three digits under its county"
    for c, county in enumerate(county_codes):
        template_county = counties[c % len(counties)]
        rows.append((county, county, template_county, None, None))
        general = tiers["general_station"][c % len(tiers["general_station"])]
        rows.append((f"g{county}", county, general[0], "general_station", general[3]))
        rows.append((None, county, f"area:{template_county}", None, None))
        for t in range(per_county + (1 if c < more else 0)):
            township = f"{county}{t + 1:03d}"
            ts = tiers["township_station"][made_townships % len(tiers["township_station"])]
            rows.append((f"t{township}", township, ts[0], "township_station", ts[3]))
            rows.append((None, township, f"area:{ts[1]}", None, None))
            if names is not None:
                named.append((township, f"{names[county]}第{t + 1}乡镇"))
            for v in range(base + (1 if made_townships < extra else 0)):
                village = f"{township}{v + 1:03d}"
                vr = tiers["village_room"][made_villages % len(tiers["village_room"])]
                rows.append((f"v{village}", village, vr[0], "village_room", vr[3]))
                rows.append((None, village, f"area:{vr[1]}", None, None))
                if names is not None:
                    named.append((village, f"第{v + 1}村"))
                made_villages += 1
            made_townships += 1
    conn.executemany("INSERT INTO clone VALUES (?, ?, ?, ?, ?)", rows)
    conn.execute("INSERT INTO facts (event_id, seq, figure, area_code, station_id, k1, k2, effective_on, amount) "
                 "SELECT c.rowid || ':' || t.rowid, 0, t.figure, CASE WHEN t.has_area THEN c.area END, "
                 "CASE WHEN t.has_station THEN c.new_id END, t.k1, t.k2, t.effective_on, t.amount "
                 "FROM clone c JOIN tmpl t ON t.owner = c.owner")
    conn.execute("INSERT INTO station_directory (station_id, area_code, tier, provincial_pilot) "
                 "SELECT new_id, area, tier, pilot FROM clone WHERE tier IS NOT NULL")
    conn.executemany("INSERT INTO names (kind, id, effective_on, name) VALUES ('area', ?, ?, ?)",
                     [(code, NAMED_ON, name) for code, name in named])
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


# --- issue 16: the roll-ups on both stores, on the country's real shape ---------------------------
AREAS_FILE = Path(__file__).resolve().parents[1] / "deploy" / "data" / "areas-2023.csv"
COUNTY = "510402"  # 东区 (Panzhihua): the county view's area, kept at every fraction
TOWNSHIPS, VILLAGES = 38_000, 600_000
# The read model's server as one would run it for a country (the test server keeps PostgreSQL's defaults:
# 128 MB of shared buffers, 4 MB per sort): applied with ALTER SYSTEM and a restart.
PG_SETTINGS = {"shared_buffers": "2GB", "work_mem": "128MB", "maintenance_work_mem": "512MB", "max_wal_size": "8GB"}


def national_layout(fraction: float) -> dict[str, Any]:
    """The country's provinces, cities and counties from the pinned area file (the deployment's data), with
    their names; below a fraction of 1, every n-th county (and 东区) with the cities and provinces above them,
    so that a county has as many townships at any fraction as at full size. Sichuan's real townships in the
    file are not used: every county gets synthetic ones."""
    with AREAS_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    names = {row["code"]: row["name"] for row in rows}
    counties = sorted(row["code"] for row in rows if row["level"] == AreaLevel.COUNTY)
    n = max(1, round(len(counties) * fraction))
    chosen = sorted({counties[i * len(counties) // n] for i in range(n)} | {COUNTY})
    above = {code for county in chosen for code in lineage(county, COUNTRY_CODE)[1:]}
    missing = above - names.keys()
    assert not missing, f"areas above the counties missing from {AREAS_FILE.name}: {sorted(missing)[:5]}"
    return {"counties": chosen, "cities": sorted(c for c in above if level_of(c) is AreaLevel.CITY),
            "names": {code: names[code] for code in sorted(above | set(chosen))},
            "provinces": sum(1 for c in above if level_of(c) is AreaLevel.PROVINCE)}


def _timed_views(store: Any, area: str, reps: int) -> dict[str, Any]:
    """Every view of the area, one after the other, `reps` times: p99 of the whole and of each view."""
    totals: list[float] = []
    each: dict[str, list[float]] = {name: [] for name in views.VIEWS}
    for _ in range(reps):
        t0 = time.perf_counter()
        for name in views.VIEWS:
            v0 = time.perf_counter()
            views.view(store, name, area, AS_OF)
            each[name].append(time.perf_counter() - v0)
        totals.append(time.perf_counter() - t0)
    return {"p99_s": round(_p99(totals), 4), "by_view_p99_s": {n: round(_p99(t), 4) for n, t in each.items()}}


def _p99(runs: list[float]) -> float:
    ordered = sorted(runs)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _all_views(store: Any, area: str) -> dict[str, Any]:
    return {name: views.view(store, name, area, AS_OF) for name in views.VIEWS}


def _apply_rate(store: Any, envelopes: list) -> float:
    """Events per second the store applies, in the worker's batches of 500."""
    t0 = time.perf_counter()
    for start in range(0, len(envelopes), 500):
        store.apply((e.id, e.type, project(e.type, e.data)) for e in envelopes[start:start + 500])
    return len(envelopes) / (time.perf_counter() - t0)


def _copy_to_postgres(sqlite_path: Path, conninfo: str) -> tuple[Any, float, float]:
    """The SQLite store's facts, directory and names copied into PostgreSQL's live schema (COPY), then its
    roll-ups recomputed there (rebuild_rollups); returns the store, the copy's and the roll-ups' seconds."""
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
    rebuilt = time.perf_counter() - t0
    with psycopg.connect(conninfo, autocommit=True) as conn:  # statistics of the new roll-ups for the planner
        conn.execute(sql.SQL("ANALYZE {}.rollups").format(sql.Identifier(store.schema)))
    return store, copied, rebuilt


def build_stores(work: Path, fraction: float, conninfo: str) -> tuple[Any, Any, dict[str, Any]]:
    """The country at `fraction` of its national size in a SQLite store and in PostgreSQL's live schema, with
    their roll-ups recomputed from the loaded facts, and each store's apply rate, on an empty store and on the
    country's (Panzhihua's synthetic year applied on top of it: its events are new to the country's store).
    Returns both stores and the figures."""
    from reporting.adapters.postgres import fresh_schema

    work.mkdir(parents=True, exist_ok=True)
    scenario = [e for _, e in build(seed=7).events]
    pzh_path = work / "panzhihua.sqlite"
    pzh_path.unlink(missing_ok=True)
    pzh = ReadModelStore(pzh_path)  # also the country's template
    rates = {"sqlite": {"empty": _apply_rate(pzh, scenario)}}
    pzh_facts = pzh._read("SELECT count(*) FROM facts")[0][0]
    pzh.close()
    scratch = fresh_schema(conninfo)  # a schema of its own, never the live one
    rates["postgres"] = {"empty": _apply_rate(scratch, scenario)}
    scratch.close()
    layout = national_layout(fraction)
    path = work / "country.sqlite"
    print(f"  national: loading {fraction} of the country ({len(layout['counties'])} counties) ...", flush=True)
    loaded = country_store(path, pzh_path, round(TOWNSHIPS * fraction), round(VILLAGES * fraction),
                           layout["counties"], COUNTRY_CODE, layout["cities"], layout["names"])
    print(f"  national: {loaded['facts']:,} facts loaded in {loaded['load_seconds']} s; roll-ups on SQLite ...",
          flush=True)
    t0 = time.perf_counter()
    lite = ReadModelStore(path)  # a store with facts and no roll-ups gets them (rebuild_rollups' statements)
    lite_rollups = time.perf_counter() - t0
    print(f"  national: SQLite roll-ups in {lite_rollups:.0f} s; copy to PostgreSQL and its roll-ups ...", flush=True)
    pg, copied, pg_rollups = _copy_to_postgres(path, conninfo)
    print(f"  national: PostgreSQL copy {copied:.0f} s, roll-ups {pg_rollups:.0f} s", flush=True)
    rates["sqlite"]["national"] = _apply_rate(lite, scenario)
    rates["postgres"]["national"] = _apply_rate(pg, scenario)
    assert _all_views(pg, COUNTRY_CODE) == _all_views(lite, COUNTRY_CODE), "both stores show the same country"
    assert _all_views(pg, COUNTY) == _all_views(lite, COUNTY), "both stores show the same county"
    root = views.view(lite, "coverage", COUNTRY_CODE, AS_OF)
    assert len(root["children"]) == layout["provinces"], "the country's children are its provinces"
    per_fact = len(scenario) / pzh_facts
    figures: dict[str, Any] = {
        "params": {"country_fraction": fraction, "root": COUNTRY_CODE, "county": COUNTY, "as_of": AS_OF.isoformat(),
                   "views": list(views.VIEWS), "areas_file": f"deploy/data/{AREAS_FILE.name}",
                   "root_view": "every view of the country (000000), one after the other",
                   "county_view": f"every view of {COUNTY} ({layout['names'][COUNTY]}), one after the other",
                   "shape": "the country's provinces, cities and counties from the area file; townships and villages "
                            "synthetic, spread evenly over the counties; one township station per township and one "
                            "village room per village, each a copy of a Panzhihua station of its tier with all its "
                            "facts; each county a copy of a Panzhihua county's county-level facts, each city of "
                            "Panzhihua's own area facts; every area named; facts inserted straight into the store",
                   "apply": f"Panzhihua's synthetic year ({len(scenario)} events) in batches of 500, into an empty "
                            "store and then into the country's store (after its roll-ups)",
                   "rebuild": "rollup_rebuild_s: every roll-up recomputed from the facts and the station directory "
                              "(rebuild_rollups' statements: on SQLite run by the open of a store with facts and no "
                              "roll-ups, on PostgreSQL rebuild_rollups()), the bulk way to rebuild them. A rebuild "
                              "that re-applies the log (python -m reporting rebuild) was not run: the country has "
                              "no event log here; reapply_estimate_s is its events (facts x Panzhihua's events per "
                              "fact) divided by the store's apply rate on the country's store",
                   "postgres_settings": PG_SETTINGS},
        "provinces": layout["provinces"], "cities": len(layout["cities"]),
        **{key: loaded[key] for key in ("counties", "townships", "villages", "facts", "stations", "load_seconds")},
        "rollup_rows": lite._read("SELECT count(*) FROM rollups")[0][0],
    }
    for name, rollups in (("sqlite", lite_rollups), ("postgres", pg_rollups)):
        rate = rates[name]
        figures[name] = {"rollup_rebuild_s": round(rollups, 1),
                         "apply_events_per_s": round(rate["national"]),
                         "apply_events_per_s_empty_store": round(rate["empty"]),
                         "reapply_estimate_s": round(loaded["facts"] * per_fact / rate["national"])}
    figures["postgres"]["copy_s"] = round(copied, 1)
    return lite, pg, figures


def time_stores(lite: Any, pg: Any, figures: dict[str, Any], reps: int = 20) -> dict[str, Any]:
    """The figures with the root view (every view of the country) and the county view (every view of
    COUNTY) timed on each store: p99 of `reps`, and each view's p99."""
    out = {**figures, "params": {**figures["params"], "repetitions": reps}}
    for name, store in (("sqlite", lite), ("postgres", pg)):
        root, county = _timed_views(store, COUNTRY_CODE, reps), _timed_views(store, COUNTY, reps)
        out[name] = {"root_view_p99_s": root["p99_s"], "county_view_p99_s": county["p99_s"], **figures[name],
                     "root_view_p99_s_by_view": root["by_view_p99_s"],
                     "county_view_p99_s_by_view": county["by_view_p99_s"]}
        print(f"  national {name}: root view p99 {root['p99_s']} s, county view p99 {county['p99_s']} s over "
              f"{figures['facts']:,} facts; applies {figures[name]['apply_events_per_s']:,} events/s", flush=True)
    return out


def tuned_server() -> Any:
    """A PostgreSQL server of its own (localinfra) with PG_SETTINGS, started."""
    import psycopg
    from localinfra.postgres import PostgresServer

    server = PostgresServer()
    server.start()
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        for key, value in PG_SETTINGS.items():
            conn.execute(f"ALTER SYSTEM SET {key} = '{value}'")
    server.restart()
    return server


def measure_stores_on_own_server(work: Path, fraction: float, reps: int = 20) -> dict[str, Any]:
    """The roll-ups on both stores (build_stores, time_stores) on a PostgreSQL server of its own, stopped at
    the end."""
    server = tuned_server()
    try:
        lite, pg, figures = build_stores(work, fraction, server.dsn)
        try:
            return time_stores(lite, pg, figures, reps)
        finally:
            lite.close()
            pg.close()
    finally:
        server.stop()


def write_national(result: dict[str, Any], how: str) -> None:
    """results.json's "national" key replaced by `result`; every other key kept."""
    import json

    path = Path(__file__).resolve().parent / "results.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    results["national"] = {**result, "measured_at": how}
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    import json
    import sys
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="pzh-national-"))
    try:
        if "--stores" in sys.argv:
            # python bench/national.py --stores [fraction] [--write]: the roll-ups on both stores (default: the whole
            # country); --write puts them under results.json's "national" key
            at = sys.argv.index("--stores") + 1
            share = float(sys.argv[at]) if at < len(sys.argv) and not sys.argv[at].startswith("-") else 1.0
            result = measure_stores_on_own_server(work, share)
            print(json.dumps(result, indent=2, ensure_ascii=False))
            if "--write" in sys.argv:
                write_national(result, f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
                               f"bench/national.py --stores {share} --write alone, on a machine of 2 cores shared "
                               "with other engineers' work")
        else:
            print(json.dumps(measure(work, "--quick" in sys.argv), indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
