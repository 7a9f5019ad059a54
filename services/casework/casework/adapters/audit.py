"""The read audit (ReadAudit port): an append-only, hash-chained log of every read or export of a
case file (who, when, which case, stated purpose): pzh_shared's, with casework's tables."""

from __future__ import annotations

from pzh_shared import personal_stores


class SqliteReadAudit(personal_stores.SqliteReadAudit):
    TABLE = "case_reads"


class PostgresReadAudit(personal_stores.PostgresReadAudit):
    TABLE = "casework_case_reads"
