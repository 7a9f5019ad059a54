"""The audit sink (issue 18): every audit record of the gateway and of the services' read audits is copied to a
second database that the services cannot write to, so an administrator of a service (or of its database) who
rewrites that service's audit cannot rewrite the copy as well. Run as `python -m pzh_shared.audit_sink COMMAND`:

    ship [--every S]       append each source's records after the sink's position for that source (once, or every S s)
    verify                 recompute every source's hash chain in the sink and across its archives; exit 1 if broken
    counts                 records per source and action, in the sink (with its archives) and in the sources
    archive --before DATE  move each source's records older than DATE (at least 183 days ago) to archive files
    setup --shipper R --archivist R   PostgreSQL: create the tables as their owner and grant the two roles

Records are copied unchanged: the sink row keeps the source's own row as canonical JSON (`record`) beside the
columns a query needs (source, seq, at, actor, action) and the chain (prev_hash, hash). A read audit
(pzh_shared.personal_stores) is hash-chained at the source, and its chain is kept as it is, so `verify` also
detects a record edited at the source before it was shipped. The gateway's audit has no chain of its own: the
shipper chains its records as it appends them (hash over the previous hash, the source, seq and the record), so
from shipping on an edit is detected; before that the gateway's append-only triggers are its only guard, which is
why `make run` and the deployment ship every minute.

Append-only in the sink: the primary key (source, seq) makes a re-run after a crash append nothing twice; triggers
refuse every UPDATE, refuse a DELETE of a record that no archive holds (and, on PostgreSQL, TRUNCATE); on
PostgreSQL the shipper's role is granted INSERT and SELECT only, so it cannot delete even an archived record; the
archivist's role may INSERT archives and DELETE archived records, nothing else (docs/security.md, "Audit sink")."""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from pzh_shared.personal_stores import GENESIS, chain_hash
from pzh_shared.settings import ServiceSettings

RETENTION_DAYS = 183  # "kept at least 6 months": no archive may take a record younger than this
BATCH = 2000  # records per transaction when shipping or archiving
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$")
SINK_COLUMNS = ("source", "kind", "seq", "at", "actor", "action", "record", "prev_hash", "hash")

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_sink (
    source TEXT NOT NULL, kind TEXT NOT NULL, seq BIGINT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, record TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
    PRIMARY KEY (source, seq));
CREATE TABLE IF NOT EXISTS audit_sink_archives (
    source TEXT NOT NULL, first_seq BIGINT NOT NULL, last_seq BIGINT NOT NULL, records BIGINT NOT NULL,
    prev_hash TEXT NOT NULL, last_hash TEXT NOT NULL, sha256 TEXT NOT NULL, file TEXT NOT NULL,
    actions TEXT NOT NULL, archived_at TEXT NOT NULL, PRIMARY KEY (source, last_seq));
