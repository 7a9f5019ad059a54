"""Opening a SQLite file in WAL mode from several processes at once.

Switching a file to WAL takes an exclusive lock, and SQLite answers "database is locked" at once, without
waiting out the busy timeout, when another process holds the file at that moment (it happens when a worker
and an API open a new file together, as `make run` and the end-to-end tests start them). A file already in
WAL needs no switch, so the mode is read first, and a busy switch is tried again until the timeout.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path


def connect_wal(path: Path | str, timeout: float = 30.0) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False, isolation_level=None)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return conn
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                conn.close()
                raise
            time.sleep(0.05)
