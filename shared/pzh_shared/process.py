"""Running a long-lived asyncio process (relay, worker) until SIGTERM/SIGINT, and its logs: one JSON
object per line carrying the current trace and span ids, so a log line leads to its trace."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from opentelemetry import trace


class JsonTraceFormatter(logging.Formatter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        ctx = trace.get_current_span().get_span_context()
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "service": self.service, "logger": record.name,
                 "message": record.getMessage()}
        if ctx.is_valid:
            entry["trace_id"], entry["span_id"] = f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(service: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonTraceFormatter(service))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def run_until_signalled(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    async def _runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    asyncio.run(_runner())
