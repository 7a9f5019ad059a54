"""Builds the casework application with the key store and read audit its settings choose."""

from __future__ import annotations

import hashlib

from pzh_shared.eventstore import store_env
from pzh_shared.personal_stores import postgres_conninfo

from casework.adapters.audit import PostgresReadAudit, SqliteReadAudit
from casework.adapters.keystore import PostgresKeyStore, SqliteKeyStore
from casework.application.service import DEV_SEARCH_KEY, CaseworkApplication
from casework.settings import CaseworkSettings


def build_application(
    settings: CaseworkSettings, cls: type[CaseworkApplication] = CaseworkApplication
) -> CaseworkApplication:
    env = store_env(settings, cls.name)
    # KurrentDB keeps its tracking records in PostgreSQL (pzh_shared.kurrent): the keys and the audit go there too.
    if settings.event_store in ("postgres", "kurrentdb"):
        keys, audit = PostgresKeyStore(postgres_conninfo(settings)), PostgresReadAudit(postgres_conninfo(settings))
    else:
        # SQLite files beside the event store.
        keys = SqliteKeyStore(settings.key_store_path or settings.data_dir / "casework-keys.sqlite")
        audit = SqliteReadAudit(settings.audit_path or settings.data_dir / "casework-audit.sqlite")
    return cls(env=env, keys=keys, audit=audit, search_key=search_key(settings))


def search_key(settings: CaseworkSettings) -> bytes:
    """The blind index's key: CASEWORK_SEARCH_KEY, else one derived from the cipher key (never the cipher key
    itself), else the development constant."""
    if settings.search_key.get_secret_value():
        return settings.search_key.get_secret_value().encode()
    cipher_key = settings.cipher_key.get_secret_value()
    if cipher_key:
        return hashlib.sha256(b"pzh-casework-search\x00" + cipher_key.encode()).digest()
    return DEV_SEARCH_KEY
