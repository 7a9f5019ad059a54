"""How an event family is projected: its consumer-side model (only the fields read) and either a
fold into its aggregate's state (facts derived from the state) or facts straight from the event."""

from __future__ import annotations

import copy
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
    step: Callable[[State, dict[str, Any]], State] | None = None  # pure: gets a copy of the state
    facts: Callable[[dict[str, Any]], Facts] | None = None  # stateless events


@dataclass(frozen=True)
class Kind:
    """An aggregate kind: the facts of a state, and (stations only) its directory row."""

    facts: Callable[[State], Facts]
    directory: Callable[[str, State], tuple[str, str, str, int] | None] | None = None


def fold(handler: Handler, state: State, data: dict[str, Any]) -> State:
    assert handler.step is not None
    return handler.step(copy.deepcopy(state), data)
