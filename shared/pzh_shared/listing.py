"""Lists and search over a service's own aggregates, the one way every service answers "which ones?".

Each list is a table in the service's own database (beside its SQLite event store, or in its PostgreSQL
database), kept by following the service's notification log: before every read the index applies the
notifications stored since its tracking position, so a list shows every command already answered and a
rebuild is a dropped table. Pages are keyset-paginated behind an opaque cursor, with a total count,
sorting on declared keys, filters, a name search, and an XLSX export of the same query.

Personal data never enters an index in clear: a `blind` field holds a keyed hash (HMAC-SHA256) of the
normalised value, so it can be matched exactly but not read, and the page's display fields that are
personal come from the (encrypted) aggregates at read time, in the service."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import logging
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar
from urllib.parse import quote

from fastapi import Depends, Query, Response
from pydantic import BaseModel

from pzh_shared.areas import scope_prefix
from pzh_shared.kurrent import TOPIC as KURRENT_TOPIC
from pzh_shared.sqlite import connect_wal

log = logging.getLogger(__name__)

FieldKind = Literal["text", "int", "bool", "blind"]
# How a field filters: eq (exact), area (the code and everything under it), search (contains), none.
FilterKind = Literal["eq", "area", "search", "none"]
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
EXPORT_CAP = 10_000
CATCH_UP_PAGE = 500  # notifications applied in one transaction


class ListError(ValueError):
    """A query no list can answer (unknown sort key, a cursor of another query); the message is Chinese."""


@dataclass(frozen=True)
class ListField:
    name: str
    kind: FieldKind = "text"
    filter: FilterKind = "eq"
    sortable: bool = False
    label: str = ""  # the column header in an export (Chinese); empty: not exported


@dataclass(frozen=True)
class ListSpec:
    name: str  # the table's name inside the service, e.g. "stations"
    fields: tuple[ListField, ...]
    default_sort: str = "id"

    def field(self, name: str) -> ListField:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


# (list name, row id, row or None to delete it): what one domain event changes.
Update = tuple[str, str, dict[str, Any] | None]
Projector = Callable[[Any], Iterable[Update]]

T = TypeVar("T")


class RecentAggregates:
    """Loads the aggregate an event belongs to, as it is now, keeping the last `size` loaded: a projector asks for
    the aggregate of every notification, and one page often holds many events of one aggregate (a command's
    events come together; every child added to an area is an event of the parent). Reloading the aggregate for
    each would make a page of n such events read n² of them, which with a thousand villages under one township
    took 20 s of catch-up while reads waited. A copy that already has the event's version will do."""

    def __init__(self, get: Callable[[Any], Any], size: int = 512) -> None:
        self._get = get  # the aggregate by id, or None (or an exception) when there is none
        self._size = size
        self._recent: OrderedDict[Any, Any] = OrderedDict()

    def of(self, domain_event: Any) -> Any:
        return self.load(domain_event.originator_id, domain_event.originator_version)

    def load(self, aggregate_id: Any, version: int = 0) -> Any:
        known = self._recent.get(aggregate_id)
        if known is not None and known.version >= version:
            self._recent.move_to_end(aggregate_id)
            return known
        aggregate = self._get(aggregate_id)
        if aggregate is not None:
            self._recent[aggregate_id] = aggregate
            while len(self._recent) > self._size:
                self._recent.popitem(last=False)
        return aggregate


class Page(BaseModel, Generic[T]):
    """One page of a list: its rows, how many match in all, and the cursor of the next page (None: last)."""

    items: list[T]
    total: int
    next_cursor: str | None = None


@dataclass
class ListQuery:
    cursor: str | None = None
    limit: int = DEFAULT_PAGE_SIZE
    sort: str | None = None
    q: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)


def blind(secret: bytes, value: str) -> str:
    """The keyed hash a blind field stores: trimmed, case-folded, inner spaces removed."""
    normal = "".join(str(value).split()).casefold()
    return hmac.new(secret, normal.encode(), hashlib.sha256).hexdigest()


