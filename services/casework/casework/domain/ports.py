"""Ports the application needs from infrastructure; the adapters implement them. The domain and the
application import only these protocols, never a database or a cipher library."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


class KeyStore(Protocol):
    """Data keys per client, kept outside the event log: erasing one makes that client's sealed
    identity unreadable in every stored event."""

    def create(self, client_id: UUID) -> bytes:
        """A new random 256-bit key for the client (an error if one exists)."""

    def get(self, client_id: UUID) -> bytes | None:
        """The client's key, or None once erased (or never created)."""

    def erase(self, client_id: UUID) -> bool:
        """Destroys the key; True if there was one."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: datetime
    user: str
    action: str  # read | export | client_read | client_search | caseload | erasure
    subject_kind: str  # case | client
    subject_id: str
    purpose: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditQuery:
    """Which audit records an auditor asks for: every given filter holds, in sequence order after `after`."""

    subject_id: str | None = None
    user: str | None = None
    action: str | None = None
    purpose: str | None = None  # contained in the stated purpose
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    after: int = 0  # a sequence number: the records after it
    limit: int = 100


class ReadAudit(Protocol):
    """An append-only log of every read or export of a case file, hash-chained."""

    def record(self, user: str, action: str, subject_kind: str, subject_id: str, purpose: str) -> AuditRecord: ...

    def records(self, subject_id: str | None = None) -> list[AuditRecord]: ...

    def find(self, query: AuditQuery) -> list[AuditRecord]:
        """The records the query selects, filtered in the store (the chain is verified over all records)."""

    def verify(self) -> list[int]:
        """Sequence numbers whose hash does not follow from the chain (empty when intact)."""

    def close(self) -> None: ...
