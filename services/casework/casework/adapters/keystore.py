"""Key stores for the clients' data keys, outside the event log (the KeyStore port): pzh_shared's, with
casework's tables (SQLite: `<data_dir>/casework-keys.sqlite`)."""

from __future__ import annotations

from pzh_shared import personal_stores


class SqliteKeyStore(personal_stores.SqliteKeyStore):
    TABLE, ID = "client_keys", "client_id"


class PostgresKeyStore(personal_stores.PostgresKeyStore):
    TABLE, ID = "casework_client_keys", "client_id"
