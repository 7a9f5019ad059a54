"""The integration event envelope: CloudEvents 1.0 attributes in a JSON value.

Kafka headers repeat `ce_id`, `ce_type` and carry W3C `traceparent`; the key is the aggregate id,
an opaque UUID, so no personal data ever sits in a key.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import to_json

# Event ids are derived, not random: a relay that republishes after a crash sends the same id,
# so consumers can drop the duplicate.
_EVENT_ID_NAMESPACE = uuid.UUID("6f1c3f0e-6a4e-4d35-9c6e-2b2f5e0c8a11")
EVENT_TYPE_PATTERN = re.compile(r"^[a-z]+\.[a-z_]+\.[a-z_]+\.v[1-9][0-9]*$")


_NAMESPACE_BYTES = _EVENT_ID_NAMESPACE.bytes


def event_id(originator_id: uuid.UUID | str, originator_version: int) -> str:
    """str(uuid.uuid5(namespace, "<id>:<version>")), computed without building UUID objects (the relay
    derives one per event)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{originator_id}:{originator_version}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Envelope(BaseModel):
    """A CloudEvents 1.0 event in structured JSON mode."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: str = "1.0"
    id: str
    source: str
    type: str = Field(pattern=EVENT_TYPE_PATTERN.pattern)
    subject: str
    time: datetime
    datacontenttype: str = "application/json"
    data: dict[str, Any]

    @property
    def version(self) -> int:
        return int(self.type.rsplit(".v", 1)[1])


class BadMessage(ValueError):
    """A Kafka message that is not a valid envelope; it belongs in the dead-letter topic."""


def encode(envelope: Envelope, traceparent: str | None = None) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Returns (key, value, headers) for Kafka."""
    headers = [("ce_id", envelope.id.encode()), ("ce_type", envelope.type.encode())]
    if traceparent:
        headers.append(("traceparent", traceparent.encode()))
    return envelope.subject.encode(), envelope.model_dump_json().encode(), headers


_CHECKED_TYPES: set[str] = set()


def encode_event(ce_id: str, source: str, event_type: str, subject: str, time: datetime, data: dict[str, Any],
                 traceparent: str | None = None) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """encode(Envelope(...), traceparent) byte for byte, without building and validating the model: the
    relay's per-event path. The type is checked against the pattern once per process; data is whatever
    the translator returned (already validated against its contract)."""
    if event_type not in _CHECKED_TYPES:
        if not EVENT_TYPE_PATTERN.fullmatch(event_type):
            raise ValueError(f"event type {event_type!r} does not match {EVENT_TYPE_PATTERN.pattern}")
        _CHECKED_TYPES.add(event_type)
    if not isinstance(data, dict):  # Envelope.data is an object; consumers would dead-letter anything else
        raise TypeError(f"event data must be a dict, not {type(data).__name__}")
    # Same field order and the same pydantic-core serializer as Envelope.model_dump_json.
    value = to_json({"specversion": "1.0", "id": ce_id, "source": source, "type": event_type, "subject": subject,
                     "time": time, "datacontenttype": "application/json", "data": data})
    headers = [("ce_id", ce_id.encode()), ("ce_type", event_type.encode())]
    if traceparent:
        headers.append(("traceparent", traceparent.encode()))
    return subject.encode(), value, headers


def decode(value: bytes | None) -> Envelope:
    if value is None:
        raise BadMessage("empty message value")
    try:
        raw = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadMessage(f"value is not JSON: {exc}") from exc
    try:
        return Envelope.model_validate(raw)
    except ValidationError as exc:
        raise BadMessage(f"value is not a CloudEvents envelope: {exc.errors(include_url=False)}") from exc


def header_map(headers: Any) -> dict[str, str]:
    """Kafka headers (list of pairs or dict) as text; undecodable values are dropped, not fatal."""
    items = headers.items() if isinstance(headers, dict) else (headers or [])
    out: dict[str, str] = {}
    for name, value in items:
        try:
            out[name] = value.decode() if isinstance(value, bytes | bytearray) else str(value)
        except UnicodeDecodeError:
            continue
    return out


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"
