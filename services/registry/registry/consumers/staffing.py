"""Consumes the talent service's staffing events (worker assigned / left / certified, head appointed /
relieved) into the stations' facts, so the level rule sees them; effectively once through the
shared TrackedConsumer."""

from __future__ import annotations

from pzh_shared.consumer import TrackedConsumer

from registry.application.service import RegistryApplication
from registry.domain.errors import RegistryError


def staffing_consumer(app: RegistryApplication, bootstrap: str, topic: str = "talent.events",
                      group_id: str = "registry-staffing") -> TrackedConsumer:
    return TrackedConsumer(app, lambda envelope, tracking: app.apply_staffing(envelope.type, envelope.data, tracking),
                           bootstrap, topic, group_id, rejected=(RegistryError,))
