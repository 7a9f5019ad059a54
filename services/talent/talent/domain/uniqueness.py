"""UniqueKey: makes an identifier (ID number, volunteer number, registration number) unique across
the service. Its aggregate id is derived from a keyed hash of the identifier, so saving a second
owner for the same identifier collides in the event store. The key is never published, and the
hash is keyed (HMAC with a secret) so the id cannot be turned back into an ID number by trying
every possible one."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from uuid import UUID

from eventsourcing.domain import Aggregate, event

UNIQUE_NAMESPACE = uuid.UUID("a4d7e2c1-5b3f-4e8a-9c6d-1f0b2e3a4c5d")


def unique_key_id(secret: bytes, kind: str, value: str) -> UUID:
    digest = hmac.new(secret, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()
    return uuid.uuid5(UNIQUE_NAMESPACE, digest)


class UniqueKey(Aggregate):
    class Claimed(Aggregate.Created):
        kind: str
        owner_id: str

    @classmethod
    def claim(cls, key_id: UUID, kind: str, owner_id: UUID | str) -> UniqueKey:
        return cls._create(cls.Claimed, id=key_id, kind=kind, owner_id=str(owner_id))

    @event(Claimed)
    def __init__(self, kind: str, owner_id: str):
        self.kind = kind
        self.owner_id = owner_id
