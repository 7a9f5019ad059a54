"""The list of archived report versions, as every list of the platform answers (pzh_shared.listing):
filters (area subtree, report, period, a title search), a declared sort, keyset pages behind an opaque
cursor, and the total. The archive is small (a few dozen versions per area and year) and its versions
never change, so the list is computed from the archive's entries rather than kept in a table."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from pzh_shared.areas import within
from pzh_shared.listing import ListError, ListQuery

from reporting.reports.catalogue import BY_SLUG, KINDS

SORTS = ("generated_at", "period", "report")
COLUMNS = [("area_code", "行政区划代码"), ("label", "报表"), ("period", "期间"), ("version", "版本"),
           ("generated_at", "生成时间"), ("title", "标题")]


@dataclass(frozen=True)
class Order:
    column: str
    descending: bool

    @property
    def key(self) -> str:
        return ("-" if self.descending else "") + self.column


def order_of(sort: str | None) -> Order:
    key = sort or "generated_at"
    column = key.removeprefix("-")
    if column not in SORTS:
        raise ListError(f"sort 取值应为 {'、'.join(SORTS)}（前加 - 为倒序）")
    return Order(column, key.startswith("-"))


def _row_key(entry: dict[str, Any], column: str) -> list[Any]:
    """The entry's place in the order: the sort column, then a key unique per version."""
    return [entry.get(column) or "", entry["area_code"], entry["report"], entry["period"], entry["version"]]


def _cursor(order: Order, key: list[Any]) -> str:
    raw = json.dumps([order.key, key], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str, order: Order) -> list[Any]:
    try:
        found, key = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
    except (ValueError, TypeError, binascii.Error):
        raise ListError("cursor 无效：请使用上一页返回的 next_cursor") from None
    if found != order.key or not isinstance(key, list) or len(key) != 5:
        raise ListError("cursor 与排序方式不符：更换排序后请从第一页开始")
    return key


def report_name(name: str) -> str:
    """The archive name of a report given by its URL name or its archive name; ListError if none."""
    if name in BY_SLUG:
        return BY_SLUG[name].name
    if name in KINDS:
        return name
    raise ListError(f"name 取值应为 {'、'.join(BY_SLUG)}")


def matching(entries: list[dict[str, Any]], query: ListQuery) -> list[dict[str, Any]]:
    """The entries the query's filters and search match, in the query's order (with each one's label)."""
    filters = query.filters
    report = report_name(filters["name"]) if filters.get("name") else None
    rows = [{**entry, "label": KINDS[entry["report"]].label} for entry in entries
            if (not filters.get("area") or within(entry["area_code"], filters["area"]))
            and (report is None or entry["report"] == report)
            and (not filters.get("period") or entry["period"] == filters["period"])
            and (not query.q or query.q.strip() in (entry.get("title") or ""))]
    order = order_of(query.sort)
    rows.sort(key=lambda row: _row_key(row, order.column), reverse=order.descending)
    return rows


def page(entries: list[dict[str, Any]], query: ListQuery) -> dict[str, Any]:
    """One page: {"items", "total", "next_cursor"} (None on the last page)."""
    rows = matching(entries, query)
    total = len(rows)
    order = order_of(query.sort)
    if query.cursor:
        after = _after(query.cursor, order)
        if order.descending:
            rows = [row for row in rows if _row_key(row, order.column) < after]
        else:
            rows = [row for row in rows if _row_key(row, order.column) > after]
    items = rows[:query.limit]
    more = len(rows) > query.limit
    next_cursor = _cursor(order, _row_key(items[-1], order.column)) if more and items else None
    return {"items": items, "total": total, "next_cursor": next_cursor}
