"""Backup and restore of every PostgreSQL database the platform's settings name (issue 20 item 5). Run as
`python -m pzh_shared.backup COMMAND`:

    dump --to DIR        one pg_dump (custom format) per database, and DIR/manifest.json describing them
    restore --from DIR   checks every dump against the manifest, restores each into an empty database, recounts

The databases are those of the services whose settings put them on PostgreSQL: each event store (REGISTRY_,
TALENT_, CASEWORK_, FUNDING_ with EVENT_STORE=postgres, or kurrentdb for its tracking records), the gateway's
store (GATEWAY_STORE=postgres), the reporting read model (REPORTING_READ_MODEL=postgres) and the audit sink
(AUDIT_SINK_SINK=postgres, its owner's connection). Services that share a database share one dump.

Consistent per database: the rows counted for the manifest and the rows pg_dump writes come from one snapshot
(pg_export_snapshot, `pg_dump --snapshot`), so an event store's notification log, its relay's checkpoint and its
read audit are dumped as of one instant. Across databases there is no common instant: the audit sink is dumped
before the other databases, so it never holds a record its restored sources lack (the next `ship` appends what
they gained meanwhile; the other order would leave the sink ahead of its sources, and new records reusing those
sequence numbers would never be shipped).

Restore refuses a database that already holds a table (it restores into an empty server only), a dump whose
size or SHA-256 differs from the manifest, and a server lacking a role the dumps grant to; each database is
restored in one transaction, then its row counts, notification maxima and tracking positions must equal the
manifest's. Roles are cluster-wide, so pg_dump does not hold them: create them on the new server first."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The audit sink's file digest, the one its archives are checked with.
from pzh_shared.audit_sink import _sha256
from pzh_shared.settings import ServiceSettings

MANIFEST = "manifest.json"
# Each user of PostgreSQL: its env prefix, the setting that chooses its store and the values that mean PostgreSQL.
USERS = {
    "registry": ("REGISTRY_", "EVENT_STORE", ("postgres", "kurrentdb")),
    "talent": ("TALENT_", "EVENT_STORE", ("postgres", "kurrentdb")),
    "casework": ("CASEWORK_", "EVENT_STORE", ("postgres", "kurrentdb")),
    "funding": ("FUNDING_", "EVENT_STORE", ("postgres", "kurrentdb")),
    "gateway": ("GATEWAY_", "STORE", ("postgres",)),
    "reporting": ("REPORTING_", "READ_MODEL", ("postgres",)),
}
SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema', 'pg_toast')"


class BackupError(RuntimeError):
    """A dump or restore that cannot go on; its message says why."""


class AuditSinkConnection(BaseSettings):
    """The audit sink's settings this module needs (pzh_shared.audit_sink.AuditSinkSettings names the same)."""

    model_config = SettingsConfigDict(env_prefix="AUDIT_SINK_", extra="ignore")

    sink: str = "sqlite"
    postgres_conninfo: SecretStr = SecretStr("")
    owner_conninfo: SecretStr = SecretStr("")


@dataclass
class Database:
    """One PostgreSQL database and the users (services, the audit sink) whose settings name it."""

    conninfo: str
    used_by: list[str]

    @property
    def params(self) -> dict[str, Any]:
        from psycopg.conninfo import conninfo_to_dict

        return conninfo_to_dict(self.conninfo)

    @property
    def dbname(self) -> str:
        return str(self.params.get("dbname") or "")

    @property
    def file(self) -> str:
        return f"{'+'.join(self.used_by)}.dump"

    def where(self) -> str:
        p = self.params
        return f"{p.get('dbname')} ({p.get('host', 'localhost')}:{p.get('port', 5432)})"


def databases(environ: dict[str, str] | None = None) -> list[Database]:
    """The databases the settings in `environ` (default: the process's environment) name, the audit sink first."""
    env = os.environ if environ is None else environ
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    named: dict[tuple[str, str, str], Database] = {}

    def add(user: str, conninfo: str) -> None:
        p = conninfo_to_dict(conninfo)
        key = (str(p.get("host", "")), str(p.get("port", "5432")), str(p.get("dbname", "")))
        named.setdefault(key, Database(conninfo, [])).used_by.append(user)

    sink = AuditSinkConnection.model_validate(_settings_of(env, "AUDIT_SINK_", AuditSinkConnection))
    if sink.sink == "postgres":
        add("audit_sink", (sink.owner_conninfo.get_secret_value() or sink.postgres_conninfo.get_secret_value()))
    for user, (prefix, choice, postgres) in USERS.items():
        if env.get(prefix + choice, "sqlite") not in postgres:
            continue
        s = ServiceSettings.model_validate(_settings_of(env, prefix, ServiceSettings))
        add(user, make_conninfo(host=s.postgres_host, port=s.postgres_port, dbname=s.postgres_dbname,
                                user=s.postgres_user, password=s.postgres_password.get_secret_value()))
    return list(named.values())


