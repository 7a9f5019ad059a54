"""Key stores for the clients' data keys, outside the event log (the KeyStore port).

SQLite (one file, `<data_dir>/casework-keys.sqlite`): rollback journal (no WAL, which would keep old
pages beside the database) and `secure_delete`, so an erased key is overwritten on disk, not just
unlinked from the b-tree. PostgreSQL: a table in the service's database; an erased row's bytes stay
in dead tuples until VACUUM reclaims them, so the erasure runs a VACUUM of the table."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from uuid import UUID

KEY_BYTES = 32


class SqliteKeyStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=DELETE")
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute("CREATE TABLE IF NOT EXISTS client_keys (client_id TEXT PRIMARY KEY, data_key BLOB NOT NULL)")

    def create(self, client_id: UUID) -> bytes:
        key = os.urandom(KEY_BYTES)
        with self._lock:
            self._db.execute("INSERT INTO client_keys (client_id, data_key) VALUES (?, ?)", (str(client_id), key))
        return key

    def get(self, client_id: UUID) -> bytes | None:
        with self._lock:
            row = self._db.execute("SELECT data_key FROM client_keys WHERE client_id = ?", (str(client_id),)).fetchone()
        return bytes(row[0]) if row else None

    def erase(self, client_id: UUID) -> bool:
        with self._lock:
            cursor = self._db.execute("DELETE FROM client_keys WHERE client_id = ?", (str(client_id),))
        return cursor.rowcount > 0

    def close(self) -> None:
        self._db.close()


class PostgresKeyStore:
    TABLE = "casework_client_keys"

    def __init__(self, conninfo: str):
        import psycopg

        self._db = psycopg.connect(conninfo, autocommit=True)
        self._lock = threading.Lock()
        self._db.execute(
            f"CREATE TABLE IF NOT EXISTS {self.TABLE} (client_id uuid PRIMARY KEY, data_key bytea NOT NULL)"
        )

    def create(self, client_id: UUID) -> bytes:
        key = os.urandom(KEY_BYTES)
        with self._lock:
            self._db.execute(f"INSERT INTO {self.TABLE} (client_id, data_key) VALUES (%s, %s)", (client_id, key))
        return key

    def get(self, client_id: UUID) -> bytes | None:
        with self._lock:
            row = self._db.execute(f"SELECT data_key FROM {self.TABLE} WHERE client_id = %s", (client_id,)).fetchone()
        return bytes(row[0]) if row else None

    def erase(self, client_id: UUID) -> bool:
        with self._lock:
            cursor = self._db.execute(f"DELETE FROM {self.TABLE} WHERE client_id = %s", (client_id,))
            self._db.execute(f"VACUUM {self.TABLE}")
        return cursor.rowcount > 0

    def close(self) -> None:
        self._db.close()
