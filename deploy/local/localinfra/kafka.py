"""A real single-node Apache Kafka (KRaft, combined broker+controller) run straight from jars."""

from __future__ import annotations

import atexit
import base64
import fcntl
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

KAFKA_DIR = Path(__file__).resolve().parent.parent / "kafka"
STAMP_NAME = ".pom-stamp"

# Servers still running at interpreter exit are stopped, so no JVM or Jaeger outlives a test run.
_LIVE: set[OwnedProcess] = set()


def free_port() -> int:
    """A port the kernel says is free right now (there is a small race until it is bound)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail_file(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _watchdog_main(pid: int, sig: int, grace: float, group: bool, cleanup: str) -> None:
    """Body of the watchdog process (see spawn_watchdog)."""
    sys.stdin.buffer.read()  # returns at EOF: the owner died without disarming us

    def alive() -> bool:
        try:
            os.kill(pid, 0)
            # Orphans are reparented to PID 1, which may never reap them: zombie == dead.
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False

    def send(s: int) -> None:
        try:
            (os.killpg if group else os.kill)(pid, s)
        except OSError:
            pass

    send(sig)
    deadline = time.monotonic() + grace
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    if alive():
        send(signal.SIGKILL)
        time.sleep(1)
    if cleanup:
        shutil.rmtree(cleanup, ignore_errors=True)


def spawn_watchdog(pid: int, sig: int, *, group: bool, cleanup: Path | None, grace: float = 20) -> subprocess.Popen:
    """A process in its own session that stops ``pid`` (and removes ``cleanup``) once we die
    without disarming it -- SIGKILL, an unhandled SIGTERM, a CI timeout -- so no JVM or
    postmaster outlives the run that started it. Disarm with disarm_watchdog() first when
    stopping deliberately."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from localinfra.kafka import _watchdog_main;"
        " _watchdog_main(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]),"
        " sys.argv[5] == '1', sys.argv[6])"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(Path(__file__).resolve().parent.parent),
         str(pid), str(int(sig)), str(grace), "1" if group else "0", str(cleanup or "")],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


def disarm_watchdog(watchdog: subprocess.Popen | None) -> None:
    if watchdog is not None:
        watchdog.kill()
        watchdog.wait()
        if watchdog.stdin is not None:
            watchdog.stdin.close()


