"""Running a long-lived asyncio process (relay, worker) until SIGTERM/SIGINT, and its logs: one JSON
object per line carrying the current trace and span ids, so a log line leads to its trace, and repeated
warnings and errors logged once and then counted (RepeatLimiter)."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import threading
import time
from collections import Counter
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


REPEAT_WINDOW = 10.0
Kind = tuple[str, int, str]  # logger, level, message template


class RepeatLimiter(logging.Filter):
    """A warning or error of one kind (logger, level and message template, whatever its arguments) is logged
    once; while it keeps coming back within `window` seconds of its last occurrence it is held back and counted.
    Every window, summary() says how many were held, and which kinds stopped (the fault is over: "recovered" for
    whatever caused it). A broker outage made every process log each failed reconnect (12,744 lines across the
    platform in one outage); now each kind shows once per episode. At DEBUG level nothing is held."""

    def __init__(self, window: float = REPEAT_WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window, self.clock = window, clock
        self._lock = threading.Lock()
        self._episodes: dict[Kind, list[float]] = {}  # kind -> [first, last, occurrences]
        self._held: Counter[Kind] = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or getattr(record, "repeat_summary", False):
            return True
        kind = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        with self._lock:
            episode = self._episodes.get(kind)
            if episode is None or now - episode[1] >= self.window:
                self._episodes[kind] = [now, now, 1]
                return True  # the first of an episode
            episode[1], episode[2] = now, episode[2] + 1
            self._held[kind] += 1
            return False

    def summary(self) -> list[str]:
        """What was held back since the last summary and which repeating kinds stopped, as log lines."""
        now = self.clock()
        with self._lock:
            held, self._held = self._held, Counter()
            ended = {kind: e for kind, e in self._episodes.items() if now - e[1] >= self.window}
            for kind in ended:
                del self._episodes[kind]
        lines = []
        if held:
            kinds = "; ".join(f"{_kind(kind)}: {n} more" for kind, n in held.most_common(5))
            others = f"; {len(held) - 5} other kinds" if len(held) > 5 else ""
            lines.append(f"held back in the last {self.window:.0f} s: {kinds}{others} (log level DEBUG shows all)")
        for kind, (first, last, occurrences) in ended.items():
            if occurrences > 1:
                lines.append(f"no longer seen: {_kind(kind)}, {occurrences:.0f} times in {last - first:.0f} s")
        return lines


def _kind(kind: Kind) -> str:
    name, level, template = kind
    return f"{logging.getLevelName(level)} {name} \"{template[:100]}\""


def configure_logging(service: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonTraceFormatter(service))
    if level > logging.DEBUG:
        limiter = RepeatLimiter()
        handler.addFilter(limiter)
        threading.Thread(target=_summarise, args=(limiter,), name="log-repeats", daemon=True).start()
    logging.basicConfig(level=level, handlers=[handler], force=True)


def _summarise(limiter: RepeatLimiter) -> None:
    log = logging.getLogger("pzh.logging")
    while True:
        time.sleep(limiter.window)
        for line in limiter.summary():
            log.warning("%s", line, extra={"repeat_summary": True})


def run_until_signalled(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    async def _runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    asyncio.run(_runner())
