"""How an event family is projected: its consumer-side model (only the fields read) and either a
fold into its aggregate's state (facts derived from the state) or facts straight from the event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from reporting.projections.facts import Facts

State = dict[str, Any]


class Consumed(BaseModel):
    """Base of the consumer-side models: unknown fields are ignored (additive changes are fine)."""

    model_config = ConfigDict(extra="ignore")


@dataclass(frozen=True)
class Handler:
    model: type[BaseModel]
    kind: str | None = None  # aggregate kind whose state this event folds into
    key: Callable[[dict[str, Any]], str] | None = None  # the aggregate's id, from the event
    step: Callable[[State, dict[str, Any]], State] | None = None  # changes the state it is given and returns it
    facts: Callable[[dict[str, Any]], Facts] | None = None  # stateless events


@dataclass(frozen=True)
class Kind:
    """An aggregate kind: the facts of a state, (stations only) its directory row, and (areas and
    stations) its names over time."""

    facts: Callable[[State], Facts]
    directory: Callable[[str, State], tuple[str, str, str, int] | None] | None = None
    names: Callable[[State], list[tuple[str, str]]] | None = None

