"""The registry command path (issue 3) with `wrk` as the load generator (C, event loop: it is not
the bottleneck, unlike a Python client on the same two cores), on the event store's SQLite file and
on PostgreSQL, each against raw one-row INSERT transactions on the same database."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from localinfra.platform import Platform, free_port

BENCH_DIR = Path(__file__).resolve().parent
COUNTY = "510402"
WRK_THREADS = 2
WRK_CONNECTIONS = 8  # concurrent commands, as in the end-to-end figure
PAYLOAD = "x" * 400  # about one stored event's size


def village_code(k: int) -> str:
    """The k-th village of the bench (the formula of bench/stations.lua)."""
    return f"{COUNTY}{k // 999 + 1:03d}{k % 999 + 1:03d}"


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed: apt-get install wrk (the command path's load generator)")
    return found


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(url: str, seconds: float) -> dict[str, Any]:
    """wrk against POST /stations for `seconds`; every non-2xx answer fails the bench."""
    out = subprocess.run(
        [
            wrk_binary(),
            f"-t{WRK_THREADS}",
            f"-c{WRK_CONNECTIONS}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            str(BENCH_DIR / "stations.lua"),
            url,
            "--",
            str(WRK_THREADS),
            COUNTY,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if bad or errors:
        raise RuntimeError(f"wrk saw failures against {url}:\n{out}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    return {"requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "requests_per_s": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), 1),
            "latency_ms": {"p50": round(_ms(latency["50"]), 2), "p99": round(_ms(latency["99"]), 2)}}


def registry_over_http(
    bootstrap: str, work: Path, seconds: float, villages: int, extra_env: dict[str, str]
) -> dict[str, Any]:
    """registry-api alone (no relay, worker or gateway competing for the cores); the villages are
    imported first, then wrk sends one POST /stations per village (each command loads the village,
    stores the station's planned and opened events and the village's attachment in one transaction)."""
    plat = Platform(bootstrap, work, extra_env=extra_env)
    townships = sorted({village_code(k)[:9] for k in range(villages)})
    csv_text = "code,name,valid_from\n" + "\n".join(
        [f"{c},镇{c[-3:]},2020-01-01" for c in townships]
        + [f"{village_code(k)},村{k},2020-01-01" for k in range(villages)]
    )
    try:
        plat.start("registry-api")
        url = plat.url("registry-api")
        t0 = time.perf_counter()
        reply = httpx.post(
            f"{url}/areas/import", content=csv_text.encode(), headers={"content-type": "text/csv"}, timeout=600
        )
        if reply.status_code != 201:
            raise RuntimeError(f"area import: HTTP {reply.status_code} {reply.text[:300]}")
        imported = time.perf_counter() - t0
        result = run_wrk(url, seconds)
    except BaseException:
        print(plat.tail("registry-api", 20), file=sys.stderr)
        raise
    finally:
        plat.stop_all()
    if result["requests"] > villages:
        raise RuntimeError(f"wrk sent {result['requests']} commands for {villages} villages: import more")
    return {**result, "villages_imported": villages, "import_seconds": round(imported, 2)}


def empty_endpoint(seconds: float) -> dict[str, Any]:
    """The ceiling of any command over this HTTP stack: bench/http_ceiling_app.py (same body, no work)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "http_ceiling_app:app", "--app-dir", str(BENCH_DIR),
                             "--port", str(port), "--log-level", "warning"])
    try:
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/docs")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        return run_wrk(f"http://127.0.0.1:{port}", seconds)
    finally:
        proc.terminate()
        proc.wait()


def raw_sqlite(db: Path, n: int) -> dict[str, Any]:
    """One-row INSERT transactions, one at a time, on a SQLite file with WAL as the event store uses it."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
    started = time.perf_counter()
    for _ in range(n):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO bench_rows (payload) VALUES (?)", (PAYLOAD,))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return {"rows": n, "payload_bytes": len(PAYLOAD), "transactions_per_s": round(n / elapsed, 1)}


def raw_postgres(dsn: str, n: int, connections: int) -> float:
    """One-row INSERT transactions (autocommit: one round trip each) with psycopg 3, the event store's
    client library, from `connections` connections at once; returns transactions/s."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_rows (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)")
    errors: list[BaseException] = []

    def worker(count: int) -> None:
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                for _ in range(count):
                    conn.execute("INSERT INTO bench_rows (payload) VALUES (%s)", (PAYLOAD,))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n // connections,)) for _ in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return n // connections * connections / elapsed


def measure(bootstrap: str, work: Path, quick: bool) -> dict[str, Any]:
    from localinfra.postgres import PostgresServer

    seconds = 5 if quick else 10
    villages = 6_000 if quick else 12_000  # beyond what an empty FastAPI endpoint serves in that time (~1,100/s)
    raw_n = 2000 if quick else 5000
    out: dict[str, Any] = {
        "params": {
            "load_generator": f"wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{seconds}s (bench/stations.lua)",
            "commands": "POST /stations, village room, each in its own pre-imported village",
            "events_per_command": 3,
            "raw_payload_bytes": len(PAYLOAD),
        }
    }
    print("  command path on SQLite ...")
    out["sqlite"] = {"http": registry_over_http(bootstrap, work / "cp-sqlite", seconds, villages, {}),
                     "raw_insert": raw_sqlite(work / "cp-sqlite" / "raw_rows.sqlite", raw_n)}
    out["ratio_sqlite"] = round(
        out["sqlite"]["http"]["requests_per_s"] / out["sqlite"]["raw_insert"]["transactions_per_s"], 3
    )
    print("  command path on PostgreSQL ...")
    pg = PostgresServer()
    pg.start()
    try:
        env = {
            "REGISTRY_EVENT_STORE": "postgres",
            "REGISTRY_POSTGRES_HOST": pg.host,
            "REGISTRY_POSTGRES_PORT": str(pg.port),
            "REGISTRY_POSTGRES_DBNAME": pg.dbname,
            "REGISTRY_POSTGRES_USER": pg.user,
            "REGISTRY_POSTGRES_PASSWORD": pg.password,
        }
        http = registry_over_http(bootstrap, work / "cp-postgres", seconds, villages, env)
        one = raw_postgres(pg.dsn, raw_n, 1)
        many = raw_postgres(pg.dsn, raw_n, WRK_CONNECTIONS)
    finally:
        pg.stop()
    out["postgres"] = {
        "http": http,
        "raw_insert": {
            "rows": raw_n,
            "transactions_per_s": round(one, 1),
            f"transactions_per_s_{WRK_CONNECTIONS}_connections": round(many, 1),
        },
        "server": "deploy/local/localinfra/postgres.py: fsync and full_page_writes off, synchronous_commit on",
    }
    out["ratio_postgres"] = round(http["requests_per_s"] / one, 3)
    out[f"ratio_postgres_to_{WRK_CONNECTIONS}_connection_raw"] = round(http["requests_per_s"] / many, 3)
    print("  empty FastAPI endpoint ...")
    out["empty_fastapi_endpoint_diagnostic"] = empty_endpoint(seconds)
    return out
