"""Stored events of aggregates casework no longer keeps. The relay and the lists read the whole notification
log, turning each stored event back into an object of its class; an event whose class is gone would stop them
(its topic no longer resolves), so the topics of withdrawn classes are read as WithdrawnEvent instead.

Withdrawn on 2026-12-08: the charity needs ledger (慈善服务需求台账) and donation points (慈善捐赠点) of annex 2
§3.4, with their events casework.need.recorded.v1, casework.need.matched.v1 and
casework.donation_point.registered.v1. The funding service keeps them (/charity/needs, /charity/donation-points,
funding.charity_need.* and funding.donation_point.*): one concept, one home. The events already stored stay."""

from __future__ import annotations

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import register_topic

WITHDRAWN_TOPICS = (
    "casework.domain.charity:DonationPoint.Registered",
    "casework.domain.charity:CharityNeed.Recorded",
    "casework.domain.charity:CharityNeed.Matched",
)


class WithdrawnEvent(DomainEvent):
    """A stored event of a withdrawn aggregate: no contract publishes it, no list shows it, nothing applies it."""


def read_withdrawn_events() -> None:
    """Resolves the withdrawn topics to WithdrawnEvent (idempotent: every application may call it)."""
    for topic in WITHDRAWN_TOPICS:
        register_topic(topic, WithdrawnEvent)
