"""Ports for personal data kept like casework's clients' (and talent's people's): a data key per person in a key
store outside the event log (erasure destroys it: crypto-shredding), and an append-only, hash-chained read audit
of every read that opens the data. Pure: the adapters are in pzh_shared.personal_stores, the cipher in
pzh_shared.sealing, so a domain may name these types without importing a database or a cipher library."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


class KeyStore(Protocol):
    """Data keys per person, kept outside the event log: erasing one makes that person's sealed data unreadable
    in every stored event."""

    def create(self, person_id: UUID) -> bytes:
        """A new random 256-bit key for the person (an error if one exists)."""

    def get(self, person_id: UUID) -> bytes | None:
        """The person's key, or None once erased (or never created)."""

    def erase(self, person_id: UUID) -> bool:
        """Destroys the key; True if there was one."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: datetime
    user: str
    action: str  # casework: read | export | client_read | ...; talent: personal_data_read | erasure
    subject_kind: str  # casework: case | client; talent: worker | volunteer | intern
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
    """An append-only log of every read of personal data, hash-chained."""

    def record(self, user: str, action: str, subject_kind: str, subject_id: str, purpose: str) -> AuditRecord: ...

    def records(self, subject_id: str | None = None) -> list[AuditRecord]: ...

    def find(self, query: AuditQuery) -> list[AuditRecord]:
        """The records the query selects, filtered in the store (the chain is verified over all records)."""

    def verify(self) -> list[int]:
        """Sequence numbers whose hash does not follow from the chain (empty when intact)."""

    def close(self) -> None: ...
