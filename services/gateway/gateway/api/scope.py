"""The area scope of a forwarded request (access.py's scope rule): the area of every area code and
object the request names, from the owning service or else the gateway's ownership index, each looked
up once per request."""

from __future__ import annotations

from enum import Enum
from typing import Any
from urllib.parse import quote

import httpx

from gateway.access import BODY_REFS, OBJECT_SOURCES, PARAM_KINDS, Route
from gateway.adapters.store import GatewayStore
from gateway.adapters.upstream import Upstream
from gateway.api.errors import forbidden, not_found, upstream_unavailable
from gateway.auth import Principal


class Lookup(Enum):
    NOT_FOUND = "not_found"  # the object does not exist (answered like an out-of-scope one)
    UNCHECKED = "unchecked"  # a malformed id: no object can have it, the service answers


# An area code; a Lookup; or None: no area known (a city-level object).
Area = str | Lookup | None


class ScopeResolver:
    """One request's scope check for `principal`; `root_prefix` is the deployment's top area."""

    def __init__(self, upstreams: dict[str, Upstream], store: GatewayStore, root_prefix: str, principal: Principal):
        self.upstreams, self.store, self.principal = upstreams, store, principal
        self.is_root = root_prefix.startswith(principal.prefix)
        self._cache: dict[tuple[str, str], Area] = {}
        # what the owning services showed of each object fetched for the check (api/duties.py reads a contract's)
        self.fetched: dict[tuple[str, str], dict[str, Any]] = {}

    async def target(self, route: Route, params: dict[str, str], body: Any) -> str | None:
        """Raises Denied unless everything the request touches lies under the principal's area;
        returns the request's target area (the first area found)."""
        if route.root_only and not self.is_root:
            raise forbidden("此功能仅对市级账户开放")
        refs = [(kind, value) for name, value in params.items() if (kind := PARAM_KINDS.get(name))]
        target: str | None = None
        for kind, value in refs + self._body_refs(route, body):
            area = await self.check(kind, value)  # every reference is checked, the first area is the target
            target = target or area
        return target

    async def list_scope(self, query: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], str | None]:
        """A list's query as forwarded, and its target area: its `area` (the principal's own area when absent or
        empty) must lie within the principal's area, and every parameter naming an object is checked like a path
        parameter; Denied (404) otherwise."""
        query = [(name, value) for name, value in query if name != "area" or value]
        if not any(name == "area" for name, _ in query):
            query.append(("area", self.principal.area_code))
        target: str | None = None
        for name, value in query:
            kind = "area" if name == "area" else PARAM_KINDS.get(name)
            if kind:
                area = await self.check(kind, value)
                target = target or area
        return query, target

    @staticmethod
    def _body_refs(route: Route, body: Any) -> list[tuple[str, Any]]:
        """(kind, value) of every area or object the JSON body names."""
        if not isinstance(body, dict):
            return []
        refs = dict(BODY_REFS)
        if route.creates == "area":
            refs["code"] = "area"
        if route.body_into:
            refs["into"] = route.body_into
        found: list[tuple[str, Any]] = []
        for name, kind in refs.items():
            if name in body:
                values = body[name] if isinstance(body[name], list) else [body[name]]
                found += [(kind, value) for value in values]
        return found

    async def check(self, kind: str, value: Any) -> str | None:
        """The area of what `value` names, if the principal covers it; else Denied (404)."""
        area = await self.area_of(kind, value)
        if area is Lookup.UNCHECKED:
            return None
        if area is None:  # no area known: a city-level object
            if not self.is_root:
                raise not_found()
            return None
        if area is Lookup.NOT_FOUND or not self.principal.covers(area):
            raise not_found()
        return area

    async def area_of(self, kind: str, value: Any) -> Area:
        if not isinstance(value, str) or not value:
            return Lookup.UNCHECKED
        if kind == "area":
            return value
        key = (kind, value)
        if key not in self._cache:
            found = await self._from_service(kind, value)
            self._cache[key] = self.store.owner(kind, value) if found is None else found
        return self._cache[key]

    async def _from_service(self, kind: str, object_id: str) -> Area:
        """What the owning service shows of the object's area (None: it shows none, or it has no source)."""
        source = OBJECT_SOURCES.get(kind)
        if not source:
            return None
        status, data = await self._fetch_json(source[0], source[1].format(id=quote(object_id, safe="")))
        if status == 404:
            return Lookup.NOT_FOUND
        if status == 422:
            return Lookup.UNCHECKED
        if status >= 500:
            raise upstream_unavailable()
        if isinstance(data, dict):
            self.fetched[(kind, object_id)] = data
            if isinstance(data.get("area_code"), str):
                return str(data["area_code"])
            station = data.get("station_id") or data.get("host_station_id")
            if kind != "station" and isinstance(station, str):
                return await self.area_of("station", station)
        return None

    async def _fetch_json(self, service: str, path: str) -> tuple[int, Any]:
        try:
            reply = await self.upstreams[service].client.get(path)
        except httpx.HTTPError:
            raise upstream_unavailable(service) from None
        try:
            return reply.status_code, reply.json()
        except ValueError:
            return reply.status_code, None