def _encode_cursor(sort: str, value: Any, row_id: str) -> str:
    raw = json.dumps([sort, value, row_id], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        found, value, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise ListError("cursor 无效：请使用上一页返回的 next_cursor") from None
    if found != sort or not isinstance(row_id, str):
        raise ListError("cursor 与排序方式不符：更换排序后请从第一页开始")
    return value, row_id


class _Database:
    """The list tables' connection: SQLite beside the event store, or the service's PostgreSQL database (on
    KurrentDB, the one of its tracking records)."""

    def __init__(self, env: dict[str, str], service: str):
        module = env.get("PERSISTENCE_MODULE", "")
        self.postgres = module in ("eventsourcing.postgres", KURRENT_TOPIC)
        self.prefix = f"{service}_list_"
        self._local = threading.local()
        self._env = env
        if not self.postgres:
            dbname = env.get("SQLITE_DBNAME", "")
            self._path = (
                ":memory:" if not dbname or "memory" in dbname else str(Path(dbname).with_suffix("")) + "-lists.sqlite"
            )
            self._shared: sqlite3.Connection | None = None

    def connect(self) -> Any:
        if self.postgres:
            conn = getattr(self._local, "conn", None)
            if conn is None or conn.closed:
                import psycopg

                e = self._env
                # autocommit: reads hold no transaction open; catch_up opens its own with BEGIN.
                conn = psycopg.connect(
                    host=e["POSTGRES_HOST"],
                    port=int(e["POSTGRES_PORT"]),
                    dbname=e["POSTGRES_DBNAME"],
                    user=e["POSTGRES_USER"],
                    password=e.get("POSTGRES_PASSWORD", ""),
                    connect_timeout=int(e.get("POSTGRES_CONNECT_TIMEOUT", "5")),
                    autocommit=True,
                    # The event store's statement and idle-in-transaction timeouts (pzh_shared.eventstore).
                    options=e.get("POSTGRES_SESSION_OPTIONS") or None,
                )
                self._local.conn = conn
            return conn
        if self._shared is None:
            # One connection shared by the threads of one process (guarded by the index's lock).
            self._shared = connect_wal(self._path, timeout=10)
        return self._shared

    def sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.postgres else text


_SQL_TYPES = {"text": "TEXT", "int": "BIGINT", "bool": "BOOLEAN", "blind": "TEXT"}
# What a NULL sorts as, so that keyset comparisons see one total order.
_EMPTY = {"text": "''", "int": "-1", "bool": "FALSE", "blind": "''"}
_EMPTY_VALUE: dict[str, Any] = {"text": "", "int": -1, "bool": False, "blind": ""}


class ListIndex:
    """The lists of one service application. `project(domain_event)` says which rows an event changes."""

    def __init__(self, app: Any, specs: Sequence[ListSpec], project: Projector, secret: bytes = b""):
        self.app = app
        self.specs = {spec.name: spec for spec in specs}
        self.project = project
        self.secret = secret
        self.db = _Database(dict(app.env), app.name.lower())
        self.position_name = f"{app.name.lower()}-lists"
        self._lock = threading.Lock()
        self._ready = False
        self._keeping: threading.Event | None = None
        self._keeper: threading.Thread | None = None

    def table(self, name: str) -> str:
        return self.db.prefix + name

    def _shape(self) -> int:
        """A fingerprint of the lists' shape (tables, columns, kinds, indexes), as a positive BIGINT."""
        shape = [(spec.name, spec.default_sort, [(f.name, f.kind, f.filter, f.sortable) for f in spec.fields])
                 for spec in sorted(self.specs.values(), key=lambda spec: spec.name)]
        return int.from_bytes(hashlib.sha256(json.dumps(shape).encode()).digest()[:8], "big") >> 1

    def _create(self, cur: Any) -> None:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS " + self.db.prefix + "position (name TEXT PRIMARY KEY, position BIGINT)"
        )
        # The row exists before anyone reads it, so FOR UPDATE always has a row to lock.
        cur.execute(
            self.db.sql(f"INSERT INTO {self.db.prefix}position (name, position) VALUES (?, 0) ON CONFLICT DO NOTHING"),
            (self.position_name,),
        )
        self._rebuild_if_reshaped(cur)
        for spec in self.specs.values():
            columns = ", ".join(f"{f.name} {_SQL_TYPES[f.kind]}" for f in spec.fields)
            table = self.table(spec.name)
            cur.execute(f"CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY, {columns})")
            area = next((f.name for f in spec.fields if f.filter == "area"), None)
            # The default sort key too, so the first page's matches are counted and ordered within the index.
            order = "" if spec.default_sort.lstrip("-") == "id" else f"{spec.default_sort.lstrip('-')}, "
            for f in spec.fields:
                if area and f.filter == "eq" and f.kind != "blind":
                    # A field filter almost always comes with an area (the gateway scopes every list): the
                    # pair is one index range, and counting the matches reads that index only.
                    cur.execute(f"CREATE INDEX IF NOT EXISTS {table}_{f.name}_{area} "
                                f"ON {table} ({f.name}, {area}, {order}id)")
                if f.sortable or f.filter in ("eq", "area"):
                    cur.execute(f"CREATE INDEX IF NOT EXISTS {table}_{f.name} ON {table} ({f.name}, id)")

    def _rebuild_if_reshaped(self, cur: Any) -> None:
        """A list that gained a column (or a list of a new kind) after its tables were filled would fail or stay
        incomplete: when the lists' shape differs from the one recorded beside the position (or none was recorded,
        by a version before this check, over a filled index), the tables are dropped and the position goes back to
        the start, so the next catch-up refills every list from the log."""
        shape_name, shape = f"{self.position_name}#shape", self._shape()
        cur.execute(self.db.sql(f"SELECT name, position FROM {self.db.prefix}position WHERE name IN (?, ?)"),
                    (self.position_name, shape_name))
        found = dict(cur.fetchall())
        recorded = found.get(shape_name)
        if recorded == shape or (recorded is None and not found.get(self.position_name)):
            if recorded is None:
                cur.execute(self.db.sql(f"INSERT INTO {self.db.prefix}position (name, position) VALUES (?, ?)"),
                            (shape_name, shape))
            return
        log.info("%s: the lists changed shape; rebuilding them from the log", self.position_name)
        for spec in self.specs.values():
            cur.execute(f"DROP TABLE IF EXISTS {self.table(spec.name)}")
        cur.execute(self.db.sql(f"UPDATE {self.db.prefix}position SET position = 0 WHERE name = ?"),
                    (self.position_name,))
        cur.execute(self.db.sql(f"DELETE FROM {self.db.prefix}position WHERE name = ?"), (shape_name,))
        cur.execute(self.db.sql(f"INSERT INTO {self.db.prefix}position (name, position) VALUES (?, ?)"),
                    (shape_name, shape))

    def keep_up(self, interval: float = 1.0) -> None:
        """Catches up in a background thread every `interval` seconds (an API does this from its start), so a
        read only applies the last moments' notifications: without it the first list read after a long history
        would replay all of it inside one request."""
        if self._keeping is not None:
            return
        stop = self._keeping = threading.Event()

        def run() -> None:
            while not stop.is_set():
                try:
                    # A page at a time, looking at the stop flag between pages, so stopping waits for one page.
                    while not stop.is_set() and self.catch_up(pages=1) == CATCH_UP_PAGE:
                        pass
                except Exception:  # the store is away or busy: the next round (or the next read) tries again
                    log.debug("list catch-up failed; retrying", exc_info=True)
                stop.wait(interval)

        self._keeper = threading.Thread(target=run, name=f"{self.position_name}-keeper", daemon=True)
        self._keeper.start()

    def stop_keeping(self, timeout: float = 60.0) -> None:
        """Stops the keeper and waits for its page to end: the service closes its store next, and a thread still
        reading a closed SQLite connection crashes the whole process (a segmentation fault, not an exception)."""
        if self._keeping is not None:
            self._keeping.set()
            self._keeping = None
        keeper, self._keeper = self._keeper, None
        if keeper is not None and keeper is not threading.current_thread():
            keeper.join(timeout)

    def catch_up(self, page_size: int = CATCH_UP_PAGE, pages: int | None = None) -> int:
        """Applies the notifications stored since the index's position (at most `pages` pages); returns how
        many it read. The lock is taken per page, so a read waits for one page of the keeper's, not its
        whole backlog."""
        done, page = 0, 0
        while pages is None or page < pages:
            with self._lock:
                moved = self._catch_up_page(self.db.connect(), page_size)
            done += moved
            page += 1
            if moved < page_size:
                break
        return done

    def _read_catch_up(self) -> None:
        """What a read applies first: everything when nobody keeps the index up; with a keeper running, the
        last moments' notifications (what the reader may just have written) but never a long backlog (a bulk
        import being folded), which the keeper works through while reads answer."""
        self.catch_up(pages=None if self._keeping is None else 2)

    def _begin(self, conn: Any) -> Any:
        cur = conn.cursor()
        if self.db.postgres:
            cur.execute("BEGIN")
        else:
            cur.execute("BEGIN IMMEDIATE")
        if not self._ready:
            self._create(cur)
            self._ready = True
        return cur

    def _catch_up_page(self, conn: Any, page_size: int) -> int:
        cur = self._begin(conn)
        try:
            lock = " FOR UPDATE" if self.db.postgres else ""
            cur.execute(
                self.db.sql(f"SELECT position FROM {self.db.prefix}position WHERE name = ?{lock}"),
                (self.position_name,),
            )
            found = cur.fetchone()
            start = int(found[0]) if found else 0
            notifications = self.app.recorder.select_notifications(start, page_size, inclusive_of_start=False)
            for notification in notifications:
                for list_name, row_id, row in self.project(self.app.mapper.to_domain_event(notification)):
                    self._write(cur, list_name, row_id, row)
            if notifications:
                cur.execute(
                    self.db.sql(f"UPDATE {self.db.prefix}position SET position = ? WHERE name = ?"),
                    (notifications[-1].id, self.position_name),
                )
            cur.execute("COMMIT")
            return len(notifications)
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    def _write(self, cur: Any, list_name: str, row_id: str, row: dict[str, Any] | None) -> None:
        spec = self.specs[list_name]
        table = self.table(list_name)
        cur.execute(self.db.sql(f"DELETE FROM {table} WHERE id = ?"), (row_id,))
        if row is None:
            return
        values = [self._stored(f, row.get(f.name)) for f in spec.fields]
        marks = ", ".join("?" for _ in range(len(spec.fields) + 1))
        cur.execute(
            self.db.sql(f"INSERT INTO {table} (id, {', '.join(spec.names)}) VALUES ({marks})"), (row_id, *values)
        )

    def _stored(self, f: ListField, value: Any) -> Any:
        if value is None:
            return None
        if f.kind == "blind":
            return blind(self.secret, value)
        if f.kind == "bool":
            return bool(value)
        if f.kind == "int":
            return int(value)
        return str(value)

    # --- reading ---------------------------------------------------------------------------------

    def _where(self, spec: ListSpec, query: ListQuery) -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for name, value in query.filters.items():
            if value is None or value == "":
                continue
            f = spec.field(name)
            if f.filter == "area":
                # A range, not LIKE 'prefix%': LIKE uses no index (SQLite's is case-insensitive, PostgreSQL's
                # needs the C collation), a range on the same column does. Codes are digits: prefix..prefix+1.
                prefix = scope_prefix(str(value))
                clauses.append(f"({name} >= ? AND {name} < ?)")
                params.extend([prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)] if prefix else ["", "\uffff"])
            elif isinstance(value, list | tuple | set):
                clauses.append(f"{name} IN ({', '.join('?' for _ in value)})")
                params.extend(self._stored(f, v) for v in value)
            else:
                clauses.append(f"{name} = ?")
                params.append(self._stored(f, value))
        if query.q:
            searched = [f.name for f in spec.fields if f.filter == "search"]
            if searched:
                clauses.append("(" + " OR ".join(f"{name} LIKE ?" for name in searched) + ")")
                params.extend(f"%{query.q.strip()}%" for _ in searched)
        return clauses, params

    def _order(self, spec: ListSpec, sort: str | None) -> tuple[str, bool]:
        key = sort or spec.default_sort
        descending = key.startswith("-")
        name = key.removeprefix("-")
        if name != "id":
            try:
                if not spec.field(name).sortable:
                    raise KeyError(name)
            except KeyError:
                allowed = [f.name for f in spec.fields if f.sortable]
                raise ListError(f"sort 取值应为 {'、'.join(allowed + ['id'])}（前加 - 为倒序）") from None
        return name, descending

    def page(self, list_name: str, query: ListQuery) -> Page[dict[str, Any]]:
        """One page of the list; rows are dicts of the spec's fields plus `id` (blind fields left out)."""
        self._read_catch_up()
        with self._lock:  # one SQLite connection per process: reads take turns with catch-up
            return self._page(list_name, query)

    def _page(self, list_name: str, query: ListQuery) -> Page[dict[str, Any]]:
        spec = self.specs[list_name]
        if not 1 <= query.limit <= MAX_PAGE_SIZE:
            raise ListError(f"limit 应在 1 至 {MAX_PAGE_SIZE} 之间")
        column, descending = self._order(spec, query.sort)
        sort_key = ("-" if descending else "") + column
        clauses, params = self._where(spec, query)
        total = self._count(spec, clauses, params)
        if query.cursor:
            value, row_id = _decode_cursor(query.cursor, sort_key)
            after = "<" if descending else ">"
            if column == "id":
                clauses = [*clauses, f"id {after} ?"]
                params = [*params, row_id]
            else:
                # NULLs count as the kind's empty value, in the order and in the cursor alike.
                empty = _EMPTY[spec.field(column).kind]
                key = f"COALESCE({column}, {empty})"
                clauses = [*clauses, f"({key} {after} ? OR ({key} = ? AND id {after} ?))"]
                params = [*params, value, value, row_id]
        rows = self._select(spec, clauses, params, column, descending, query.limit + 1)
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        cursor = None
        if more and rows:
            last = rows[-1]
            value = last["id"] if column == "id" else last.get(column)
            if value is None and column != "id":
                value = _EMPTY_VALUE[spec.field(column).kind]
            cursor = _encode_cursor(sort_key, value, last["id"])
        return Page[dict[str, Any]](items=rows, total=total, next_cursor=cursor)

    def everything(self, list_name: str, query: ListQuery, cap: int = EXPORT_CAP) -> list[dict[str, Any]]:
        """Every row the query matches (for an export), at most `cap`."""
        self._read_catch_up()
        spec = self.specs[list_name]
        column, descending = self._order(spec, query.sort)
        clauses, params = self._where(spec, query)
        with self._lock:
            return self._select(spec, clauses, params, column, descending, cap)

    def _count(self, spec: ListSpec, clauses: list[str], params: list[Any]) -> int:
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        cur = self.db.connect().cursor()
        cur.execute(self.db.sql(f"SELECT COUNT(*) FROM {self.table(spec.name)}{where}"), params)
        return int(cur.fetchone()[0])

    def _select(
        self, spec: ListSpec, clauses: list[str], params: list[Any], column: str, descending: bool, limit: int
    ) -> list[dict[str, Any]]:
        shown = [f for f in spec.fields if f.kind != "blind"]
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        direction = "DESC" if descending else "ASC"
        order = f"id {direction}"
        if column != "id":
            order = f"COALESCE({column}, {_EMPTY[spec.field(column).kind]}) {direction}, {order}"
        names = ", ".join(f.name for f in shown)
        table = self.table(spec.name)
        cur = self.db.connect().cursor()
        # The page's ids first (ordered within an index where one covers filter and sort), then only their rows:
        # many matches are sorted as (key, id) pairs, not as whole rows.
        cur.execute(
            self.db.sql(f"SELECT id, {names} FROM {table} WHERE id IN (SELECT id FROM {table}{where} "
                        f"ORDER BY {order} LIMIT ?) ORDER BY {order}"),
            [*params, limit],
        )
        rows = []
        for record in cur.fetchall():
            row: dict[str, Any] = {"id": record[0]}
            for f, value in zip(shown, record[1:], strict=True):
                row[f.name] = bool(value) if f.kind == "bool" and value is not None else value
            rows.append(row)
        return rows


