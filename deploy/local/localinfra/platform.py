"""Starts every process of the platform as it runs in production: one OS process each.

Used by `make run` and by the end-to-end tests (which kill and restart single processes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# name -> (env prefix, python -m arguments, serves HTTP)
PROCESSES: dict[str, tuple[str, list[str], bool]] = {
    "registry-api": ("REGISTRY_", ["registry", "api"], True),
    "registry-relay": ("REGISTRY_", ["registry", "relay"], False),
    "registry-staffing": ("REGISTRY_", ["registry", "staffing"], False),
    "talent-api": ("TALENT_", ["talent", "api"], True),
    "talent-stations": ("TALENT_", ["talent", "stations"], False),
    "talent-relay": ("TALENT_", ["talent", "relay"], False),
    "funding-api": ("FUNDING_", ["funding", "api"], True),
    "funding-relay": ("FUNDING_", ["funding", "relay"], False),
    "funding-casework": ("FUNDING_", ["funding", "casework"], False),
    "casework-api": ("CASEWORK_", ["casework", "api"], True),
    "casework-funding": ("CASEWORK_", ["casework", "funding"], False),
    "casework-relay": ("CASEWORK_", ["casework", "relay"], False),
    "reporting-worker": ("REPORTING_", ["reporting", "worker"], False),
    "reporting-api": ("REPORTING_", ["reporting", "api"], True),
    "gateway": ("GATEWAY_", ["gateway"], True),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Platform:
    kafka_bootstrap: str
    data_dir: Path
    spans_file: Path | None = None
    # OTLP/HTTP base URL every process exports its spans to (localinfra.jaeger); empty: none.
    otlp_endpoint: str = ""
    ports: dict[str, int] = field(default_factory=dict)
    python: str = sys.executable
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    # name -> port of its Prometheus metrics server (<PREFIX>METRICS_PORT); processes not named here serve none.
    metrics_ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        self.log_dir = self.data_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name, (_, _, http) in PROCESSES.items():
            if http and name not in self.ports:
                self.ports[name] = free_port()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def metrics_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.metrics_ports[name]}/metrics"

    @property
    def gateway_url(self) -> str:
        return self.url("gateway")

    def env_for(self, name: str) -> dict[str, str]:
        prefix, _, http = PROCESSES[name]
        env = dict(os.environ)
        env.update({
            f"{prefix}KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            f"{prefix}DATA_DIR": str(self.data_dir),
            "PYTHONUNBUFFERED": "1",
        })
        if http:
            env[f"{prefix}HTTP_PORT"] = str(self.ports[name])
        if self.spans_file:
            env[f"{prefix}SPANS_FILE"] = str(self.spans_file)
        if self.otlp_endpoint:
            env[f"{prefix}OTLP_ENDPOINT"] = self.otlp_endpoint
        # Set or cleared per process: every process of a service reads the same prefix.
        env[f"{prefix}METRICS_PORT"] = str(self.metrics_ports.get(name, 0))
        if name == "gateway":
            env["GATEWAY_REGISTRY_URL"] = self.url("registry-api")
            env["GATEWAY_REPORTING_URL"] = self.url("reporting-api")
            env["GATEWAY_TALENT_URL"] = self.url("talent-api")
            env["GATEWAY_FUNDING_URL"] = self.url("funding-api")
            env["GATEWAY_CASEWORK_URL"] = self.url("casework-api")
            # A local platform: without GATEWAY_JWT_SECRET the gateway makes a random one per start.
            # Sign in as GATEWAY_BOOTSTRAP_ADMIN_USERNAME with GATEWAY_BOOTSTRAP_ADMIN_PASSWORD (set them in the shell).
            env.setdefault("GATEWAY_ENVIRONMENT", "development")
            # The local platform's scripts (make demo, the end-to-end tests) sign in to the API by password; the
            # console still asks every user for a TOTP code (issue 18), and production requires it of the API too.
            env.setdefault("GATEWAY_MFA_REQUIRED", "false")
        env.update(self.extra_env)
        return env

    def start(self, name: str, timeout: float = 60) -> None:
        _, args, http = PROCESSES[name]
        log = (self.log_dir / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen([self.python, "-m", *args], env=self.env_for(name), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        if http:
            self._wait_healthy(name, timeout)

    def start_replica(self, name: str, replica: int) -> str:
        """Another process of a background role (e.g. a second reporting-worker in the same consumer
        group), with the same settings; returns its key in procs ("name#2"), for stop()/kill()."""
        _, args, http = PROCESSES[name]
        if http:
            raise ValueError(f"{name} serves HTTP on one port; only background roles get replicas")
        key = f"{name}#{replica}"
        log = (self.log_dir / f"{name}-{replica}.log").open("ab")
        self.procs[key] = subprocess.Popen([self.python, "-m", *args], env=self.env_for(name), stdout=log,
                                           stderr=subprocess.STDOUT, start_new_session=True)
        return key

    def _wait_healthy(self, name: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited with {self.procs[name].returncode}:\n{self.tail(name)}")
            try:
                with urllib.request.urlopen(f"{self.url(name)}/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{name} not healthy after {timeout}s:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 40) -> str:
        """The end of a process's log; `name` may be a replica's key ("name#2")."""
        path = self.log_dir / f"{name.replace('#', '-')}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def start_all(self) -> None:
        for name in PROCESSES:
            self.start(name)

    def kill(self, name: str) -> None:
        """SIGKILL: no clean-up runs, as in a crash."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self, name: str, timeout: float = 15) -> None:
        proc = self.procs.pop(name)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)