def _settings_of(env: Any, prefix: str, cls: type[BaseSettings]) -> dict[str, Any]:
    """The fields of `cls` set in `env` under `prefix`, validated without reading the process's environment
    (model_validate, not the constructor), so one environment (or a test's dict) serves every prefix."""
    return {name: env[prefix + name.upper()] for name in cls.model_fields if prefix + name.upper() in env}


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore of the newest installed PostgreSQL, where localinfra finds initdb (else PATH): a dump
    must be made by a pg_dump at least as new as the server."""
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                       key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    found = str(installed[-1]) if installed else shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: apt-get install postgresql-client")
    return found


def _libpq_env(db: Database) -> dict[str, str]:
    # The password goes to pg_dump in its environment, never on its command line (visible in ps).
    p = db.params
    env = {**os.environ, "PGHOST": str(p.get("host", "")), "PGPORT": str(p.get("port", "5432")),
           "PGUSER": str(p.get("user", "")), "PGDATABASE": db.dbname}
    if p.get("password"):
        env["PGPASSWORD"] = str(p["password"])
    return {k: v for k, v in env.items() if v}


def facts(conn: Any) -> dict[str, Any]:
    """What restore must find again: rows per table, each notification log's last id, each tracking position,
    and the roles the database's objects are owned by or granted to."""
    tables = [f"{s}.{t}" for s, t in conn.execute(
        f"SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN {SYSTEM_SCHEMAS} "
        "ORDER BY schemaname, tablename")]
    rows = {t: conn.execute(f'SELECT count(*) FROM {_quoted(t)}').fetchone()[0] for t in tables}
    logs, tracking = {}, {}
    for table in tables:
        columns = {c for (c,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema || '.' || table_name = %s",
            (table,))}
        if table.endswith("_events") and "notification_id" in columns:
            logs[table] = conn.execute(f"SELECT COALESCE(max(notification_id), 0) FROM {_quoted(table)}").fetchone()[0]
        if table.endswith("_tracking") and {"application_name", "notification_id"} <= columns:
            tracking[table] = dict(conn.execute(f"SELECT application_name, max(notification_id) FROM {_quoted(table)} "
                                                "GROUP BY application_name ORDER BY 1").fetchall())
    roles = sorted({r for (r,) in conn.execute(
        f"SELECT tableowner FROM pg_tables WHERE schemaname NOT IN {SYSTEM_SCHEMAS} "
        f"UNION SELECT grantee FROM information_schema.role_table_grants WHERE table_schema NOT IN {SYSTEM_SCHEMAS} "
        "AND grantee <> 'PUBLIC'")})
    return {"rows": rows, "notification_max": logs, "tracking": tracking, "roles": roles}


def _quoted(table: str) -> str:
    schema, name = table.split(".", 1)
    return '"{}"."{}"'.format(schema.replace('"', '""'), name.replace('"', '""'))


