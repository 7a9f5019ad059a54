"""Building blocks of every service's integration contracts (adapters/integration.py): the base
model, an opaque-UUID field, and the publication: which private domain events a service publishes
and how each is translated into its public contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class Contract(BaseModel):
    """A published event's data: unknown fields are refused, so a contract only grows on purpose."""

    model_config = ConfigDict(extra="forbid")


def uuid_field(description: str) -> Any:
    return Field(pattern=UUID_PATTERN, description=description)


def aggregate_id(domain_event: Any) -> str:
    return str(domain_event.originator_id)


Builder = Callable[[Any], BaseModel | dict[str, Any]]


def make_translator(table: dict[type, tuple[str, Builder]], contracts: dict[str, type[BaseModel]]
                    ) -> Callable[[Any], tuple[str, dict[str, Any]] | None]:
    """translate(domain_event) -> (event type, JSON data), validated against the published contract;
    None for a domain event the table leaves private."""

    def translate(domain_event: Any) -> tuple[str, dict[str, Any]] | None:
        found = table.get(type(domain_event))
        if found is None:
            return None
        event_type, build = found
        contract = contracts[event_type]
        built = build(domain_event)
        # A builder that returns the contract model has been validated already by its constructor.
        model = built if type(built) is contract else contract.model_validate(built)
        return event_type, model.model_dump(mode="json")

    return translate


class Publication:
    """A service's published events, declared once: {domain event class: (event type, builder)}
    with the contract model of each type. The relay publishes through `translate`; tests, schemas
    and catalogues read `contracts` and `published`."""

    def __init__(self, table: dict[type, tuple[str, Builder]], contracts: dict[str, type[BaseModel]]):
        missing = {event_type for event_type, _ in table.values()} - set(contracts)
        if missing:
            raise ValueError(f"published without a contract: {sorted(missing)}")
        self.table = table
        self.contracts = contracts
        self.published: frozenset[str] = frozenset(event_type for event_type, _ in table.values())
        self.translate = make_translator(table, contracts)

    def public_events(self, app: Any, page_size: int = 1000) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(envelope id, event type, data) of every published event of `app`, in log order: what its
        relay sends to Kafka, read straight from the notification log."""
        for _, envelope_id, event_type, data in self.published_after(app, 0, page_size):
            yield envelope_id, event_type, data

    def published_after(self, app: Any, start: int, page_size: int = 1000
                        ) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
        """(notification id, envelope id, event type, data) of the published events after notification
        `start`: a fold kept in memory reads only what the log gained since its last position."""
        from pzh_shared.envelope import event_id

        while True:
            notifications = app.recorder.select_notifications(start, page_size, inclusive_of_start=False)
            if not notifications:
                return
            for notification in notifications:
                public = self.translate(app.mapper.to_domain_event(notification))
                if public is not None:
                    yield (notification.id, event_id(notification.originator_id, notification.originator_version),
                           *public)
            start = notifications[-1].id
