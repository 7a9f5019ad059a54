"""Identity masking of case and client views for roles that may read a case but not who the client is
(access.py `case_identity`): 王**, 110101********1234."""

from __future__ import annotations

from typing import Any

# field -> (characters kept at the start, at the end)
IDENTITY_MASKS: dict[str, tuple[int, int]] = {
    "name": (1, 0), "guardian_name": (1, 0), "id_number": (6, 4), "phone": (3, 4), "guardian_phone": (3, 4),
    "address": (0, 0), "birth_date": (4, 0),
}


def _mask(value: Any, keep_start: int, keep_end: int) -> Any:
    if not isinstance(value, str) or not value or value.startswith("["):  # "[已删除]": erased, nothing to hide
        return value
    keep_end = min(keep_end, max(len(value) - keep_start, 0))
    hidden = "*" * max(len(value) - keep_start - keep_end, 1)
    return value[:keep_start] + hidden + (value[-keep_end:] if keep_end else "")


def _masked_fields(fields: Any) -> Any:
    if not isinstance(fields, dict):
        return fields
    return {k: _mask(v, *IDENTITY_MASKS[k]) if k in IDENTITY_MASKS else v for k, v in fields.items()}


def mask_identity(view: dict[str, Any]) -> dict[str, Any]:
    """A case or client view with the client's identity (and a guardian's) masked."""
    view = dict(view)
    for key in ("client", "identity"):
        if key in view:
            view[key] = _masked_fields(view[key])
    if isinstance(view.get("consent"), dict):
        view["consent"] = {**view["consent"], "detail": _masked_fields(view["consent"].get("detail"))}
    if isinstance(view.get("items"), list):  # a list or search of case content: each item like a single view
        view["items"] = [_masked_item(item) for item in view["items"]]
    view["identity_masked"] = True
    return view


def _masked_item(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    return {k: _masked_fields(v) if k in ("client", "identity") else v for k, v in item.items()}
