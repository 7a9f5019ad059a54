"""Consumes the registry's events (`registry.events`) into the talent service's private station
profiles (tier, provincial pilot), from which the quota kind of a station follows; effectively once
through the shared TrackedConsumer (each message's effects commit with its tracking record; messages
the service cannot apply go to `registry.events.dlq`)."""

from __future__ import annotations

from pzh_shared.consumer import TrackedConsumer

from talent.application.service import TalentApplication
from talent.domain.errors import TalentError

GROUP_ID = "talent-stations"


def stations_consumer(app: TalentApplication, bootstrap: str, topic: str = "registry.events",
                      group_id: str = GROUP_ID) -> TrackedConsumer:
    return TrackedConsumer(app, lambda envelope, tracking: app.apply_registry_event(envelope.type, envelope.data, tracking),
                           bootstrap, topic, group_id, rejected=(TalentError,))
