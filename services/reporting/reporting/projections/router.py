"""Routes each integration event, by type and version, to the projection that handles it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from reporting.projections import casework, funding, registry, talent
from reporting.projections.base import Handler, Kind, State
from reporting.projections.facts import Facts, Key, ProjectionError, diff
from reporting.projections.upcasting import upcast, upcastable


@dataclass
class Changes:
    """What one event changes in the read models; the store applies it atomically with the dedupe mark."""

    # the aggregate whose state the event folds into (kind, id), with the event's family and data
    aggregate: tuple[str, str] | None = None
    event_type: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    facts: list[tuple[Key, int]] = field(default_factory=list)  # an event's own facts (no state)


HANDLERS: dict[str, dict[int, Handler]] = {
    **registry.HANDLERS, **talent.HANDLERS, **casework.HANDLERS, **funding.HANDLERS}
KINDS: dict[str, Kind] = {**registry.KINDS, **talent.KINDS, **casework.KINDS, **funding.KINDS}


def project(event_type: str, data: dict[str, Any]) -> Changes:
    family, _, version_text = event_type.rpartition(".v")
    by_version = HANDLERS.get(family)
    if by_version is None:
        return Changes()  # an event no read model needs (yet): consumed and ignored
    # An older version is upcast to the newest first (upcasting.py): only that one has a handler, and
    # the changes carry the upcast type, by which advance() finds the handler again.
    received, version = event_type, int(version_text)
    version, data = upcast(family, version, data)
    event_type = f"{family}.v{version}"
    handler = by_version.get(version)
    if handler is None:  # a newer version than this worker knows: a dead letter, never a guess
        known = ", ".join(f"v{v}" for v in sorted(set(by_version) | upcastable(family)))
        raise ProjectionError(f"{received}: this worker projects only {known} of {family}")
    changes = Changes()
    try:
        parsed = handler.model.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        raise ProjectionError(f"{received} data invalid: {exc.errors(include_url=False)}") from exc
    try:
        if handler.kind is not None:
            assert handler.key is not None
            changes.aggregate, changes.event_type, changes.data = (
                (handler.kind, handler.key(parsed)),
                event_type,
                parsed,
            )
            # folding into a fresh state here finds what the store could not apply, before it is in a batch
            KINDS[handler.kind].facts(handler.step({"id": changes.aggregate[1]}, parsed))
        else:
            assert handler.facts is not None
            changes.event_type = event_type
            changes.facts = diff({}, handler.facts(parsed))
    except ProjectionError:
        raise
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ProjectionError(f"{received}: cannot project: {exc!r}") from exc
    return changes


def advance(changes: Changes, state: State | None) -> tuple[State, list[tuple[Key, int]]]:
    """The aggregate's next state, and the facts to add (the difference of its facts before and after).
    `state` is changed in place: pass one nobody else holds."""
    assert changes.aggregate is not None
    kind, aggregate_id = changes.aggregate
    family, _, version = changes.event_type.rpartition(".v")
    handler = HANDLERS[family][int(version)]
    assert handler.step is not None
    before: Facts = KINDS[kind].facts(state) if state is not None else {}
    # stepped in place, no deep copy (~17% of a rebuild): the store passes a state of its own, decoded
    # from the stored JSON, and decodes it again from JSON before the aggregate's next event
    after_state = handler.step(state if state is not None else {"id": aggregate_id}, changes.data)
    return after_state, diff(before, KINDS[kind].facts(after_state))
