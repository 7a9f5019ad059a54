"""List latency at national size (issue 15): a filtered page of the registry's station list over 600,000 villages'
worth of station rows, through the real registry API over HTTP.

A synthetic country (40 counties 9900xx under the root 990000, 38,000 townships, 600,000 villages, the shape of
bench/national.py) gets one village room per village, one township station per township and one general station
per county. Those rows go straight into the registry's list table (`registry_list_stations`, beside its SQLite
event store) in bulk: building them through commands would take hours (the command path does a few hundred
commands a second), and what is measured is the read, which is the same whichever way a row arrived. The event
store holds only the seed (the city and its counties), so each request's catch-up finds nothing new, as on a
platform between commands.

Then `python -m registry api` serves it (uvicorn on a loopback port, its own process) and one httpx client sends,
one at a time after a warm-up, 300 requests of each page:
- first page: GET /stations?area=<a county>&tier=village_room&limit=50 (15,000 rooms match; total counted);
- next pages: the same query with the cursor of a page a few pages in, as a user paging on.
p50 and p99 (nearest rank) per page; goal p99 < 100 ms.

Then the real gateway (`python -m gateway`, its own process and throwaway data dir, GATEWAY_REGISTRY_URL at that
registry, GATEWAY_CITY_AREA_CODE the synthetic root) and the console as a browser uses it: a system admin bootstrapped
by env creates a city administrator of 990000 through the API, who signs in through the console's form (GET
/console/login for its CSRF token and cookie, POST it with the password: a cookie session); then, after a warm-up,
200 GET /console/stations?area=990007&tier=village_room (the 台账, first page of 50 rows, rendered HTML), one at a
time; goal p99 < 300 ms. As a diagnostic, the same query through the gateway's API with a bearer token
(GET /api/stations), which separates the gateway's forwarding and scope check from the console's own work.
Last, the index's catch-up over a backlog of one area with 999 children (catch_up below).
Runs alone too: `python bench/lists.py [--quick | --catch-up-only]`, which merges its figures into
bench/results.json under "lists"."""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pyotp
from pzh_shared.eventstore import make_application
from registry.application.lists import STATIONS
from registry.application.service import RegistryApplication
from registry.settings import RegistrySettings

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.json"
ROOT, COUNTIES, TOWNSHIPS, VILLAGES = "990000", 40, 38_000, 600_000
GOAL_P99_MS = 100.0
REQUESTS, WARMUP = 300, 30
CONSOLE_GOAL_P99_MS = 300.0
CONSOLE_REQUESTS = 200
COUNTY, TIER = f"{ROOT[:4]}07", "village_room"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _rows(fraction: float) -> list[tuple[Any, ...]]:
    """The country's station rows in the column order of the stations list (station_id first)."""
    townships, villages = int(TOWNSHIPS * fraction), int(VILLAGES * fraction)
    counties = [f"{ROOT[:4]}{k:02d}" for k in range(1, COUNTIES + 1)]
    rows: list[tuple[Any, ...]] = []

    def add(name: str, tier: str, code: str, n: int) -> None:
        opened = f"202{n % 5}-0{n % 9 + 1}-15"
        rows.append((str(uuid.UUID(int=len(rows) + 1)), name, tier, code, "opened" if n % 10 else "planned",
                     ("none", "basic", "standard", "professional")[n % 4], "county_self_built", "self_operated", None,
                     n % 7 == 0, n % 11 == 0, opened, opened, n % 5, n % 3 == 0))

    for k, county in enumerate(counties):
        add(f"{county}社会工作服务总站", "general_station", county, k)
    for t in range(townships):
        township = f"{counties[t % COUNTIES]}{t // COUNTIES + 1:03d}"
        add(f"{township}乡镇社会工作服务站", "township_station", township, t)
    for v in range(villages):
        t = v % townships
        village = f"{counties[t % COUNTIES]}{t // COUNTIES + 1:03d}{v // townships + 1:03d}"
        add(f"{village}村社会工作服务室", "village_room", village, v)
    return rows


