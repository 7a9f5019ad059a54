"""Building blocks of every service's integration contracts (adapters/integration.py): the base
model, an opaque-UUID field, and the translator from private domain events to public contracts."""

from __future__ import annotations

from collections.abc import Callable
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
