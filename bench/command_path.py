"""The command path (issue 19: P4, P4g, P7) with `wrk` as the load generator (C, event loop: not the
bottleneck, unlike a Python client on the same two cores). Every side is a server process that wrk sends
POST /stations to for a few seconds, each request for a distinct village imported beforehand; the sides of
a goal run interleaved through bench/paired.py, and each run's CPU is the server processes' user+sys time
(from /proc) over the run.

- P4: registry-api / bench/peer_app.py (same server stack, same pydantic body, one row in one
  transaction into the same database), on SQLite and on PostgreSQL;
- P4g: the gateway (signed in as a city admin: authenticated, audited, scoped) in front of registry-api /
  registry-api straight, on SQLite;
- P7: registry-api on a store already holding 1,000,000 events / on an empty store, SQLite and PostgreSQL.
  The full store is filled in bulk through the recorder (prefill_store)."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from eventsourcing.persistence import StoredEvent
from localinfra.platform import Platform, free_port
from paired import Run, interleave, proc_cpu_seconds, ratio_goal
from pzh_shared.eventstore import make_application
from registry.application.service import RegistryApplication
from registry.domain.station import Station, Tier
from registry.settings import RegistrySettings

BENCH_DIR = Path(__file__).resolve().parent
COUNTY = "510402"
WRK_THREADS = 2
WRK_CONNECTIONS = 8  # concurrent commands
ROUNDS = 5
# A run may get this share of non-2xx answers (counted per status and kept in results.json, not counted as
# done); above it, the run fails. One 4xx/5xx in a few hundred on a loaded machine should not void a goal.
MAX_FAILED_SHARE = 0.01
PREFILL_CHUNK = 10_000  # stored events per insert_events call (one transaction each)


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


@dataclass
class Villages:
    """The villages imported into one registry store, handed out to successive wrk runs (never twice)."""

    imported: int
    next: int = 0

    def take(self, sent: int) -> None:
        # wrk may have sent up to one request per connection more than it counted as completed.
        self.next += sent + WRK_CONNECTIONS * WRK_THREADS
        if self.next > self.imported:
            raise RuntimeError(f"{self.next} villages used of {self.imported} imported: import more")


@dataclass
class Server:
    """Where wrk sends its commands, and the processes whose CPU the commands cost."""

    url: str
    path: str
    villages: Villages
    pids: list[int]
    token: str = ""
    runs: list[dict[str, Any]] = field(default_factory=list)

    def side(self, seconds: float) -> Callable[[int], Run]:
        def run(_round: int) -> Run:
            cpu = sum(proc_cpu_seconds(p) for p in self.pids)
            result = run_wrk(self, seconds)
            cpu = sum(proc_cpu_seconds(p) for p in self.pids) - cpu
            self.villages.take(result["sent"])
            self.runs.append(result)
            return Run(result["requests"], result["seconds"], cpu)

        return run


def run_wrk(server: Server, seconds: float) -> dict[str, Any]:
    """wrk against POST <path> for `seconds`; only 2xx answers count as done (see MAX_FAILED_SHARE)."""
    started = time.perf_counter()
    out = subprocess.run(
        [wrk_binary(), f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency",
         "-s", str(BENCH_DIR / "stations.lua"), server.url, "--", str(WRK_THREADS), COUNTY,
         str(server.villages.next), server.path, server.token],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    ).stdout
    elapsed = time.perf_counter() - started
    statuses: dict[int, int] = {}
    for code, count in re.findall(r"^status (\d+) (\d+)$", out, re.M):
        statuses[int(code)] = statuses.get(int(code), 0) + int(count)
    bodies = re.findall(r"^body (.*)$", out, re.M)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    failed = sum(statuses.values())
    if re.search(r"Socket errors: (.*)", out) or failed > MAX_FAILED_SHARE * requests:
        raise RuntimeError(f"wrk saw failures against {server.url}{server.path}:\n{out}")
    latency = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    if set(latency) != {"50", "99"}:
        raise RuntimeError(f"no latency distribution in wrk's output:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"sent": requests, "requests": requests - failed,
            # wrk's own duration (requests / its rate), not the process's, which includes its start
            "seconds": requests / rate if rate else elapsed,
            "latency_ms": {"p50": round(_ms(latency["50"]), 2), "p99": round(_ms(latency["99"]), 2)},
            "non_2xx": statuses, "non_2xx_last_body": bodies[-1][:300] if bodies else None}


def import_villages(url: str, villages: int) -> None:
    """One CSV import of the townships and villages the commands will open stations in."""
    townships = sorted({village_code(k)[:9] for k in range(villages)})
    csv_text = "code,name,valid_from\n" + "\n".join(
        [f"{c},镇{c[-3:]},2020-01-01" for c in townships]
        + [f"{village_code(k)},村{k},2020-01-01" for k in range(villages)]
    )
    reply = httpx.post(f"{url}/areas/import", content=csv_text.encode(),
                       headers={"content-type": "text/csv"}, timeout=600)
    if reply.status_code != 201:
        raise RuntimeError(f"area import: HTTP {reply.status_code} {reply.text[:300]}")


@contextmanager
def registry(bootstrap: str, work: Path, villages: int, store_env: dict[str, str],
             extra: tuple[str, ...] = ()) -> Iterator[tuple[Platform, Server]]:
    """registry-api (and the `extra` processes of the platform, e.g. the gateway) on its own data dir,
    with `villages` villages imported."""
    plat = Platform(bootstrap, work, extra_env=store_env)
    try:
        plat.start("registry-api")
        for name in extra:
            plat.start(name)
        url = plat.url("registry-api")
        import_villages(url, villages)
        yield plat, Server(url, "/stations", Villages(villages), [plat.procs["registry-api"].pid])
    except BaseException:
        for name in ("registry-api", *extra):
            print(f"--- {name} ---\n{plat.tail(name, 15)}", file=sys.stderr)
        raise
    finally:
        plat.stop_all()


@contextmanager
def peer(plat: Platform, villages: Villages) -> Iterator[Server]:
    """bench/peer_app.py with the registry's own environment (same store), on a port of its own."""
    port = free_port()
    env = plat.env_for("registry-api") | {"REGISTRY_HTTP_PORT": str(port)}
    log = (plat.log_dir / "peer.log").open("ab")
    proc = subprocess.Popen([sys.executable, str(BENCH_DIR / "peer_app.py")], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"peer exited {proc.returncode}: {(plat.log_dir / 'peer.log').read_text()[-1500:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("peer not healthy after 60 s")
            time.sleep(0.2)
        yield Server(url, "/stations", villages, [proc.pid])
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def prefill_store(settings: RegistrySettings, events: int) -> dict[str, Any]:
    """`events` stored events written in bulk: one station planned and opened by the domain, mapped by the
    application's mapper, then copied under new originator ids (the state of a stored event does not hold
    its originator id), PREFILL_CHUNK at a time through the recorder's insert_events (SQLite) or with COPY
    into the recorder's table (PostgreSQL, copy_events). The
    list index's position is then set to the last notification, as a store whose lists are caught up:
    otherwise the server's list keeper would replay the million events during the measurement."""
    app = make_application(RegistryApplication, settings)
    try:
        app.seed()
        app.lists.catch_up()  # creates the list tables and lists the seed
        station = Station.plan(name="村社会工作服务室", tier=Tier.VILLAGE_ROOM, area_code=village_code(0),
                               planned_on=date(2025, 1, 1))
        station.open(date(2025, 1, 1))
        template = [app.mapper.to_stored_event(e) for e in station.collect_events()]
        started = time.perf_counter()
        written = 0
        write = copy_events(app.recorder) if settings.event_store == "postgres" else app.recorder.insert_events
        while written < events:
            chunk: list[StoredEvent] = []
            while len(chunk) < min(PREFILL_CHUNK, events - written):
                originator = uuid.uuid4()
                chunk += [StoredEvent(originator, s.originator_version, s.topic, s.state) for s in template]
            write(chunk)
            written += len(chunk)
        seconds = time.perf_counter() - started
        index = app.lists
        conn = index.db.connect()
        cur = conn.cursor()
        cur.execute(index.db.sql(f"UPDATE {index.db.prefix}position SET position = ? WHERE name = ?"),
                    (app.recorder.max_notification_id(), index.position_name))
        conn.commit()
        return {"events": written, "seconds": round(seconds, 1), "events_per_s": round(written / seconds),
                "how": "copies of one station's two stored events (planned, opened) under new originator ids, "
                       f"{PREFILL_CHUNK} per transaction: recorder.insert_events on SQLite, COPY into the "
                       "recorder's table on PostgreSQL; list index position set to the end"}
    finally:
        app.close()


def copy_events(recorder: Any) -> Callable[[list[StoredEvent]], None]:
    """PostgreSQL: the recorder's insert_events writes ~5,000 events/s here (a million: over 3 minutes), so the
    chunks go with COPY into the recorder's own table over its own connection pool, one transaction each; the
    notification ids come from the table's bigserial as they do for insert_events."""
    table = f"{recorder.datastore.schema}.{recorder.events_table_name}"

    def write(chunk: list[StoredEvent]) -> None:
        with recorder.datastore.transaction(commit=True) as curs, curs.copy(
            f"COPY {table} (originator_id, originator_version, topic, state) FROM STDIN"
        ) as copy:
            for e in chunk:
                copy.write_row((e.originator_id, e.originator_version, e.topic, e.state))

    return write


def store_settings(work: Path, store_env: dict[str, str]) -> RegistrySettings:
    """The settings registry-api reads from this environment (for the in-process prefill)."""
    keys = {k.removeprefix("REGISTRY_").lower(): v for k, v in store_env.items()}
    return RegistrySettings(data_dir=work, **keys)


def params(seconds: float, villages: int) -> dict[str, Any]:
    return {"load_generator": f"wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{seconds}s per run (bench/stations.lua)",
            "commands": "POST /stations, village room, each in its own pre-imported village",
            "rounds": ROUNDS, "villages_imported_per_store": villages}


def p4(bootstrap: str, work: Path, store_env: dict[str, str], seconds: float, villages: int) -> dict[str, Any]:
    with registry(bootstrap, work, villages, store_env) as (plat, reg), peer(plat, reg.villages) as pe:
        rounds = interleave({"registry": reg.side(seconds), "peer": pe.side(seconds)}, ROUNDS)
    goal = ratio_goal(rounds, "registry", "peer", 0.7, "registry POST /stations / peer endpoint (one row, one "
                      "transaction, same database, same pydantic body, same server stack)")
    return {"goal": goal, "params": params(seconds, villages),
            "wrk_runs": {"registry": reg.runs, "peer": pe.runs}}


def p7(bootstrap: str, work: Path, store_env: dict[str, str], seconds: float, villages: int,
       events: int) -> dict[str, Any]:
    filled = prefill_store(store_settings(work / "full", store_env), events)
    print(f"  prefilled {filled['events']:,} events in {filled['seconds']} s")
    with ExitStack() as stack:
        _, full = stack.enter_context(registry(bootstrap, work / "full", villages, store_env))
        empty_env = store_env | ({"REGISTRY_POSTGRES_DBNAME": store_env["REGISTRY_POSTGRES_DBNAME"] + "_empty"}
                                 if store_env else {})
        _, empty = stack.enter_context(registry(bootstrap, work / "empty", villages, empty_env))
        rounds = interleave({"full_store": full.side(seconds), "empty_store": empty.side(seconds)}, ROUNDS)
    goal = ratio_goal(rounds, "full_store", "empty_store", 0.8,
                      f"registry commands with {filled['events']:,} events in the store / with an empty store")
    return {"goal": goal, "prefill": filled, "params": params(seconds, villages)}


def signed_in_token(gateway: str, admin: str, admin_password: str) -> str:
    """A city admin's access token (the gateway authenticates every call), created by the bootstrapped system admin."""
    password = secrets.token_urlsafe(24)

    def login(username: str, secret: str) -> str:
        reply = httpx.post(f"{gateway}/api/gateway/login", json={"username": username, "password": secret}, timeout=30)
        reply.raise_for_status()
        return reply.json()["access_token"]

    reply = httpx.post(
        f"{gateway}/api/gateway/users",
        headers={"Authorization": f"Bearer {login(admin, admin_password)}"},
        json={"username": "bench-city-admin", "password": password, "role": "city_admin", "area_code": "510400"},
        timeout=30,
    )
    reply.raise_for_status()
    return login("bench-city-admin", password)


def p4g(bootstrap: str, work: Path, seconds: float, villages: int) -> dict[str, Any]:
    """The gateway and registry-api alone (no relay, worker or other service competing for the cores)."""
    admin_password = secrets.token_urlsafe(24)
    env = {"GATEWAY_JWT_SECRET": secrets.token_urlsafe(48), "GATEWAY_BOOTSTRAP_ADMIN_USERNAME": "bench-system-admin",
           "GATEWAY_BOOTSTRAP_ADMIN_PASSWORD": admin_password, "GATEWAY_BOOTSTRAP_ADMIN_ROLE": "system_admin",
           "GATEWAY_BOOTSTRAP_ADMIN_AREA": "510400",
           # the per-account request limit is an abuse guard, not what this measures: raised for the bench
           "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000"}
    with registry(bootstrap, work, villages, env, extra=("gateway",)) as (plat, reg):
        token = signed_in_token(plat.gateway_url, "bench-system-admin", admin_password)
        gw = Server(plat.gateway_url, "/api/stations", reg.villages,
                    [plat.procs["gateway"].pid, plat.procs["registry-api"].pid], token=token)
        rounds = interleave({"gateway": gw.side(seconds), "registry": reg.side(seconds)}, ROUNDS)
    goal = ratio_goal(rounds, "gateway", "registry", 0.7,
                      "POST /api/stations through the gateway (signed in, audited, scoped) / POST /stations "
                      "straight to registry-api; CPU of the gateway side = gateway + registry-api")
    return {"goal": goal, "params": params(seconds, villages), "wrk_runs": {"gateway": gw.runs, "registry": reg.runs}}


@contextmanager
def postgres_env() -> Iterator[dict[str, str]]:
    """A throwaway PostgreSQL server (localinfra.postgres, as the tests use) with a second, empty database
    (<db>_empty) for P7's empty side; yields registry-api's environment for the first."""
    import psycopg
    from localinfra.postgres import PostgresServer

    pg = PostgresServer()
    pg.start()
    try:
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {pg.dbname}_empty")
        yield {"REGISTRY_EVENT_STORE": "postgres", "REGISTRY_POSTGRES_HOST": pg.host,
               "REGISTRY_POSTGRES_PORT": str(pg.port), "REGISTRY_POSTGRES_DBNAME": pg.dbname,
               "REGISTRY_POSTGRES_USER": pg.user, "REGISTRY_POSTGRES_PASSWORD": pg.password}
    finally:
        pg.stop()