def dump(target: Path, dbs: list[Database]) -> dict[str, Any]:
    """Dumps each database into `target` (which must hold no manifest yet) and writes the manifest last, so a
    directory with a manifest is a complete backup."""
    import psycopg

    target.mkdir(parents=True, exist_ok=True)
    if (target / MANIFEST).exists():
        raise BackupError(f"{target} already holds a backup ({MANIFEST}): choose an empty directory")
    entries = []
    for db in dbs:
        started = time.monotonic()
        with psycopg.connect(db.conninfo) as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            (snapshot,) = conn.execute("SELECT pg_export_snapshot()").fetchone() or ("",)
            seen = facts(conn)
            # pg_dump reads the snapshot this transaction exported, so it holds exactly the rows counted above.
            proc = subprocess.run([pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
                                   f"--file={target / db.file}"], env=_libpq_env(db), capture_output=True, text=True)
        if proc.returncode != 0:
            raise BackupError(f"pg_dump of {db.where()} failed: {proc.stderr.strip()}")
        path = target / db.file
        entries.append({"file": db.file, "used_by": db.used_by, "dbname": db.dbname, "bytes": path.stat().st_size,
                        "sha256": _sha256(path), "dump_s": round(time.monotonic() - started, 2), **seen})
    manifest = {"made_at": datetime.now(UTC).isoformat(), "databases": entries}
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest, once every dump it names is there with its size and SHA-256."""
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{source / MANIFEST} 无法读取：{error}") from error
    for entry in manifest["databases"]:
        path = source / entry["file"]
        if not path.is_file():
            raise BackupError(f"备份文件 {entry['file']} 缺失")
        if path.stat().st_size != entry["bytes"] or _sha256(path) != entry["sha256"]:
            raise BackupError(f"备份文件 {entry['file']} 与清单不符（大小或 SHA-256 不同）：文件已损坏或被改动")
    return manifest


def _check_target(db: Database, roles: list[str]) -> bool:
    """Refuses a database that holds any table, or a server lacking one of `roles`; True when the database
    exists, False when restore must create it."""
    import psycopg

    try:
        conn = psycopg.connect(db.conninfo, autocommit=True)
        exists = True
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise BackupError(f"无法连接数据库 {db.where()}：{error}") from error
        conn, exists = psycopg.connect(db.conninfo, dbname="postgres", autocommit=True), False
    with conn:
        tables = [t for (t,) in conn.execute(
            f"SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname NOT IN {SYSTEM_SCHEMAS} "
            "ORDER BY 1")] if exists else []
        present = {r for (r,) in conn.execute("SELECT rolname FROM pg_roles")}
    if tables:
        raise BackupError(f"拒绝恢复：数据库 {db.where()} 不是空的（已有 {len(tables)} 个表，如 {tables[0]}）；"
                          "只能恢复到空的服务器")
    if missing := sorted(set(roles) - present):
        raise BackupError(f"服务器缺少角色 {', '.join(missing)}（备份中的表属于或授权给它们）：请先创建这些角色")
    return exists


def restore(source: Path, dbs: list[Database]) -> dict[str, Any]:
    """Restores the backup in `source` into the databases `dbs` name (matched by their users); returns, per dump,
    the seconds its restore took. Every check runs before anything is written: a refused restore leaves the
    server as it was."""
    import psycopg
    from psycopg import sql

    manifest = read_manifest(source)
    by_users = {tuple(db.used_by): db for db in dbs}
    targets = []
    for entry in manifest["databases"]:
        db = by_users.get(tuple(entry["used_by"]))
        if db is None:
            raise BackupError(f"备份中 {'、'.join(entry['used_by'])} 共用一个数据库，当前设置中没有这样的数据库："
                              f"设置所指的数据库须与备份时一致")
        targets.append((entry, db, _check_target(db, entry["roles"])))
    seconds = {}
    for entry, db, exists in targets:
        started = time.monotonic()
        if not exists:
            with psycopg.connect(db.conninfo, dbname="postgres", autocommit=True) as admin:
                admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(db.dbname)))
        proc = subprocess.run([pg_tool("pg_restore"), "--single-transaction", "--exit-on-error",
                               f"--dbname={db.dbname}", str(source / entry["file"])],
                              env=_libpq_env(db), capture_output=True, text=True)
        if proc.returncode != 0:
            raise BackupError(f"pg_restore of {entry['file']} into {db.where()} failed: {proc.stderr.strip()}")
        with psycopg.connect(db.conninfo) as conn:
            found = facts(conn)
        expected = {k: entry[k] for k in found}
        if found != expected:
            differing = [k for k in found if found[k] != expected[k]]
            raise BackupError(f"{entry['file']} 恢复后与清单不符：{', '.join(differing)}")
        seconds[entry["file"]] = round(time.monotonic() - started, 2)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pzh_shared.backup", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dump").add_argument("--to", type=Path, required=True)
    commands.add_parser("restore").add_argument("--from", dest="source", type=Path, required=True)
    args = parser.parse_args(argv)
    dbs = databases()
    if not dbs:
        print("no setting names a PostgreSQL database: nothing to back up", file=sys.stderr)
        return 2
    try:
        if args.command == "dump":
            manifest = dump(args.to, dbs)
            for entry in manifest["databases"]:
                print(f"{entry['file']}\t{entry['bytes']} bytes\t{sum(entry['rows'].values())} rows\t"
                      f"{entry['dump_s']} s")
        else:
            for file, seconds in restore(args.source, dbs).items():
                print(f"{file}\trestored and matches the manifest\t{seconds} s")
    except BackupError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