def fill(work: Path, fraction: float) -> dict[str, Any]:
    """The registry's event store (seeded) and its stations list filled with the country's rows."""
    application = make_application(RegistryApplication, RegistrySettings(data_dir=work))
    try:
        application.seed()
        index = application.lists
        index.catch_up()  # creates the list tables and their indexes, and lists the seed
        started = time.perf_counter()
        rows = _rows(fraction)
        names = ", ".join(["id", *STATIONS.names])
        marks = ", ".join("?" for _ in range(len(STATIONS.names) + 1))
        conn = index.db.connect()
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO {index.table('stations')} ({names}) VALUES ({marks})", rows)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        return {"station_rows": len(rows), "load_seconds": round(time.perf_counter() - started, 1)}
    finally:
        application.close()


def _timed(client: httpx.Client, params: dict[str, Any], n: int) -> tuple[list[float], dict[str, Any]]:
    times, body = [], {}
    for _ in range(n):
        started = time.perf_counter()
        reply = client.get("/stations", params=params)
        times.append((time.perf_counter() - started) * 1000)
        if reply.status_code != 200:
            raise RuntimeError(f"GET /stations {params}: HTTP {reply.status_code} {reply.text[:300]}")
        body = reply.json()
    return times, body


def _figures(times: list[float], body: dict[str, Any]) -> dict[str, Any]:
    p99 = round(_percentile(times, 99), 2)
    return {"requests": len(times), "p50_ms": round(_percentile(times, 50), 2), "p99_ms": p99,
            "max_ms": round(max(times), 2), "rows_on_page": len(body["items"]), "total": body["total"],
            "goal_p99_ms": GOAL_P99_MS, "met": p99 < GOAL_P99_MS}