def ensure_jars(kafka_dir: Path = KAFKA_DIR) -> Path:
    """Fill <kafka_dir>/libs from Maven Central when it is missing, empty or older than pom.xml."""
    pom = kafka_dir / "pom.xml"
    libs = kafka_dir / "libs"
    if not pom.is_file():
        raise RuntimeError(f"Kafka pom not found: {pom}")
    # Lock on the pom itself: parallel test processes must not clear libs/ under each other.
    with open(pom, "rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = libs / STAMP_NAME
        fresh = any(libs.glob("*.jar")) and stamp.is_file() and stamp.stat().st_mtime >= pom.stat().st_mtime
        if fresh:
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise RuntimeError("Maven is not installed: apt-get install maven")
        # Clear first so jars of two Kafka versions never end up on one classpath.
        shutil.rmtree(libs, ignore_errors=True)
        proc = subprocess.run(
            [mvn, "-q", "-B", "dependency:copy-dependencies"],
            cwd=kafka_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if proc.returncode != 0 or not any(libs.glob("*.jar")):
            raise RuntimeError(f"mvn dependency:copy-dependencies failed:\n{proc.stdout[-4000:]}")
        stamp.touch()
        return libs


def _java() -> str:
    java = shutil.which("java")
    if java is None and os.environ.get("JAVA_HOME"):
        candidate = Path(os.environ["JAVA_HOME"]) / "bin" / "java"
        java = str(candidate) if candidate.is_file() else None
    if java is None:
        raise RuntimeError("Java 17+ is not installed: apt-get install openjdk-17-jre-headless")
    return java


def _api_versions_ok(port: int, timeout: float = 2.0) -> bool:
    """Send ApiVersions v0 and expect error_code 0: the broker is processing requests,
    not merely listening (the kernel accepts TCP before Kafka's request handlers run)."""
    client_id = b"localinfra"
    body = struct.pack(">hhih", 18, 0, 1, len(client_id)) + client_id
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(struct.pack(">i", len(body)) + body)
            head = _recv_exact(s, 4)
            size = struct.unpack(">i", head)[0]
            resp = _recv_exact(s, size)
    except OSError:
        return False
    if len(resp) < 6:
        return False
    correlation_id, error_code = struct.unpack(">ih", resp[:6])
    return correlation_id == 1 and error_code == 0


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


_LOG4J2 = """\
status = warn
name = localinfra-kafka
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
{quiet}
"""

# Chatty at INFO (per-partition/segment/request lines) and useless for debugging a dev broker.
_QUIET_LOGGERS = [
    "state.change.logger",
    "kafka.request.logger",
    "kafka.log.LogCleaner",
    "org.apache.kafka.storage.internals.log",
    "kafka.cluster.Partition",
    "kafka.server.ReplicaFetcherManager",
    "kafka.server.ReplicaAlterLogDirsManager",
    "org.apache.kafka.common.utils.AppInfoParser",
    "org.apache.kafka.clients",
    "org.apache.kafka.common.metrics",
    "org.apache.kafka.common.config.AbstractConfig",  # ~700-line config dumps
]


class OwnedProcess:
    """A server we started in a process group of its own (the broker, Jaeger), with its output file and the watchdog
    that stops it if we die; every one still running at interpreter exit is stopped."""

    _proc: subprocess.Popen | None = None
    _out: Any = None
    _watchdog: subprocess.Popen | None = None

    def stop(self) -> None:
        raise NotImplementedError

    def _own(self, proc: subprocess.Popen, cleanup: Path | None) -> None:
        """Looks after `proc` from now on: stopped with us, even when we are killed (then `cleanup` is removed)."""
        self._proc = proc
        _LIVE.add(self)
        self._watchdog = spawn_watchdog(proc.pid, signal.SIGTERM, group=True, cleanup=cleanup)

    def _terminate(self, graceful: bool) -> None:
        disarm_watchdog(self._watchdog)
        self._watchdog = None
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM if graceful else signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=20 if graceful else 10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        self._reap()

    def _reap(self) -> None:
        disarm_watchdog(self._watchdog)
        self._watchdog = None
        self._proc = None
        _LIVE.discard(self)
        if self._out is not None:
            self._out.close()
            self._out = None


class KafkaBroker(OwnedProcess):
    """One combined broker+controller KRaft node on 127.0.0.1.

    Usage: ``with KafkaBroker() as kb: use(kb.bootstrap)``.
    """

    def __init__(
        self,
        port: int | None = None,
        controller_port: int | None = None,
        data_dir: Path | None = None,
        heap: str = "-Xmx512m -Xms256m",
    ) -> None:
        self.port = port
        self.controller_port = controller_port
        # Absolute: the JVM runs with another working directory than ours.
        self.data_dir = Path(data_dir).resolve() if data_dir is not None else None
        self.heap = heap
        self._owns_data_dir = False

    # -- public API -------------------------------------------------------------------

    @property
    def bootstrap(self) -> str:
        if self.port is None:
            raise RuntimeError("broker has not been started")
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path | None:
        return self.data_dir / "server.log" if self.data_dir else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 60) -> str:
        if self.is_running():
            return self.bootstrap
        libs = ensure_jars()
        java = _java()
        if self.port is None:
            self.port = free_port()
        if self.controller_port is None:
            self.controller_port = free_port()
            while self.controller_port == self.port:
                self.controller_port = free_port()
        created_dir = self.data_dir is None
        if created_dir:
            self.data_dir = Path(tempfile.mkdtemp(prefix="pzh-kafka-"))
            self._owns_data_dir = True
        try:
            self._launch(java, libs, timeout)
        except BaseException:
            # A dir we made in this very call holds nothing worth keeping (its log tail is
            # in the exception); an existing dir is kept for inspection / restart().
            if created_dir:
                self.stop()
            raise
        return self.bootstrap

    def stop(self) -> None:
        """Graceful shutdown; removes the data dir if we created it."""
        self._terminate(graceful=True)
        if self._owns_data_dir and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None
            self._owns_data_dir = False

    def kill(self) -> None:
        """SIGKILL (a crash, for fault tests). Data dir and ports are kept for restart()."""
        self._terminate(graceful=False)

    def restart(self, timeout: float = 60) -> str:
        """Start again on the same ports and data dir (no reformat), stopping first if running."""
        if self.data_dir is None:
            raise RuntimeError("broker was never started (or was stopped and its data removed)")
        self._terminate(graceful=True)
        return self.start(timeout=timeout)

    def __enter__(self) -> KafkaBroker:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- internals --------------------------------------------------------------------

    def _launch(self, java: str, libs: Path, timeout: float) -> None:
        assert self.data_dir is not None and self.port is not None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        props, log4j = self._write_config()
        classpath = f"{libs}/*"
        log4j_opt = f"-Dlog4j2.configurationFile={log4j}"
        if not (self.data_dir / "logs" / "meta.properties").exists():
            self._format(java, classpath, log4j_opt, props)

        out_path = self.data_dir / "kafka.out"
        self._out = open(out_path, "ab")
        cmd = [
            java,
            *self.heap.split(),
            "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            log4j_opt,
            "-cp",
            classpath,
            "kafka.Kafka",
            str(props),
        ]
        # Own session: a terminal's Ctrl-C must reach us (to stop cleanly), not the JVM directly.
        self._own(
            subprocess.Popen(
                cmd,
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=self._out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            ),
            cleanup=self.data_dir if self._owns_data_dir else None,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._reap()
                raise RuntimeError(f"Kafka exited with code {code} during start\n{self._logs()}")
            if _api_versions_ok(self.port, timeout=1.0):
                return
            if time.monotonic() > deadline:
                self._terminate(graceful=False)
                raise RuntimeError(f"Kafka did not start within {timeout}s\n{self._logs()}")
            time.sleep(0.2)

    def _write_config(self) -> tuple[Path, Path]:
        assert self.data_dir is not None
        data = self.data_dir
        port, cport = self.port, self.controller_port
        props = data / "server.properties"
        props.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{cport}",
                    f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    f"log.dirs={data / 'logs'}",
                    "num.partitions=3",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=6",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    # Default 128 MiB is allocated on heap; Kafka requires strictly > 1 MiB/thread.
                    "log.cleaner.dedupe.buffer.size=2097152",
                    "auto.create.topics.enable=true",
                    "message.max.bytes=1048588",
                    # After kill() the restarted broker cannot register until the dead
                    # incarnation's session expires (default 9 s); keep that short.
                    "broker.heartbeat.interval.ms=1000",
                    "broker.session.timeout.ms=4000",
                    "",
                ]
            )
        )
        log4j = data / "log4j2.properties"
        quiet = "\n".join(
            f"logger.q{i}.name = {name}\nlogger.q{i}.level = WARN" for i, name in enumerate(_QUIET_LOGGERS)
        )
        log4j.write_text(_LOG4J2.format(log=data / "server.log", quiet=quiet))
        return props, log4j

    def _format(self, java: str, classpath: str, log4j_opt: str, props: Path) -> None:
        # Like Kafka's own Uuid.randomUuid: an id starting with "-" would be read as an option.
        cluster_id = "-"
        while cluster_id.startswith("-"):
            cluster_id = base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()
        # No --standalone: the quorum is given statically by controller.quorum.voters.
        proc = subprocess.run(
            [
                java,
                "-Xmx256m",
                "-XX:+UseSerialGC",
                log4j_opt,
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(props),
            ],
            cwd=self.data_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"kafka StorageTool format failed:\n{proc.stdout[-4000:]}")

    def _logs(self) -> str:
        assert self.data_dir is not None
        parts = []
        # Shutdown chatter after a fatal error can push the cause out of the tail.
        try:
            lines = (self.data_dir / "server.log").read_text(errors="replace").splitlines()
            errors = [line for line in lines if " ERROR " in line or " FATAL " in line][:5]
        except OSError:
            errors = []
        if errors:
            parts.append("--- first errors in server.log ---\n" + "\n".join(errors))
        for name in ("kafka.out", "server.log"):
            text = tail_file(self.data_dir / name)
            if text:
                parts.append(f"--- {self.data_dir / name} (last 40 lines) ---\n{text}")
        return "\n".join(parts) or f"(no output in {self.data_dir})"


@atexit.register
def _kill_leftovers() -> None:
    for server in list(_LIVE):
        server.stop()
