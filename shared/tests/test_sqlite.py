"""connect_wal: a process opening a file that another process is writing in rollback mode waits for it.

The CI run of 7e1e1c8 failed here: the reporting API opened the read model while the worker, which had just
created it, held its write lock; `PRAGMA journal_mode=WAL` answered "database is locked" at once.
"""

import sqlite3
import threading
import time

import pytest
from pzh_shared.sqlite import connect_wal


def _writer_holding_lock(path, seconds: float) -> threading.Thread:
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("BEGIN IMMEDIATE")  # a RESERVED lock on a rollback-mode file, as a new file's creator has
    writer.execute("INSERT INTO t VALUES (1)")

    def release() -> None:
        time.sleep(seconds)
        writer.execute("COMMIT")
        writer.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def test_plain_switch_fails_at_once_while_another_connection_writes(tmp_path):
    # The failure connect_wal exists for: no busy wait, an immediate error.
    path = tmp_path / "plain.sqlite"
    thread = _writer_holding_lock(path, 0.3)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        sqlite3.connect(path, timeout=5, isolation_level=None).execute("PRAGMA journal_mode=WAL")
    thread.join()


def test_connect_wal_waits_for_the_writer_and_switches(tmp_path):
    path = tmp_path / "waits.sqlite"
    thread = _writer_holding_lock(path, 0.3)
    conn = connect_wal(path, timeout=5)
    thread.join()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT x FROM t").fetchall() == [(1,)]  # the writer's row is there, nothing lost


def test_connect_wal_gives_up_after_its_timeout(tmp_path):
    path = tmp_path / "gives-up.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        connect_wal(path, timeout=0.2)
    holder.execute("ROLLBACK")
