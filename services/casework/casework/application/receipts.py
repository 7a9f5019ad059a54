"""Receipt numbers of residents' complaints (issue 17 item 9, A2 §5.2): what a resident who filed a complaint on the
township's public page keeps to follow it. A receipt is 12 characters from an alphabet without look-alikes (59 random
bits: not guessable, and short enough to write down); the complaint's id is derived from it, so the receipt needs no
table of its own and the id, which staff see, does not give the receipt back."""

from __future__ import annotations

import secrets
from uuid import NAMESPACE_URL, UUID, uuid5

# Digits and capitals without 0/O, 1/I/L: a receipt read aloud or copied by hand stays the same.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 12
_NAMESPACE = uuid5(NAMESPACE_URL, "https://pzh.example/casework/complaint-receipt")


def new_receipt() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalised(text: str) -> str | None:
    """The receipt a resident typed (any case, with the spaces or hyphens of its printed groups), or None."""
    receipt = "".join(text.split()).replace("-", "").upper()
    if len(receipt) != LENGTH or any(c not in ALPHABET for c in receipt):
        return None
    return receipt


def complaint_id_of(receipt: str) -> UUID:
    return uuid5(_NAMESPACE, receipt)
