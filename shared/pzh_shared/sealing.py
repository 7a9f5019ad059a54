"""Sealing personal data with the person's own data key (AES-256-GCM), before any event records it.

A sealed token is `v1.<base64url(nonce ‖ ciphertext ‖ tag)>`; the person's id is the associated
data, so a token copied onto another person does not open. Once the person's key is erased, no
token of theirs opens again, wherever it was stored or copied."""

from __future__ import annotations

import base64
import json
import os
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "v1."


def seal(key: bytes, person_id: UUID, value: Any) -> str:
    nonce = os.urandom(12)
    plaintext = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return (
        _PREFIX
        + base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext, str(person_id).encode())).decode()
    )


def unseal(key: bytes | None, person_id: UUID, token: str | None) -> Any | None:
    """The sealed value, or None when the key is gone (erased) or the token does not open."""
    if key is None or not token or not token.startswith(_PREFIX):
        return None
    raw = base64.urlsafe_b64decode(token[len(_PREFIX):])
    try:
        return json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], str(person_id).encode()))
    except InvalidTag:
        return None
