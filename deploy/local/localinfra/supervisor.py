"""`make run` looks after what it started: a process that dies (the Kafka broker and Jaeger included) is reported (what,
when, its exit code or signal, its last log lines) and started again after a backoff that doubles while it keeps
dying; when it is back that is said too. Ports stay where the README says they are: a probe that binds with
SO_REUSEADDR (sockets of a previous run in TIME_WAIT do not count), and a port another program holds is an error
that names the program."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from localinfra.jaeger import Jaeger
from localinfra.kafka import KafkaBroker, tail_file
from localinfra.platform import Platform

BROKER = "kafka"
JAEGER = "jaeger"
FIRST_DELAY = 1.0
MAX_DELAY = 30.0
STEADY = 60.0  # a process up this long has recovered: its next death starts the backoff again


class PortTaken(RuntimeError):
    """A port `make run` needs is held by another program (named in the message)."""


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # local address "0100007F:1FA4", state 0A = LISTEN, inode in column 10
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def port_holder(port: int) -> tuple[int, str] | None:
    """(pid, command line) of the process listening on `port`, if this user may see it (Linux /proc)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    return int(pid), cmdline.strip()
        except OSError:
            continue  # gone, or another user's
    return None


def claim_port(port: int, name: str) -> int:
    """`port` if nothing listens on it; else PortTaken naming the holder."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a previous run's TIME_WAIT is no holder
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError as exc:
            holder = port_holder(port)
            who = f"进程 {holder[0]}（{holder[1][:200]}）" if holder else "另一个程序（本用户无法查看其进程）"
            raise PortTaken(f"{name} 的端口 {port} 已被{who}占用：请先停止它（{exc.strerror}）") from None


def exit_reason(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


@dataclass
class _Watch:
    delay: float = FIRST_DELAY
    due: float | None = None  # when to start it again (None: running)
    started: float = 0.0


class Supervisor:
    """Checked by `make run`'s loop every half second; restarts in that loop, so Ctrl-C stops what is running then,
    restarted processes included (they are in platform.procs and the broker and Jaeger objects as any other)."""

    def __init__(self, platform: Platform, broker: KafkaBroker, jaeger: Jaeger, out: TextIO,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.platform, self.broker, self.jaeger, self.out, self.clock = platform, broker, jaeger, out, clock
        now = clock()
        self.watches = {name: _Watch(started=now) for name in [BROKER, JAEGER, *platform.procs]}

    def _say(self, text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=self.out, flush=True)

    def check(self) -> None:
        for name, watch in self.watches.items():
            if watch.due is None:
                code = self._exit_code(name)
                if code is None:
                    if self.clock() - watch.started > STEADY:
                        watch.delay = FIRST_DELAY
                    continue
                self._say(f"{name} died ({exit_reason(code)}); last log lines:\n{self._tail(name)}\n"
                          f"restarting {name} in {watch.delay:.0f} s")
                watch.due = self.clock() + watch.delay
            if watch.due is not None and self.clock() >= watch.due:
                self._restart(name, watch)

    def _exit_code(self, name: str) -> int | None:
        if name == BROKER:
            proc: Any = self.broker._proc
            return None if proc is None else proc.poll()
        if name == JAEGER:
            return self.jaeger.exit_code()
        return self.platform.procs[name].poll()

    def _tail(self, name: str) -> str:
        if name == BROKER:
            assert self.broker.log_file is not None
            return tail_file(self.broker.log_file, 10) or "(no log lines)"
        if name == JAEGER:
            return self.jaeger.tail(10)
        return self.platform.tail(name, 10) or "(no log lines)"

    def _put_down(self, name: str) -> None:
        """An API that started but never answered its health check is not left running beside the next try."""
        proc = None if name in (BROKER, JAEGER) else self.platform.procs[name]
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def _restart(self, name: str, watch: _Watch) -> None:
        try:
            if name == BROKER:
                self.broker.restart()
            elif name == JAEGER:
                self.jaeger.restart()
            else:
                self.platform.start(name)
        except (RuntimeError, OSError) as exc:  # did not come up: try again later, waiting longer
            self._put_down(name)
            watch.delay = min(watch.delay * 2, MAX_DELAY)
            watch.due = self.clock() + watch.delay
            self._say(f"{name} did not start ({str(exc).splitlines()[0]}); trying again in {watch.delay:.0f} s")
            return
        watch.due, watch.started = None, self.clock()
        watch.delay = min(watch.delay * 2, MAX_DELAY)
        where = self.broker.bootstrap if name == BROKER else self.jaeger.query_url if name == JAEGER else (
            self.platform.url(name) if name in self.platform.ports else "(no HTTP)")
        self._say(f"{name} is back ({where})")
