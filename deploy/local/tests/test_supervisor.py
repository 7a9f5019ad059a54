"""`make run` looks after its processes (issue 20 item 2): `python -m localinfra.run` driven as a subprocess, its
broker SIGKILLed, seen restarted and the platform carrying events again, then Ctrl-C leaving no process behind;
and its ports stay where the README says (a previous run's TIME_WAIT is no reason to move; another program's
listener is an error naming it)."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from localinfra.run import fixed_ports
from localinfra.supervisor import PortTaken, claim_port, exit_reason, port_holder
from localinfra.waiting import wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.platform]


def _free_offset() -> int:
    """An offset at which every port `make run` uses is free (the suite may run beside a developer's make run)."""
    for _ in range(50):
        offset = random.randrange(1000, 20000)
        try:
            for name, port in fixed_ports().items():
                claim_port(port + offset, name)
            return offset
        except PortTaken:
            continue
    raise AssertionError("no free block of ports found")


def test_a_listener_of_another_program_is_named_not_moved_around():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert port_holder(port) == (os.getpid(), Path(f"/proc/{os.getpid()}/cmdline").read_bytes()
                                     .replace(b"\0", b" ").decode().strip())
        with pytest.raises(PortTaken, match=rf"gateway 的端口 {port} 已被进程 {os.getpid()}（"):
            claim_port(port, "gateway")


def test_a_previous_runs_time_wait_socket_does_not_move_the_port():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn's and Kafka's listeners are
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server side closes first: its end of the connection waits in TIME_WAIT
    client.recv(1)
    client.close()
    listener.close()
    with socket.socket() as plain:  # the old probe, without SO_REUSEADDR, saw the port as taken
        with pytest.raises(OSError):
            plain.bind(("127.0.0.1", port))
    assert claim_port(port, "gateway") == port


def test_exit_reasons_say_signal_or_code():
    assert exit_reason(-9) == "killed by SIGKILL"
    assert exit_reason(3) == "exit code 3"


class _Output:
    """make run's output, read as it comes."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float) -> str:
        return wait_for(lambda: next((line for line in self.lines if text in line), None), timeout=timeout,
                        what=f"make run printing {text!r}", explain=lambda: f"make run's output:\n{self}")

    def __str__(self) -> str:
        return "\n".join(self.lines[-80:])


def _processes_under(directory: Path) -> list[str]:
    """Processes whose working directory is under `directory` (make run's children run in its var/)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(os.readlink(f"/proc/{pid}/cwd")).is_relative_to(directory):
                found.append(f"{pid} {Path(f'/proc/{pid}/cmdline').read_bytes()[:200]!r}")
        except OSError:
            continue
    return found


def _logs(root: Path) -> str:
    return "\n".join(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
                     for log in sorted((root / "var" / "data" / "logs").glob("*.log")))


def _open_station_and_see_it_in_the_read_model(gateway: httpx.Client, township: str, root: Path) -> None:
    reply = gateway.post("/api/areas", json={"code": township, "name": f"测试镇{township[-3:]}",
                                             "valid_from": "2020-01-01"})
    assert reply.status_code == 201, reply.text
    reply = gateway.post("/api/stations", json={"name": f"测试镇{township[-3:]}社会工作服务站",
                                                "tier": "township_station", "area_code": township})
    assert reply.status_code == 201, reply.text
    # Through the relay, the broker and the reporting worker.
    wait_for(lambda: gateway.get(f"/api/read-models/stations/{township}").json()["total"] == 1, timeout=90,
             what=f"the station of {township} in the read model", explain=lambda: _logs(root))


def test_make_run_restarts_a_killed_broker_and_ctrl_c_leaves_nothing_behind(tmp_path):
    offset = _free_offset()
    env = {**os.environ, "LOCALINFRA_PORT_OFFSET": str(offset), "PYTHONUNBUFFERED": "1"}
    ports = {name: port + offset for name, port in fixed_ports().items()}
    proc = subprocess.Popen([sys.executable, "-m", "localinfra.run"], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    output = _Output(proc)
    try:
        output.wait_for("Ctrl-C stops everything", timeout=240)
        assert f"http://127.0.0.1:{ports['gateway']}" in str(output)  # the port asked for, not a random one
        gateway = httpx.Client(base_url=f"http://127.0.0.1:{ports['gateway']}", timeout=30)
        reply = gateway.post("/api/gateway/login", json={
            "username": "admin", "password": (tmp_path / "var" / "admin-password").read_text().strip()})
        assert reply.status_code == 200, reply.text
        gateway.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        _open_station_and_see_it_in_the_read_model(gateway, "510421901", tmp_path)
        # Every process exports its spans to the Jaeger make run started, at the address it printed.
        jaeger = f"http://127.0.0.1:{ports['jaeger-ui']}"
        assert f"Jaeger UI and trace API: {jaeger}" in str(output)
        wait_for(lambda: {"gateway", "registry-api", "registry-relay", "reporting-worker"}
                 <= set(httpx.get(f"{jaeger}/api/services").json()["data"] or ()), timeout=30,
                 what="the processes' spans in make run's Jaeger")

        broker = port_holder(ports["kafka"])
        assert broker is not None and "kafka.Kafka" in broker[1], broker
        os.kill(broker[0], signal.SIGKILL)
        output.wait_for("kafka died (killed by SIGKILL)", timeout=30)
        output.wait_for("kafka is back (127.0.0.1:", timeout=120)
        restarted = port_holder(ports["kafka"])
        assert restarted is not None and restarted[0] != broker[0]

        _open_station_and_see_it_in_the_read_model(gateway, "510421902", tmp_path)
        gateway.close()
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal reaches make run's whole group
        try:
            code = proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"make run did not stop within 90 s of Ctrl-C; output:\n{output}") from None
    assert code == 0, output
    wait_for(lambda: not _processes_under(tmp_path), timeout=10, what="no process of make run left",
             explain=lambda: "\n".join(_processes_under(tmp_path)))