def xlsx(title: str, columns: Sequence[tuple[str, str]], rows: Iterable[dict[str, Any]]) -> bytes:
    """A 台账 as an XLSX workbook: one sheet named `title`, a header row of Chinese labels, one row each."""
    from openpyxl import Workbook  # type: ignore[import-untyped]  # openpyxl ships no type information

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([label for _, label in columns])
    for row in rows:
        sheet.append([_cell(row.get(name)) for name, _ in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return value
    # A stored text may hold a control character the XLSX format cannot (openpyxl refuses the whole workbook):
    # the 台账 shows it as a space rather than failing the export.
    return _NOT_IN_XLSX.sub(" ", value if isinstance(value, str) else str(value))


_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl's ILLEGAL_CHARACTERS_RE


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the HTTP side: every list route takes the same parameters and answers the same way ---------------


@dataclass
class ListParams:
    cursor: str | None
    limit: int
    sort: str | None
    q: str | None
    format: str

    def query(self, **filters: Any) -> ListQuery:
        return ListQuery(cursor=self.cursor, limit=self.limit, sort=self.sort, q=self.q, filters=filters)


def list_params(
    cursor: Annotated[str | None, Query(max_length=500, description="上一页返回的 next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数")] = DEFAULT_PAGE_SIZE,
    sort: Annotated[str | None, Query(max_length=50, description="排序字段，前加 - 为倒序")] = None,
    q: Annotated[str | None, Query(max_length=100, description="按名称检索")] = None,
    format: Annotated[Literal["json", "xlsx"], Query(description="xlsx：导出台账")] = "json",
) -> ListParams:
    return ListParams(cursor, limit, sort, q, format)


ListParamsDep = Annotated[ListParams, Depends(list_params)]


def list_response(index: ListIndex, list_name: str, params: ListParams, title: str, columns: Sequence[tuple[str, str]],
                  decorate: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
                  **filters: Any) -> Page[dict[str, Any]] | Response:
    """A list route's answer: one page (JSON), or with format=xlsx every matching row as a 台账 workbook.
    `decorate` adds what the index does not keep (e.g. names decrypted from the aggregates)."""
    query = params.query(**filters)
    if params.format == "xlsx":
        rows = index.everything(list_name, query)
        rows = decorate(rows) if decorate else rows
        filename = quote(f"{title}.xlsx")
        return Response(xlsx(title, columns, rows), media_type=XLSX_MEDIA_TYPE,
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})
    page = index.page(list_name, query)
    if decorate:
        page.items = decorate(page.items)
    return page
