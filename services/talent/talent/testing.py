"""Helpers for talent's tests: a sealer for domain tests, which have no key store."""

from __future__ import annotations

import json
from uuid import UUID


def plain_seal(person_id: UUID, identity: dict[str, str]) -> str:
    """The identity as JSON text, readable without a key: domain tests check what an aggregate was given."""
    return json.dumps(identity, ensure_ascii=False)