def _start(args: list[str], env: dict[str, str], port: int, what: str,
           log: Path | None = None) -> subprocess.Popen[bytes]:
    """`python -m <args>` in its own process, once its /health answers; its output into `log` when given."""
    out = log.open("ab") if log else None
    proc = subprocess.Popen([sys.executable, "-m", *args], env=os.environ | env, stdout=out,
                            stderr=subprocess.STDOUT if out else None)
    if out:
        out.close()  # the child holds its own copy
    tail = f"\n{log}:\n" if log else ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            tail += "\n".join(log.read_text(errors="replace").splitlines()[-20:]) if log else ""
            raise RuntimeError(f"{what} exited with {proc.returncode}{tail}")
        time.sleep(0.2)
    _stop(proc)
    raise RuntimeError(f"{what} did not answer /health within 60 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def _serve(work: Path, port: int) -> subprocess.Popen[bytes]:
    env = {"REGISTRY_DATA_DIR": str(work), "REGISTRY_HTTP_PORT": str(port), "REGISTRY_HTTP_HOST": "127.0.0.1",
           "REGISTRY_METRICS_PORT": "0"}
    return _start(["registry", "api"], env, port, "registry api")


def _gateway(work: Path, port: int, registry_port: int, admin_password: str) -> subprocess.Popen[bytes]:
    """The gateway in front of the bench's registry (the other services are not started: this page calls only the
    registry), its accounts in a throwaway store under `work`."""
    env = {"GATEWAY_DATA_DIR": str(work), "GATEWAY_HTTP_PORT": str(port), "GATEWAY_HTTP_HOST": "127.0.0.1",
           "GATEWAY_METRICS_PORT": "0", "GATEWAY_REGISTRY_URL": f"http://127.0.0.1:{registry_port}",
           "GATEWAY_CITY_AREA_CODE": ROOT, "GATEWAY_JWT_SECRET": secrets.token_urlsafe(48),
           "GATEWAY_BOOTSTRAP_ADMIN_USERNAME": "bench-system-admin", "GATEWAY_BOOTSTRAP_ADMIN_PASSWORD": admin_password,
           "GATEWAY_BOOTSTRAP_ADMIN_ROLE": "system_admin", "GATEWAY_BOOTSTRAP_ADMIN_AREA": ROOT,
           # The per-account request limit (3000 a minute) is an abuse guard, not what this measures, and each
           # console page makes three API calls: raised for the bench, as bench/run.py does for the platform.
           "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
           # the bench signs its system administrator in by password (the console still asks for a TOTP code)
           "GATEWAY_MFA_REQUIRED": "false"}
    # its log (a line per upstream request) in a file: the bench's own output stays readable
    return _start(["gateway"], env, port, "gateway", work / "gateway.log")


def _console_session(gateway: httpx.Client, admin_password: str) -> str:
    """A city administrator of the synthetic root, created by the bootstrapped system admin through the API and
    signed in through the console's form as a browser does; answers the API token of the same account too."""
    login = gateway.post("/api/gateway/login", json={"username": "bench-system-admin", "password": admin_password})
    login.raise_for_status()
    password = secrets.token_urlsafe(24) + "-A1"  # three kinds of character, as the gateway's rule asks
    created = gateway.post("/api/gateway/users", headers={"Authorization": f"Bearer {login.json()['access_token']}"},
                           json={"username": "bench-city-admin", "password": password, "role": "city_admin",
                                 "area_code": ROOT})
    created.raise_for_status()
    # every console user has a second factor: enrolled through the API (pyotp as the authenticator), the session
    # of the enrolment is the API token answered, and the form gets the next step's code (each counts once)
    api = gateway.post("/api/gateway/login", json={"username": "bench-city-admin", "password": password})
    api.raise_for_status()
    bearer = {"Authorization": f"Bearer {api.json()['access_token']}"}
    enrolment = gateway.post("/api/gateway/mfa/enrolment", headers=bearer)
    enrolment.raise_for_status()
    totp = pyotp.TOTP(enrolment.json()["secret"])
    gateway.post("/api/gateway/mfa/enrolment/confirmation", headers=bearer,
                 json={"code": totp.at(time.time())}).raise_for_status()
    form = gateway.get("/console/login")
    form.raise_for_status()
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    if found is None:
        raise RuntimeError("the console's sign-in form has no CSRF token")
    signed = gateway.post("/console/login", data={"csrf": found.group(1), "next": "", "username": "bench-city-admin",
                                                  "password": password, "code": totp.at(time.time() + 30)})
    if signed.status_code != 303 or "pzh_console" not in gateway.cookies:
        raise RuntimeError(f"console sign-in: HTTP {signed.status_code} {signed.text[:300]}")
    return str(api.json()["access_token"])


def _timed_pages(gateway: httpx.Client, path: str, params: dict[str, Any], n: int,
                 headers: dict[str, str] | None = None) -> tuple[list[float], httpx.Response]:
    times: list[float] = []
    reply: httpx.Response | None = None
    for _ in range(n):
        started = time.perf_counter()
        reply = gateway.get(path, params=params, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        if reply.status_code != 200:
            raise RuntimeError(f"GET {path} {params}: HTTP {reply.status_code} {reply.text[:300]}")
    assert reply is not None
    return times, reply


def _latency(times: list[float]) -> dict[str, Any]:
    return {"requests": len(times), "p50_ms": round(_percentile(times, 50), 2),
            "p99_ms": round(_percentile(times, 99), 2), "max_ms": round(max(times), 2)}


def console_page(work: Path, registry_port: int, requests: int) -> dict[str, Any]:
    """The console's station 台账 filtered to one county and tier, through the real gateway (see the docstring)."""
    work.mkdir(parents=True, exist_ok=True)
    admin_password, port = secrets.token_urlsafe(24), _free_port()
    proc = _gateway(work, port, registry_port, admin_password)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as gateway:
            token = _console_session(gateway, admin_password)
            params = {"area": COUNTY, "tier": TIER}
            _timed_pages(gateway, "/console/stations", params, WARMUP)
            times, page = _timed_pages(gateway, "/console/stations", params, requests)
            api_params = params | {"limit": 50}
            bearer = {"Authorization": f"Bearer {token}"}
            _timed_pages(gateway, "/api/stations", api_params, WARMUP, bearer)
            api_times, api_page = _timed_pages(gateway, "/api/stations", api_params, requests, bearer)
    except BaseException:
        log = work / "gateway.log"
        if log.exists():
            print("--- gateway log tail ---", *log.read_text(errors="replace").splitlines()[-20:], sep="\n",
                  file=sys.stderr)
        raise
    finally:
        _stop(proc)
    rows, api_rows = page.text.count('<td data-label="站点名称">'), len(api_page.json()["items"])
    if rows != api_rows:
        raise RuntimeError(f"the console page shows {rows} rows, the API page {api_rows}")
    figures = _latency(times)
    return {"query": f"GET /console/stations?area={COUNTY}&tier={TIER} (signed in as a city administrator)",
            **figures, "rows_on_page": rows, "html_bytes": len(page.content), "goal_p99_ms": CONSOLE_GOAL_P99_MS,
            "met": figures["p99_ms"] < CONSOLE_GOAL_P99_MS,
            "gateway_api_diagnostic": {"query": f"GET /api/stations?area={COUNTY}&tier={TIER}&limit=50 (bearer)",
                                       **_latency(api_times)}}


CATCH_UP_CHILDREN = 999  # villages under one township: each one added is an event of the parent too


def catch_up(work: Path, children: int = CATCH_UP_CHILDREN) -> dict[str, Any]:
    """The index's catch-up over a backlog where one aggregate has many events in a page: a city, a county, a
    township and `children` villages registered in one bulk import (each village's ChildAdded is an event of the
    township), then app.lists.catch_up() timed from an empty index. Before the shared RecentAggregates loader
    every notification reloaded its aggregate (children=999: 20.3 s), so a read behind the keeper waited for it."""
    from datetime import date

    from registry.application.service import AreaRow

    app = make_application(RegistryApplication, RegistrySettings(data_dir=work))
    try:
        on = date(2021, 1, 1)
        rows = [AreaRow("510400", "市", False, on), AreaRow("510421", "县", False, on),
                AreaRow("510421001", "镇", False, on)]
        rows += [AreaRow(f"510421001{i:03d}", f"村{i}", False, on) for i in range(1, children + 1)]
        app.register_areas(rows)
        started = time.perf_counter()
        notifications = app.lists.catch_up()
        seconds = time.perf_counter() - started
    finally:
        app.close()
    return {"children_of_one_area": children, "notifications": notifications, "seconds": round(seconds, 3),
            "notifications_per_s": round(notifications / seconds)}


def measure(work: Path, quick: bool = False) -> dict[str, Any]:
    """Fills, serves, measures; `quick` loads a tenth of the country and sends a third of the requests."""
    work.mkdir(parents=True, exist_ok=True)
    fraction, requests = (0.1, REQUESTS // 3) if quick else (1.0, REQUESTS)
    loaded = fill(work, fraction)
    port = _free_port()
    proc = _serve(work, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            first: dict[str, Any] = {"area": COUNTY, "tier": TIER, "limit": 50}
            _timed(client, first, WARMUP)
            first_times, first_body = _timed(client, first, requests)
            cursor = first_body["next_cursor"]
            for _ in range(3):  # a few pages in: the cursor of page 4
                cursor = client.get("/stations", params=first | {"cursor": cursor}).json()["next_cursor"]
            paged = first | {"cursor": cursor}
            paged_times, paged_body = _timed(client, paged, requests)
        console = console_page(work / "gateway", port, CONSOLE_REQUESTS // 3 if quick else CONSOLE_REQUESTS)
    finally:
        _stop(proc)
    first_page, next_page = _figures(first_times, first_body), _figures(paged_times, paged_body)
    return {"params": {"country": {"counties": COUNTIES, "townships": int(TOWNSHIPS * fraction),
                                   "villages": int(VILLAGES * fraction)},
                       "query": f"GET /stations?area={COUNTY}&tier={TIER}&limit=50", "store": "sqlite",
                       "client": "httpx, one request at a time, loopback", "warmup_requests": WARMUP},
            **loaded, "first_page": first_page, "next_page": next_page, "goal_p99_ms": GOAL_P99_MS,
            "met": first_page["met"] and next_page["met"], "console_page": console,
            "catch_up": catch_up(work / "catch-up")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the country, 100 requests per page")
    parser.add_argument("--catch-up-only", action="store_true", help="only the catch-up figure (lists.catch_up)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pzh-bench-lists-"))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    try:
        if args.catch_up_only:
            figures = {**results.get("lists", {}), "catch_up": catch_up(work)}
        else:
            figures = measure(work, args.quick)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["lists"] = figures
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(RESULTS)
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
