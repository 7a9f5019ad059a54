"""A real Jaeger v2 (the OTLP-native build, deploy/local/tools/jaeger) on 127.0.0.1 with in-memory storage: the
trace backend of `make run` and of the test session. Every process exports OTLP/HTTP to it (`otlp_endpoint`), and
its query service answers the UI and the HTTP API (`/api/traces/<trace id>`, `/api/v3/traces/<trace id>`)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from localinfra.kafka import OwnedProcess, free_port, tail_file

# Traces kept in memory before the oldest are dropped: a test session makes a few thousand, a day of `make run` fewer.
MAX_TRACES = 50_000

# Only what the platform uses: OTLP in, the query service out. The all-in-one default also opens Jaeger's and
# Zipkin's receivers, remote sampling, zpages, expvar and a metrics port, on fixed ports a second Jaeger (the test
# session beside a developer's `make run`) would collide on.
_CONFIG = """\
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    resource:
      service.name: jaeger
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:{query_port}
    grpc:
      endpoint: 127.0.0.1:{query_grpc_port}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: {max_traces}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{otlp_grpc_port}
      http:
        endpoint: 127.0.0.1:{otlp_http_port}
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
"""

def jaeger_binary() -> str:
    """The jaeger program deploy/local/install-go-tools.sh built into the venv's bin (beside this Python)."""
    beside = Path(sys.executable).parent / "jaeger"
    found = str(beside) if beside.is_file() else shutil.which("jaeger")
    if found is None:
        raise RuntimeError(f"jaeger is not built: run bash deploy/local/install-go-tools.sh (into {beside.parent})")
    return found


class Jaeger(OwnedProcess):
    """One Jaeger process; ports not given are free ones. Data is in memory: a restart starts empty."""

    def __init__(self, otlp_grpc_port: int | None = None, otlp_http_port: int | None = None,
                 query_port: int | None = None, query_grpc_port: int | None = None,
                 work_dir: Path | None = None) -> None:
        self.ports = {"otlp_grpc_port": otlp_grpc_port, "otlp_http_port": otlp_http_port,
                      "query_port": query_port, "query_grpc_port": query_grpc_port}
        # Absolute: it holds the config and the log, and is the process's working directory.
        self.work_dir = Path(work_dir).resolve() if work_dir is not None else None
        self._owns_work_dir = False

    @property
    def otlp_endpoint(self) -> str:
        """The OTLP/HTTP base URL the processes export to (`/v1/traces` is appended by them)."""
        return f"http://127.0.0.1:{self._port('otlp_http_port')}"

    @property
    def query_url(self) -> str:
        """The UI and the HTTP query API."""
        return f"http://127.0.0.1:{self._port('query_port')}"

    @property
    def log_file(self) -> Path | None:
        return self.work_dir / "jaeger.log" if self.work_dir else None

    def _port(self, name: str) -> int:
        port = self.ports[name]
        if port is None:
            raise RuntimeError("Jaeger has not been started")
        return port

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def exit_code(self) -> int | None:
        """None while running (or never started)."""
        return None if self._proc is None else self._proc.poll()

    def start(self, timeout: float = 60) -> None:
        if self.is_running():
            return
        binary = jaeger_binary()
        taken: set[int] = {port for port in self.ports.values() if port is not None}
        for name, port in self.ports.items():
            while port is None or port in taken - {self.ports[name]}:
                port = free_port()
            self.ports[name] = port
            taken.add(port)
        if self.work_dir is None:
            self.work_dir = Path(tempfile.mkdtemp(prefix="pzh-jaeger-"))
            self._owns_work_dir = True
        self.work_dir.mkdir(parents=True, exist_ok=True)
        config = self.work_dir / "jaeger.yaml"
        config.write_text(_CONFIG.format(max_traces=MAX_TRACES, **self.ports))
        self._out = open(self.work_dir / "jaeger.log", "ab")
        proc = subprocess.Popen([binary, "--config", str(config)], cwd=self.work_dir, stdin=subprocess.DEVNULL,
                                stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True)
        self._own(proc, cleanup=self.work_dir if self._owns_work_dir else None)
        deadline = time.monotonic() + timeout
        while not self._ready():
            if proc.poll() is not None:
                code = proc.returncode
                self._reap()
                raise RuntimeError(f"Jaeger exited with code {code} during start:\n{self.tail()}")
            if time.monotonic() > deadline:
                self._terminate(graceful=False)
                raise RuntimeError(f"Jaeger did not start within {timeout}s:\n{self.tail()}")
            time.sleep(0.2)

    def _ready(self) -> bool:
        """The query API answers and the OTLP/HTTP receiver accepts connections."""
        try:
            with urllib.request.urlopen(f"{self.query_url}/api/services", timeout=2) as reply:
                if reply.status != 200:
                    return False
            with socket.create_connection(("127.0.0.1", self._port("otlp_http_port")), timeout=2):
                return True
        except OSError:
            return False

    def trace(self, trace_id: str) -> list[dict]:
        """The spans Jaeger holds of one trace (its HTTP API, /api/traces/<id>): each with `operationName`, `spanID`,
        `references`, `tags` and its process's `serviceName`; [] while it holds none."""
        try:
            with urllib.request.urlopen(f"{self.query_url}/api/traces/{trace_id}", timeout=10) as reply:
                data = json.load(reply)["data"]
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return []
            raise
        spans = []
        for found in data:
            for span in found["spans"]:
                spans.append({**span, "serviceName": found["processes"][span["processID"]]["serviceName"]})
        return spans

    def services(self) -> list[str]:
        with urllib.request.urlopen(f"{self.query_url}/api/services", timeout=10) as reply:
            return json.load(reply)["data"] or []

    def tail(self, lines: int = 40) -> str:
        return (tail_file(self.log_file, lines) if self.log_file else "") or "(no log lines)"

    def restart(self, timeout: float = 60) -> None:
        """Start again on the same ports (traces held in memory are gone)."""
        self._terminate(graceful=True)
        self.start(timeout=timeout)

    def stop(self) -> None:
        self._terminate(graceful=True)
        if self._owns_work_dir and self.work_dir is not None:
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self.work_dir = None
            self._owns_work_dir = False
