"""Ports the application needs from infrastructure; the adapters implement them. The domain and the
application import only these protocols, never a database or a cipher library. The key store and the
read audit are pzh_shared's (talent keeps its people's data the same way)."""

from __future__ import annotations

from pzh_shared.personal import AuditQuery, AuditRecord, KeyStore, ReadAudit

__all__ = ["AuditQuery", "AuditRecord", "KeyStore", "ReadAudit"]
