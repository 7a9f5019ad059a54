"""A stand-in for the five services, for the gateway's tests: a world of two counties, each with one
object of every kind, answered by an httpx MockTransport the way the real services answer."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pzh_shared.areas import scope_prefix

from gateway.access import OBJECT_SOURCES
from gateway.adapters.store import GatewayStore
from gateway.settings import GatewaySettings

# Two counties and a township in each, under the deployment's default top area (the accounts the tests make
# at that area see both): derived from the setting, so no city is written here.
CITY: str = GatewaySettings.model_fields["city_area_code"].default
COUNTIES = {"A": f"{CITY[:4]}21", "B": f"{CITY[:4]}22"}
TOWNSHIPS = {county: f"{code}100" for county, code in COUNTIES.items()}
# kinds whose area the gateway learns only from its ownership index
INDEXED_KINDS = ("client", "case")
IDENTITY = {"name": "王小明", "id_number": f"{COUNTIES['A']}195003011234", "phone": "13800000011",
            "address": "某县某村", "birth_date": "1950-03-01"}
# What an administrator sees of IDENTITY's ID number (gateway.masking: its first 6 and last 4 characters).
MASKED_ID_NUMBER = f"{IDENTITY['id_number'][:6]}********{IDENTITY['id_number'][-4:]}"


def _id(county: str, kind: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pzh-test/{county}/{kind}"))


# A collection the stand-in lists (GET /stations, ...: the object routes without their id) -> its kind.
COLLECTIONS = {template.removesuffix("/{id}"): kind for kind, (_, template) in OBJECT_SOURCES.items()}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    objects: dict[str, dict[str, str]] = field(default_factory=dict)  # county -> kind -> id
    requests: list[httpx.Request] = field(default_factory=list)
    # A broken service for the tests: its lists answer every county's items whatever `area` asks.
    lists_ignore_area: bool = False

    def __post_init__(self) -> None:
        for county in COUNTIES:
            self.objects[county] = {kind: _id(county, kind) for kind in (*OBJECT_SOURCES, *INDEXED_KINDS)}

    def id(self, county: str, kind: str) -> str:
        return self.objects[county][kind]

    def find(self, object_id: str) -> tuple[str, str] | None:
        for county, kinds in self.objects.items():
            for kind, oid in kinds.items():
                if oid == object_id:
                    return county, kind
        return None

    def view(self, county: str, kind: str) -> dict[str, str]:
        body: dict[str, str] = {f"{kind}_id": self.id(county, kind)}
        if kind in ("station", "contract", "plan"):
            body["area_code"] = TOWNSHIPS[county] if kind == "station" else COUNTIES[county]
        elif kind == "organisation":
            body["host_station_id"] = self.id(county, "station")
        elif kind != "intern":
            body["station_id"] = self.id(county, "station")
        return body

    def area(self, county: str, kind: str) -> str:
        return COUNTIES[county] if kind in ("contract", "plan") else TOWNSHIPS[county]

    def rows(self, kind: str, area: str | None) -> list[dict[str, str]]:
        """A list's rows: one per county and kind, under `area` (every county's when None), in a fixed order."""
        found = [{**self.view(county, kind), "area_code": self.area(county, kind)} for county in COUNTIES]
        if area is not None and not self.lists_ignore_area:
            found = [row for row in found if row["area_code"].startswith(scope_prefix(area))]
        return found

    def listing(self, rows: list[dict[str, str]], query: httpx.QueryParams) -> httpx.Response:
        """A page as the services answer it ({items, total, next_cursor}; the cursor an offset), or an XLSX export."""
        if query.get("format") == "xlsx":
            return httpx.Response(200, content=b"PK\x03\x04 stand-in workbook", headers={
                "content-type": XLSX_TYPE, "content-disposition": "attachment; filename*=UTF-8''list.xlsx"})
        start, limit = int(query.get("cursor") or 0), int(query.get("limit") or 50)
        more = start + limit < len(rows)
        page = {"items": rows[start:start + limit], "total": len(rows),
                "next_cursor": str(start + limit) if more else None}
        return httpx.Response(200, json=page)

    def seed_index(self, store: GatewayStore) -> None:
        """What the gateway would have recorded had these objects been created through it."""
        for county in COUNTIES:
            for kind in (*INDEXED_KINDS, "intern"):
                store.set_owner(kind, self.id(county, kind), TOWNSHIPS[county])

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        """A subclass's own answer to a request, or None for the world's usual one."""
        return None

    def handler(self, request: httpx.Request) -> httpx.Response:
        answer = self.answer(request)
        self.requests.append(request)
        if answer is not None:
            return answer
        path = request.url.path
        if request.method == "GET" and path in COLLECTIONS:
            return self.listing(self.rows(COLLECTIONS[path], request.url.params.get("area")), request.url.params)
        if request.method == "POST" and path == "/clients/search":  # a body search: its area is the body's
            body = json.loads(request.content or b"{}")
            rows = [{**row, "identity": dict(IDENTITY)} for row in self.rows("client", body.get("area_code"))]
            return self.listing(rows, request.url.params)
        if request.method == "GET":
            for kind, (_, template) in OBJECT_SOURCES.items():
                pattern = "^" + re.escape(template).replace(re.escape("{id}"), "([^/]+)") + "$"
                found = re.match(pattern, path)
                if found:
                    object_id = found.group(1)
                    try:
                        uuid.UUID(object_id)
                    except ValueError:
                        return httpx.Response(422, json={"error": {"code": "invalid_request", "message": "应为 UUID"}})
                    where = self.find(object_id)
                    if where is None or where[1] != kind:
                        return httpx.Response(404, json={"error": {"code": "not_found", "message": "未找到"}})
                    return httpx.Response(200, json=self.view(where[0], kind))
        if request.method == "POST" and path.count("/") == 1 and path != "/areas":
            kind = {"project-plans": "plan", "agencies": "agency"}.get(path[1:], path[1:].rstrip("s"))
            return httpx.Response(201, json={f"{kind}_id": str(uuid.uuid4())})
        echo = {"ok": True, "method": request.method, "path": path, "x_user": request.headers.get("x-user")}
        if path.startswith("/cases/"):
            where = self.find(path.split("/")[2])
            if where:
                echo["area_code"] = TOWNSHIPS[where[0]]
        if request.method == "GET" and re.match(r"^/(cases|clients)/[^/]+(/export)?$", path):
            echo["client" if path.startswith("/cases") else "identity"] = dict(IDENTITY)
        return httpx.Response(200, content=json.dumps(echo).encode(), headers={"content-type": "application/json"})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, start: float | None = None):
        import time

        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


SECRET = "test-secret-" + "s" * 40
ADMIN_PASSWORD = "bootstrap-password-1"
PASSWORD = "account-password-1"


def make_settings(data_dir: Path, **overrides: Any) -> GatewaySettings:
    # The matrix tests send thousands of requests per account: rate limiting is tested on its own.
    values = {"data_dir": data_dir, "jwt_secret": SECRET, "bootstrap_admin_password": ADMIN_PASSWORD,
              "rate_limit_per_minute": 1_000_000, **overrides}
    return GatewaySettings(**values)


def make_app(data_dir: Path, world: World | None = None, clock: Clock | None = None,
             **overrides: Any) -> tuple[FastAPI, World, Clock]:
    """(app, world, clock): the gateway on the stand-in services, the ownership index seeded."""
    from gateway.api.app import create_app

    world = world or World()
    clock = clock or Clock()
    app = create_app(make_settings(data_dir, **overrides), transport=world.transport(), clock=clock)
    world.seed_index(app.state.store)
    return app, world, clock


def login(client: TestClient, username: str, password: str) -> dict[str, str]:
    reply = client.post("/api/gateway/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def add_account(client: TestClient, admin_headers: dict[str, str], username: str, role: str,
                area_code: str) -> dict[str, str]:
    account = {"username": username, "password": PASSWORD, "role": role, "area_code": area_code}
    reply = client.post("/api/gateway/users", json=account, headers=admin_headers)
    assert reply.status_code == 201, reply.text
    return login(client, username, PASSWORD)
