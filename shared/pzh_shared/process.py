"""Running a long-lived asyncio process (relay, worker) until SIGTERM/SIGINT, with plain logs."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable


def configure_logging(service: str, level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s")


def run_until_signalled(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    async def _runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    asyncio.run(_runner())