CREATE TRIGGER IF NOT EXISTS audit_sink_no_update BEFORE UPDATE ON audit_sink
BEGIN SELECT RAISE(ABORT, 'audit_sink is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_sink_archived_only BEFORE DELETE ON audit_sink
WHEN NOT EXISTS (SELECT 1 FROM audit_sink_archives a WHERE a.source = OLD.source AND OLD.seq <= a.last_seq)
BEGIN SELECT RAISE(ABORT, 'audit_sink: only archived records may be deleted'); END;
CREATE TRIGGER IF NOT EXISTS audit_sink_archives_no_update BEFORE UPDATE ON audit_sink_archives
BEGIN SELECT RAISE(ABORT, 'audit_sink_archives is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_sink_archives_no_delete BEFORE DELETE ON audit_sink_archives
BEGIN SELECT RAISE(ABORT, 'audit_sink_archives is append-only'); END;
"""

POSTGRES_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS audit_sink (
        source text NOT NULL, kind text NOT NULL, seq bigint NOT NULL, at text NOT NULL, actor text NOT NULL,
        action text NOT NULL, record text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL,
        PRIMARY KEY (source, seq))""",
    """CREATE TABLE IF NOT EXISTS audit_sink_archives (
        source text NOT NULL, first_seq bigint NOT NULL, last_seq bigint NOT NULL, records bigint NOT NULL,
        prev_hash text NOT NULL, last_hash text NOT NULL, sha256 text NOT NULL, file text NOT NULL,
        actions text NOT NULL, archived_at text NOT NULL, PRIMARY KEY (source, last_seq))""",
    """CREATE OR REPLACE FUNCTION audit_sink_refuse() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$""",
    """CREATE OR REPLACE FUNCTION audit_sink_archived_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM audit_sink_archives a WHERE a.source = OLD.source AND OLD.seq <= a.last_seq)
            THEN RAISE EXCEPTION 'audit_sink: only archived records may be deleted'; END IF;
            RETURN OLD;
        END $$""",
    """CREATE OR REPLACE TRIGGER audit_sink_no_update BEFORE UPDATE ON audit_sink
        FOR EACH ROW EXECUTE FUNCTION audit_sink_refuse()""",
    """CREATE OR REPLACE TRIGGER audit_sink_archived_only BEFORE DELETE ON audit_sink
        FOR EACH ROW EXECUTE FUNCTION audit_sink_archived_only()""",
    """CREATE OR REPLACE TRIGGER audit_sink_no_truncate BEFORE TRUNCATE ON audit_sink
        FOR EACH STATEMENT EXECUTE FUNCTION audit_sink_refuse()""",
    """CREATE OR REPLACE TRIGGER audit_sink_archives_no_change BEFORE UPDATE OR DELETE ON audit_sink_archives
        FOR EACH ROW EXECUTE FUNCTION audit_sink_refuse()""",
    """CREATE OR REPLACE TRIGGER audit_sink_archives_no_truncate BEFORE TRUNCATE ON audit_sink_archives
        FOR EACH STATEMENT EXECUTE FUNCTION audit_sink_refuse()""",
]


class Source(BaseModel):
    """One audit to ship: the gateway's `audit` table or a read audit's table, in a SQLite file or PostgreSQL."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    kind: Literal["gateway", "read_audit"]
    path: Path | None = None  # a SQLite file, opened read-only
    conninfo: str = ""  # or PostgreSQL (a role that may SELECT the table suffices)
    table: str = "audit"  # schema-qualified on PostgreSQL where needed, e.g. gateway.audit

    @field_validator("table")
    @classmethod
    def _identifier(cls, table: str) -> str:
        if not IDENTIFIER.match(table):
            raise ValueError("table 应为小写字母、数字和下划线（可带模式名）")
        return table


class AuditSinkSettings(ServiceSettings):
    """AUDIT_SINK_* settings. Without AUDIT_SINK_SOURCES the sources are the embedded defaults' files under
    AUDIT_SINK_DATA_DIR (the gateway's, casework's and talent's), as `make run` lays them out."""

    model_config = SettingsConfigDict(env_prefix="AUDIT_SINK_", extra="ignore")

    sink: Literal["sqlite", "postgres"] = "sqlite"
    sink_path: Path | None = None  # default <DATA_DIR>/audit-sink.sqlite
    # PostgreSQL: the shipper's role (INSERT, SELECT), the archivist's (`archive`) and the owner's (`setup` only).
    postgres_conninfo: SecretStr = SecretStr("")
    archivist_conninfo: SecretStr = SecretStr("")
    owner_conninfo: SecretStr = SecretStr("")
    archive_dir: Path | None = None  # default <DATA_DIR>/audit-archive
    sources: list[Source] = []

    def resolved_sources(self) -> list[Source]:
        return self.sources or [
            Source(name="gateway", kind="gateway", path=self.data_dir / "gateway.sqlite", table="audit"),
            Source(name="casework", kind="read_audit", path=self.data_dir / "casework-audit.sqlite",
                   table="case_reads"),
            Source(name="talent", kind="read_audit", path=self.data_dir / "talent-audit.sqlite", table="person_reads"),
        ]

    def resolved_archive_dir(self) -> Path:
        return self.archive_dir or self.data_dir / "audit-archive"


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sink_row(source: str, kind: str, record: dict[str, Any], prev_hash: str) -> dict[str, Any]:
    """The sink's row for a source's record. Shipping and `verify` both derive it from the record alone, so a
    column edited in the sink (an action, a time) differs from what its record gives."""
    if kind == "read_audit":
        at, actor, digest, prev = record["at"], record["user_name"], record["hash"], record["prev_hash"]
    else:
        at, actor, prev = datetime.fromtimestamp(record["at"], UTC).isoformat(), record["actor"], prev_hash
        digest = hashlib.sha256(_canonical([prev, source, record["seq"], record]).encode()).hexdigest()
    return {"source": source, "kind": kind, "seq": record["seq"], "at": at, "actor": actor,
            "action": record["action"], "record": _canonical(record), "prev_hash": prev, "hash": digest}


def row_problem(row: dict[str, Any], prev_hash: str) -> str | None:
    """Why a sink row does not follow its predecessor (whose hash is prev_hash), or None."""
    try:
        record = json.loads(row["record"])
        expected = sink_row(row["source"], row["kind"], record, prev_hash)
    except (ValueError, KeyError, TypeError) as error:
        return f"record unreadable: {error}"
    if row["prev_hash"] != prev_hash:  # first: a record missing before this one changes the gateway's hash too
        return "prev_hash does not follow the chain"
    if any(row[c] != expected[c] for c in SINK_COLUMNS):
        return "the row differs from its record"
    if row["kind"] == "read_audit" and row["hash"] != chain_hash(
            record["prev_hash"], record["seq"], record["at"], record["user_name"], record["action"],
            record["subject_kind"], record["subject_id"], record["purpose"]):
        return "hash does not follow from the record"
    return None


class Sink:
    """The sink database: SQLite (the embedded default, created on open) or PostgreSQL (created by `setup`)."""

    def __init__(self, db: Any, postgres: bool):
        self._db, self.postgres = db, postgres

    @classmethod
    def sqlite(cls, path: Path) -> Sink:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None, timeout=30)
        db.row_factory = sqlite3.Row
        db.executescript(SQLITE_SCHEMA)
        return cls(db, postgres=False)

    @classmethod
    def connect(cls, conninfo: str) -> Sink:
        import psycopg
        from psycopg.rows import dict_row

        return cls(psycopg.connect(conninfo, autocommit=True, row_factory=dict_row), postgres=True)

    def close(self) -> None:
        self._db.close()

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self._db.execute(sql.replace("?", "%s") if self.postgres else sql, args)]

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> None:
        self._db.execute(sql.replace("?", "%s") if self.postgres else sql, args)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.postgres:
            with self._db.transaction():
                yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def position(self, source: str) -> tuple[int, str]:
        """The last seq of the source held by the sink or its archives, and that record's hash."""
        rows = self._rows("SELECT seq, hash FROM audit_sink WHERE source = ? ORDER BY seq DESC LIMIT 1", (source,))
        if rows:
            return rows[0]["seq"], rows[0]["hash"]
        archived = self.archives(source)
        return (archived[-1]["last_seq"], archived[-1]["last_hash"]) if archived else (0, GENESIS)

    def append(self, rows: list[dict[str, Any]]) -> None:
        marks = ", ".join("?" for _ in SINK_COLUMNS)
        with self.transaction():
            for row in rows:  # a row another shipper appended first is the same row: nothing is appended twice
                self._run(f"INSERT INTO audit_sink ({', '.join(SINK_COLUMNS)}) VALUES ({marks}) "
                          "ON CONFLICT (source, seq) DO NOTHING", tuple(row[c] for c in SINK_COLUMNS))

    def records(self, source: str, after: int = 0, limit: int = BATCH,
                before: int | None = None) -> list[dict[str, Any]]:
        bound, args = ("", ()) if before is None else (" AND seq < ?", (before,))
        return self._rows(f"SELECT {', '.join(SINK_COLUMNS)} FROM audit_sink WHERE source = ? AND seq > ?{bound} "
                          "ORDER BY seq LIMIT ?", (source, after, *args, limit))

    def sources(self) -> list[str]:
        rows = self._rows("SELECT source FROM audit_sink UNION SELECT source FROM audit_sink_archives")
        return sorted(r["source"] for r in rows)

    def archives(self, source: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM audit_sink_archives WHERE source = ? ORDER BY last_seq", (source,))

    def counts(self) -> Counter[tuple[str, str]]:
        """Records per (source, action): one query over the sink, plus what its archives hold."""
        counts: Counter[tuple[str, str]] = Counter()
        for r in self._rows("SELECT source, action, count(*) AS n FROM audit_sink GROUP BY source, action"):
            counts[r["source"], r["action"]] += r["n"]
        for r in self._rows("SELECT source, actions FROM audit_sink_archives"):
            for action, n in json.loads(r["actions"]).items():
                counts[r["source"], action] += n
        return counts

    def first_seq_since(self, source: str, cutoff: str) -> int | None:
        rows = self._rows("SELECT min(seq) AS seq FROM audit_sink WHERE source = ? AND at >= ?", (source, cutoff))
        return rows[0]["seq"] if rows else None

    def record_archive(self, archive: dict[str, Any]) -> None:
        """Registers an archive written to disk and deletes the records it holds, in one transaction."""
        with self.transaction():
            self._run(f"INSERT INTO audit_sink_archives ({', '.join(archive)}) "
                      f"VALUES ({', '.join('?' for _ in archive)})", tuple(archive.values()))
            self._run("DELETE FROM audit_sink WHERE source = ? AND seq <= ?", (archive["source"], archive["last_seq"]))


def setup_postgres(owner_conninfo: str, shipper: str, archivist: str) -> None:
    """Creates the sink's tables as their owner and grants the shipper INSERT and SELECT only, the archivist what
    archiving needs (SELECT and DELETE of records, which the trigger limits to archived ones; INSERT of archives)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(owner_conninfo, autocommit=True) as db, db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(hashtext('pzh-audit-sink-schema'))")
        for statement in POSTGRES_SCHEMA:
            db.execute(statement)
        roles = {"shipper": sql.Identifier(shipper), "archivist": sql.Identifier(archivist)}
        for statement in ("REVOKE ALL ON audit_sink, audit_sink_archives FROM PUBLIC, {shipper}, {archivist}",
                          "GRANT SELECT, INSERT ON audit_sink TO {shipper}",
                          "GRANT SELECT ON audit_sink_archives TO {shipper}",
                          "GRANT SELECT, DELETE ON audit_sink TO {archivist}",
                          "GRANT SELECT, INSERT ON audit_sink_archives TO {archivist}"):
            db.execute(sql.SQL(statement).format(**roles))


@contextmanager
def _source_db(source: Source) -> Iterator[Any]:
    """A read-only connection to the source, or None while it does not exist yet (a service not started)."""
    db: Any
    if source.path is not None:
        if not Path(source.path).exists():
            yield None
            return
        db = sqlite3.connect(f"file:{source.path}?mode=ro", uri=True, timeout=30)
        db.row_factory = sqlite3.Row
    else:
        import psycopg
        from psycopg.rows import dict_row

        db = psycopg.connect(source.conninfo, autocommit=True, row_factory=dict_row)
    try:
        yield db
    finally:
        db.close()


def _source_rows(db: Any, source: Source, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
    try:
        return [dict(r) for r in db.execute(sql if source.path else sql.replace("?", "%s"), args)]
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):  # the service has opened its file but not yet made its audit
            return []
        raise


def ship(sink: Sink, sources: list[Source]) -> dict[str, int]:
    """Appends every source's records after the sink's position; returns how many per source."""
    shipped: dict[str, int] = {}
    for source in sources:
        shipped[source.name] = 0
        with _source_db(source) as db:
            while db is not None:
                seq, prev = sink.position(source.name)
                records = _source_rows(db, source, f"SELECT * FROM {source.table} WHERE seq > ? ORDER BY seq LIMIT ?",
                                       (seq, BATCH))
                if not records:
                    break
                rows = []
                for record in records:
                    rows.append(sink_row(source.name, source.kind, record, prev))
                    prev = rows[-1]["hash"]
                sink.append(rows)
                shipped[source.name] += len(rows)
    return shipped


def source_counts(sources: list[Source]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for source in sources:
        with _source_db(source) as db:
            if db is not None:
                for r in _source_rows(db, source, f"SELECT action, count(*) AS n FROM {source.table} GROUP BY action",
                                      ()):
                    counts[source.name, r["action"]] += r["n"]
    return counts


def _archive_lines(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(sink: Sink, archive_dir: Path) -> list[str]:
    """Every break of a chain, as "source seq: reason" (empty when every source's chain holds end to end: from
    the first record, through each archive file, to the last record in the sink)."""
    problems: list[str] = []
    for source in sink.sources():
        prev, last_seq = GENESIS, 0
        for archive in sink.archives(source):
            path = archive_dir / archive["file"]
            if archive["prev_hash"] != prev or archive["first_seq"] <= last_seq:
                problems.append(f"{source} {archive['first_seq']}: the archive {archive['file']} does not follow")
            if not path.exists():
                problems.append(f"{source} {archive['first_seq']}: the archive {archive['file']} is missing")
                prev, last_seq = archive["last_hash"], archive["last_seq"]
                continue
            if _sha256(path) != archive["sha256"]:
                problems.append(f"{source} {archive['first_seq']}: the archive {archive['file']} fails its SHA-256")
            n = 0
            for row in _archive_lines(path):
                if problem := row_problem(row, prev):
                    problems.append(f"{source} {row['seq']}: {problem} (archive {archive['file']})")
                prev, n = row["hash"], n + 1
            if (n, prev) != (archive["records"], archive["last_hash"]):
                problems.append(f"{source} {archive['last_seq']}: the archive {archive['file']} does not end "
                                "with the records it was registered with")
            prev, last_seq = archive["last_hash"], archive["last_seq"]
        while rows := sink.records(source, after=last_seq):
            for row in rows:
                if problem := row_problem(row, prev):
                    problems.append(f"{source} {row['seq']}: {problem}")
                prev, last_seq = row["hash"], row["seq"]
    return problems


def archive(sink: Sink, archive_dir: Path, before: datetime, now: datetime | None = None) -> list[Path]:
    """Moves each source's oldest records, those before the first record at or after `before`, into a gzip'd
    JSON-lines file (its SHA-256 and last hash registered in the sink), then deletes them from the sink. The file
    is on disk (fsync'd) before the records are deleted, so nothing is lost if this stops halfway; a re-run
    writes the same bytes again."""
    now = now or datetime.now(UTC)
    if before > now - timedelta(days=RETENTION_DAYS):
        raise ValueError(f"--before 须早于 {(now - timedelta(days=RETENTION_DAYS)).date()}："
                         f"审计记录至少保留 {RETENTION_DAYS} 天")
    archive_dir.mkdir(parents=True, exist_ok=True)
    cutoff, written = before.astimezone(UTC).isoformat(), []
    for source in sink.sources():
        boundary = sink.first_seq_since(source, cutoff)
        archived = sink.archives(source)
        last_seq, first_prev = (archived[-1]["last_seq"], archived[-1]["last_hash"]) if archived else (0, GENESIS)
        first = sink.records(source, after=last_seq, limit=1, before=boundary)
        if not first:
            continue
        tmp = archive_dir / f".{source}.tmp"
        actions: Counter[str] = Counter()
        n, last_hash, end = 0, first_prev, last_seq
        with tmp.open("wb") as raw:
            # No name or time in the header: the same records make the same bytes.
            with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out:
                while rows := sink.records(source, after=end, before=boundary):
                    for row in rows:
                        out.write((_canonical(row) + "\n").encode())
                        actions[row["action"]] += 1
                        n, last_hash, end = n + 1, row["hash"], row["seq"]
            raw.flush()
            os.fsync(raw.fileno())
        name = f"{source}-{first[0]['seq']:012d}-{end:012d}.jsonl.gz"
        path = archive_dir / name
        tmp.replace(path)
        entry = {"source": source, "first_seq": first[0]["seq"], "last_seq": end, "records": n,
                 "prev_hash": first_prev, "last_hash": last_hash, "sha256": _sha256(path), "file": name,
                 "actions": _canonical(dict(actions)), "archived_at": now.isoformat()}
        # Beside the file, so an archive moved to cold storage still says what it holds and how to check it.
        (archive_dir / f"{name}.json").write_text(json.dumps(entry, ensure_ascii=False, indent=1) + "\n")
        sink.record_archive(entry)
        written.append(path)
    return written


def open_sink(settings: AuditSinkSettings, role: Literal["shipper", "archivist"] = "shipper") -> Sink:
    if settings.sink == "sqlite":
        return Sink.sqlite(settings.sink_path or settings.data_dir / "audit-sink.sqlite")
    conninfo = settings.postgres_conninfo if role == "shipper" else settings.archivist_conninfo
    return Sink.connect(conninfo.get_secret_value())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pzh_shared.audit_sink", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("ship").add_argument("--every", type=float, default=0, help="seconds between passes")
    commands.add_parser("verify")
    commands.add_parser("counts")
    commands.add_parser("archive").add_argument("--before", type=date.fromisoformat, required=True)
    setup = commands.add_parser("setup")
    setup.add_argument("--shipper", required=True)
    setup.add_argument("--archivist", required=True)
    args = parser.parse_args(argv)
    settings = AuditSinkSettings()
    if args.command == "setup":
        setup_postgres(settings.owner_conninfo.get_secret_value(), args.shipper, args.archivist)
        return 0
    sink = open_sink(settings, "archivist" if args.command == "archive" else "shipper")
    try:
        if args.command == "ship":
            while True:
                shipped = ship(sink, settings.resolved_sources())
                print(json.dumps({"shipped": shipped}), flush=True)  # counts only: the records stay in the sink
                if args.every <= 0:
                    return 0
                time.sleep(args.every)
        if args.command == "verify":
            problems = verify(sink, settings.resolved_archive_dir())
            print("\n".join(problems) or "every chain verifies")
            return 1 if problems else 0
        if args.command == "counts":
            in_sink, in_sources = sink.counts(), source_counts(settings.resolved_sources())
            for source, action in sorted(in_sink.keys() | in_sources.keys()):
                print(f"{source}\t{action}\t{in_sink[source, action]}\t{in_sources[source, action]}")
            return 0 if in_sink == in_sources else 1
        before = datetime.combine(args.before, datetime.min.time(), UTC)
        try:
            for path in archive(sink, settings.resolved_archive_dir(), before):
                print(path)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        return 0
    finally:
        sink.close()


if __name__ == "__main__":
    sys.exit(main())
