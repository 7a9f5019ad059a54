"""A real throwaway PostgreSQL server in a temp dir, tuned for test speed (not durability)."""

from __future__ import annotations

import atexit
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from localinfra.kafka import disarm_watchdog, free_port, spawn_watchdog, tail_file

_LIVE: set[PostgresServer] = set()
_NOT_INSTALLED = "PostgreSQL is not installed: apt-get install postgresql"


def find_pg_bin() -> Path:
    """Directory holding initdb/pg_ctl/postgres: highest /usr/lib/postgresql/N/bin, else PATH."""

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p.parent.name)) or (0,)

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for d in candidates:
        if all((d / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")):
            return d
    found = [shutil.which(exe) for exe in ("initdb", "pg_ctl", "postgres")]
    if all(found):
        return Path(found[0]).resolve().parent
    raise RuntimeError(_NOT_INSTALLED)


class PostgresServer:
    """PostgreSQL on 127.0.0.1 with superuser ``postgres`` (random password) and database ``pzh``.

    Usage: ``with PostgresServer() as pg: psycopg.connect(pg.dsn)``.
    """

    def __init__(self, port: int | None = None, dbname: str = "pzh") -> None:
        self._port = port
        self._dbname = dbname
        self._user = "postgres"
        self._password = secrets.token_urlsafe(16)
        self._base: Path | None = None  # mkdtemp; holds data/, the log and nothing else
        self._bin: Path | None = None
        self._pid: int | None = None
        self._db_created = False
        self._watchdog: subprocess.Popen | None = None

    # -- connection facts -------------------------------------------------------------

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("PostgreSQL has not been started")
        return self._port

    @property
    def user(self) -> str:
        return self._user

    @property
    def password(self) -> str:
        return self._password

    @property
    def dbname(self) -> str:
        return self._dbname

    @property
    def dsn(self) -> str:
        # token_urlsafe passwords need no percent-encoding.
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"

    @property
    def data_dir(self) -> Path | None:
        return self._base / "data" if self._base else None

    @property
    def log_file(self) -> Path | None:
        return self._base / "postgres.log" if self._base else None

    # -- lifecycle --------------------------------------------------------------------

    def is_running(self) -> bool:
        return self._pid is not None and _pid_alive(self._pid)

    def start(self, timeout: float = 30) -> str:
        """Start (initialising on first call) and return the DSN once ``dbname`` exists."""
        if self.is_running():
            return self.dsn
        self._bin = find_pg_bin()
        if self._port is None:
            self._port = free_port()
        created = self._base is None
        _LIVE.add(self)
        try:
            if created:
                self._base = Path(tempfile.mkdtemp(prefix="pzh-pg-"))
                # 0o755 + owned by postgres: when we are root the server runs as postgres.
                self._base.chmod(0o755)
                if os.geteuid() == 0:
                    pw = _postgres_account()
                    os.chown(self._base, pw.pw_uid, pw.pw_gid)
                self._initdb()
            self._launch(timeout)
        except BaseException:
            # A cluster made in this very call is worthless (its log tail is in the error).
            if created:
                self.stop()
            raise
        return self.dsn

    def stop(self) -> None:
        """Fast shutdown (rolls back open transactions) and remove the data."""
        self._disarm()
        if self.is_running():
            proc = self._run("pg_ctl", "stop", "-D", self.data_dir, "-m", "fast", "-w", "-t", "20")
            if proc.returncode != 0:
                self.kill()
        self._pid = None
        _LIVE.discard(self)
        if self._base is not None:
            shutil.rmtree(self._base, ignore_errors=True)
            self._base = None
            self._db_created = False

    def kill(self) -> None:
        """SIGKILL the postmaster and its backends (a crash, for fault tests).
        Data is kept; start()/restart() runs crash recovery on it."""
        self._disarm()
        pid = self._pid or self._read_pid()
        if pid is not None:
            # Children too: a new postmaster refuses to start while an orphaned backend
            # still holds the old shared memory.
            victims = [pid, *_children(pid)]
            for victim in victims:
                try:
                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            # Not our children (pg_ctl daemonises), so poll rather than wait().
            deadline = time.monotonic() + 10
            while any(map(_pid_alive, victims)) and time.monotonic() < deadline:
                time.sleep(0.05)
            # The orphaned postmaster is reparented to PID 1; an init that does not reap
            # (some sandboxes/containers) leaves a zombie whose PID still "exists", and the
            # next postmaster would refuse to start over its lock files. All are dead now.
            if not any(map(_pid_alive, victims)) and self.data_dir is not None:
                for lock in [self.data_dir / "postmaster.pid", *self.data_dir.glob(".s.PGSQL.*")]:
                    lock.unlink(missing_ok=True)
        self._pid = None
        _LIVE.discard(self)

    def halt(self) -> None:
        """Fast shutdown keeping the data and port (an outage, for fault tests); start() brings
        the same server back. Still stopped (and removed) at interpreter exit."""
        self._disarm()
        if self.is_running():
            proc = self._run("pg_ctl", "stop", "-D", self.data_dir, "-m", "fast", "-w", "-t", "20")
            if proc.returncode != 0:
                self.kill()
                _LIVE.add(self)
        self._pid = None

    def restart(self, timeout: float = 30) -> str:
        """Start again on the same port and data (after kill() or a running server)."""
        if self.is_running():
            self._disarm()
            proc = self._run("pg_ctl", "stop", "-D", self.data_dir, "-m", "fast", "-w", "-t", "20")
            if proc.returncode != 0:
                self.kill()
            self._pid = None
        return self.start(timeout=timeout)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- internals --------------------------------------------------------------------

    def _disarm(self) -> None:
        disarm_watchdog(self._watchdog)
        self._watchdog = None

    def _launch(self, timeout: float) -> None:
        proc = self._run(
            "pg_ctl", "start", "-D", self.data_dir, "-l", self.log_file,
            "-w", "-t", str(int(max(timeout, 1))),
        )  # fmt: skip
        if proc.returncode != 0:
            self._pid = self._read_pid()
            self.kill()
            raise RuntimeError(f"pg_ctl start failed:\n{proc.stdout}\n{self._logs()}")
        self._pid = self._read_pid()
        if self._pid is not None:
            # SIGINT = fast shutdown; pg_ctl daemonised the postmaster, so it is no child of ours.
            self._watchdog = spawn_watchdog(self._pid, signal.SIGINT, group=False, cleanup=self._base)
        self._wait_ready(timeout)
        if not self._db_created:
            self._psql("postgres", f'CREATE DATABASE "{self.dbname}"')
            self._db_created = True

    def _initdb(self) -> None:
        assert self._base is not None
        pwfile = self._base / "pwfile"
        pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            pw = _postgres_account()
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        try:
            proc = self._run(
                "initdb", "-D", self.data_dir, "-U", self.user, f"--pwfile={pwfile}",
                # Unix socket: trust (only reachable inside our private dir); TCP needs the password.
                "--auth-local=trust", "--auth-host=scram-sha-256",
                "-E", "UTF8", "--locale=C", "--no-sync",
            )  # fmt: skip
        finally:
            pwfile.unlink(missing_ok=True)
        if proc.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{proc.stdout}")
        conf = self.data_dir / "postgresql.conf"
        # Speed over durability: these databases are thrown away. fsync/full_page_writes off
        # only risk data on an OS crash. synchronous_commit stays ON: off would let kill()
        # lose already-acknowledged commits (WAL still in shared memory), which would make
        # crash tests lie, and with fsync=off it buys nothing measurable.
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.data_dir}'",
            "max_connections": "200",
            "fsync": "off",
            "synchronous_commit": "on",
            "full_page_writes": "off",
        }
        with conf.open("a") as f:
            f.write("\n# localinfra\n")
            f.writelines(f"{k} = {v}\n" for k, v in settings.items())

    def _run(self, exe: str, *args: object) -> subprocess.CompletedProcess:
        assert self._bin is not None and self._base is not None
        path = self._bin / exe
        cmd = [str(path if path.is_file() else shutil.which(exe) or exe), *map(str, args)]
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(
            cmd,
            cwd=self._base,  # postgres cannot necessarily read our cwd
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def _psql(self, db: str, sql: str) -> None:
        psql = self._bin / "psql" if (self._bin / "psql").is_file() else shutil.which("psql")
        if psql is None:
            raise RuntimeError("psql not found: apt-get install postgresql-client")
        env = {**os.environ, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "5"}
        proc = subprocess.run(
            [
                str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", db, "-c", sql,
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"psql {sql!r} failed:\n{proc.stdout}")

    def _wait_ready(self, timeout: float) -> None:
        # pg_ctl -w already waited (on the socket); this confirms the TCP listener answers.
        isready = self._bin / "pg_isready"
        isready_cmd = str(isready) if isready.is_file() else shutil.which("pg_isready")
        deadline = time.monotonic() + timeout
        while True:
            if isready_cmd is None:
                return
            rc = subprocess.run(
                [isready_cmd, "-q", "-h", self.host, "-p", str(self.port), "-U", self.user],
                stdin=subprocess.DEVNULL,
            ).returncode
            if rc == 0:
                return
            if not self.is_running() or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"PostgreSQL did not become ready\n{self._logs()}")
            time.sleep(0.1)

    def _read_pid(self) -> int | None:
        if self.data_dir is None:
            return None
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def _logs(self) -> str:
        if self.log_file is None:
            return ""
        text = tail_file(self.log_file)
        return f"--- {self.log_file} (last 40 lines) ---\n{text}" if text else ""


def _postgres_account() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError(
            "running as root needs the 'postgres' OS user (it comes with: apt-get install postgresql)"
        ) from None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return True


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(int(entry))
    return kids


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_LIVE):
        server.stop()
