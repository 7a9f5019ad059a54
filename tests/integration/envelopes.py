"""A message as another service would publish it, for the per-service Kafka tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pzh_shared.envelope import Envelope


def fresh_envelope(source: str, event_type: str, data: dict[str, Any], subject: str | None = None) -> Envelope:
    """An envelope with a new id, the time now and `subject` (a new UUID when not given)."""
    return Envelope(
        id=str(uuid.uuid4()),
        source=source,
        type=event_type,
        subject=subject or str(uuid.uuid4()),
        time=datetime.now(UTC),
        data=data,
    )
