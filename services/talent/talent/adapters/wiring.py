"""Builds the talent application with what its settings choose: the event store, the people's key store and
read audit (beside the events: SQLite files in the data directory, or tables in the PostgreSQL database) and the
publication it folds."""

from __future__ import annotations

from pzh_shared import personal_stores
from pzh_shared.eventstore import store_env
from pzh_shared.personal import KeyStore, ReadAudit
from pzh_shared.personal_stores import postgres_conninfo

from talent.adapters.integration import PUBLICATION
from talent.application.service import TalentApplication
from talent.settings import TalentSettings


class SqliteKeyStore(personal_stores.SqliteKeyStore):
    TABLE, ID = "person_keys", "person_id"


class PostgresKeyStore(personal_stores.PostgresKeyStore):
    TABLE, ID = "talent_person_keys", "person_id"


class SqliteReadAudit(personal_stores.SqliteReadAudit):
    TABLE = "person_reads"


class PostgresReadAudit(personal_stores.PostgresReadAudit):
    TABLE = "talent_person_reads"


def build_application(settings: TalentSettings) -> TalentApplication:
    keys: KeyStore
    audit: ReadAudit
    # KurrentDB keeps its tracking records in PostgreSQL (pzh_shared.kurrent): the keys and the audit go there too.
    if settings.event_store in ("postgres", "kurrentdb"):
        keys, audit = PostgresKeyStore(postgres_conninfo(settings)), PostgresReadAudit(postgres_conninfo(settings))
    else:
        keys = SqliteKeyStore(settings.data_dir / "talent-keys.sqlite")
        audit = SqliteReadAudit(settings.data_dir / "talent-audit.sqlite")
    return TalentApplication(env=store_env(settings, TalentApplication.name), publication=PUBLICATION, keys=keys,
                             audit=audit)
