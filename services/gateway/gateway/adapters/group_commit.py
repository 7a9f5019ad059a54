"""Group commit for the writes every forwarded call makes (its audit record, the ownership index).

One writer thread commits whatever was submitted while its previous commit was under way in one transaction,
so N concurrent calls pay one commit (on SQLite one fsync, about 2.6 ms on this machine's disk, which two
commits per call on the event loop used to spend for every request in turn). A caller is answered only after
its writes are committed: a gateway killed right after an answer still has that answer's audit record."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

log = logging.getLogger(__name__)

# ("audit", INSERT_AUDIT's arguments) or ("owner", (kind, object_id, area_code))
Write = tuple[str, tuple[Any, ...]]
MAX_BATCH = 256  # calls per commit: bounds one transaction's length under a burst
_STOP = object()


class GroupCommit:
    def __init__(self, commit: Callable[[Sequence[Write]], None], name: str = "gateway-writes"):
        self._commit = commit  # runs the writes in one transaction, in order, or raises having written none
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, writes: Sequence[Write]) -> Future[None]:
        done: Future[None] = Future()
        if not writes:
            done.set_result(None)
        elif not self._thread.is_alive():
            done.set_exception(RuntimeError("the gateway store is closed"))
        else:
            self._queue.put((done, tuple(writes)))
        return done

    def close(self) -> None:
        """Commits what is queued, then stops the writer."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch = [item]
            stopping = False
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
            self._write(batch)
            if stopping:
                return

    def _write(self, batch: list[tuple[Future[None], tuple[Write, ...]]]) -> None:
        try:
            self._commit([write for _, writes in batch for write in writes])
        except Exception as exc:
            if len(batch) == 1:
                batch[0][0].set_exception(exc)
                return
            # One call's bad write must not fail the others' records: each call alone, its own error to itself.
            log.warning("a group commit of %d calls failed; committing them one by one", len(batch))
            for done, writes in batch:
                try:
                    self._commit(writes)
                except Exception as exc:
                    done.set_exception(exc)
                else:
                    done.set_result(None)
            return
        for done, _ in batch:
            done.set_result(None)

