"""The authorisation matrix against the whole platform (issue 10, security): real services behind the
gateway, real objects in two counties (东区 510402 and 米易县 510421), every route of the merged OpenAPI
document (`GET /api/openapi.json`) called by every role from both counties.

Expectations come from the gateway's single rule table (gateway/access.py: the route's function, the
roles that have it, root-only routes, area prefixes), never from a second list here:
- a function the role lacks answers 403; a root-only route answers 403 to anyone below the city;
- an object or area of the other county (or no object at all) answers the gateway's uniform 404;
- an in-scope call reaches the service (whatever it answers there, never a 5xx);
- no 2xx answer to a county's principal names anything of the other county (ids, area codes, names),
  whether a single object, a list, a figure, an export or the gateway's account and audit lists.
Reads run for every role with both counties' ids. Mutating routes run once per role, only against
the other county (path ids and body references), so each must be refused before it changes anything.

Named to run after test_quarterly_scenario.py: its objects in 东区 and 米易县 would change that test's counts.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from urllib.parse import quote

import httpx
import pytest
from gateway.access import BODY_REFS, FUNCTIONS, PARAM_KINDS, allowed, match
from gateway.auth import scope_prefix

from .conftest import _used_townships, account, wait_for

CITY = "510400"
COUNTIES = {"A": "510402", "B": "510421"}  # 东区, 米易县
ROLES = sorted({role for roles in FUNCTIONS.values() for role in roles})
TOWNSHIP_ROLES = ("township_admin", "station_operator", "social_worker")
YEAR = 2024  # money and reports of a year no other platform test uses
PURPOSE = {"X-Purpose": quote("授权矩阵核查")}
PARALLEL = 4  # accounts created side by side: each costs the gateway a password hash to create and one to sign in
NOT_FOUND = {"error": {"code": "not_found", "message": "未找到，或不在您的管辖范围内"}}
# The gateway's own read routes and the function each needs (its write routes manage accounts and keys:
# they are tested in services/gateway/tests, not here, so this test creates no accounts but its own).
GATEWAY_READS = {
    "/api/gateway/me": None,
    "/api/gateway/users": "account_list",  # system, security and area administrators
    "/api/gateway/api-keys": "api_key_revoke",  # system and security administrators
    "/api/gateway/audit": "gateway_audit_read",
}
OTHER_PARAMS = {"year": str(YEAR), "source": "welfare_lottery", "item": "sign", "name": "quarterly-notice",
                "period": f"{YEAR}-Q4", "file": "latest.json", "figure": "stations", "item_code": "MZ-01",
                "application_no": "1"}


def other(county: str) -> str:
    return "B" if county == "A" else "A"


def id_number(serial: int) -> str:
    """A well-formed ID number of neither county (仁和区 510411), so it is no marker of either."""
    body = f"510411198503{serial % 28 + 1:02d}{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _created(reply: httpx.Response, key: str) -> str:
    assert reply.status_code == 201, reply.text
    return reply.json()[key]


def build_county(city: httpx.Client, letter: str, run: str) -> dict:
    """A township, a station, a worker assigned to it, a client with a case, a filed contract: all in one county."""
    county = COUNTIES[letter]
    code = random.choice([f"{county}{n:03d}" for n in range(400, 1000) if f"{county}{n:03d}" not in _used_townships])
    _used_townships.add(code)
    name = f"矩阵{letter}{run}"
    assert (
        city.post("/api/areas", json={"code": code, "name": f"{name}镇", "valid_from": "2020-01-01"}).status_code == 201
    )
    station = _created(
        city.post("/api/stations", json={"name": f"{name}站", "tier": "township_station", "area_code": code}),
        "station_id",
    )
    worker = _created(
        city.post(
            "/api/workers",
            json={
                "name": f"{name}社工",
                "id_number": id_number(random.randrange(1000)),
                "phone": f"1370000{random.randrange(10000):04d}",
            },
        ),
        "worker_id",
    )
    assigned = city.post(f"/api/workers/{worker}/assignment", json={"station_id": station, "employment": "full_time"})
    assert assigned.status_code in (200, 201), assigned.text
    client = _created(
        city.post("/api/clients", json={"station_id": station, "name": f"{name}服务对象", "birth_date": "1950-03-01"}),
        "client_id",
    )
    case = _created(city.post("/api/cases", json={"client_id": client, "station_id": station, "area_code": code,
                                                  "domain": "elderly_care"}), "case_id")
    budget = city.post(
        "/api/sources", json={"area_code": county, "year": YEAR, "source": "welfare_lottery", "amount": "50000.00"}
    )
    assert budget.status_code in (200, 201), budget.text
    contract = _created(
        city.post(
            "/api/contracts",
            json={
                "purchaser": "civil_affairs",
                "provider_agency": f"{name}社会工作服务中心",
                "station_ids": [station],
                "area_code": county,
                "service_items": ["留守老人关爱"],
                "amount": "20000.00",
                "period_start": f"{YEAR}-01-01",
                "period_end": f"{YEAR}-12-31",
                "sources": [{"source": "welfare_lottery", "amount": "20000.00"}],
            },
        ),
        "contract_id",
    )
    filed = city.post(f"/api/contracts/{contract}/filing", json={})
    assert filed.status_code in (200, 201), filed.text
    return {"county": county, "township": code, "name": name,
            "ids": {"station": station, "worker": worker, "client": client, "case": case, "contract": contract},
            # where each object lies, as the gateway learns it (station's area; the worker's station; the case's area)
            "areas": {"station": code, "worker": code, "client": code, "case": code, "contract": county}}


@pytest.fixture(scope="module")
def matrix(platform):
    run = uuid.uuid4().hex[:6]
    with ExitStack() as stack:
        city = stack.enter_context(closing(account(platform.gateway_url, f"matrix-{run}-city", "city_admin", CITY)))
        doc = wait_for(
            lambda: (d := city.get("/api/openapi.json").json()) and "x-unavailable-services" not in d["info"] and d,
            timeout=120,
        )
        world = {letter: build_county(city, letter, run) for letter in COUNTIES}
        report = city.post(f"/api/read-models/reports/quarterly-notice/{YEAR}-Q4")
        assert report.status_code == 201, report.text
        # casework hears of the contracts from funding.events
        # (GET /api/casework/contracts/{id} is a route of the matrix)
        for county in world.values():
            contract = county["ids"]["contract"]
            wait_for(lambda c=contract: city.get(f"/api/casework/contracts/{c}").status_code == 200, timeout=60)
        places = [(role, county["county"], letter) for letter, county in world.items() for role in ROLES] + [
            (role, county["township"], letter) for letter, county in world.items() for role in TOWNSHIP_ROLES
        ]
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            clients = list(pool.map(
                lambda place: account(platform.gateway_url, f"matrix-{run}-{place[0]}-{place[1]}", place[0], place[1]),
                places))
        principals = [(f"{role}@{area}", role, area, letter, stack.enter_context(closing(client)))
                      for (role, area, letter), client in zip(places, clients, strict=True)]
        yield doc, world, principals


def operations(doc: dict) -> list[tuple[str, str, dict]]:
    return [(method.upper(), path, op) for path, item in doc["paths"].items() for method, op in item.items()
            if path.startswith("/api/") and method in ("get", "post", "put", "patch", "delete")]


def fill(path: str, operation: dict, county: dict) -> tuple[str, set[str]]:
    """The path with `county`'s objects and areas, and the areas it touches ("?" for an object that does not exist)."""
    enums = {
        p["name"]: (p.get("schema") or {}).get("enum") for p in operation.get("parameters", []) if p.get("in") == "path"
    }
    touched = set()
    for name in re.findall(r"\{(\w+)\}", path):
        kind = PARAM_KINDS.get(name)
        if kind == "area":
            value = county["township"] if name == "code" else county["county"]
            touched.add(value)
        elif kind in county["ids"]:
            value = county["ids"][kind]
            touched.add(county["areas"][kind])
        elif kind or name == "referral_id":
            value = str(uuid.uuid4())  # a kind this test creates none of: no such object, so no area to be in
            touched.add("?")
        else:
            value = str(enums[name][0]) if enums.get(name) else OTHER_PARAMS[name]
        path = path.replace(f"{{{name}}}", quote(value, safe=""))
    assert "{" not in path, f"a path parameter this test cannot fill: {path}"
    return path, touched


def body_for(county: dict) -> tuple[dict, set[str]]:
    """A body whose every area reference names `county` (so a principal of the other county must be refused)."""
    body: dict = {"name": "x", "code": county["township"], "into": county["township"]}
    for name, kind in BODY_REFS.items():
        value = county["county"] if kind == "area" else county["ids"].get(kind, str(uuid.uuid4()))
        body[name] = [value] if name == "station_ids" else value
    return body, {county["county"], county["township"]}


def expected(function: str | None, root_only: bool, role: str, area: str, touched: set[str]) -> int:
    """The rule of gateway/access.py and app.py's scope(): 403 without the function or below the city on a
    root-only route, 404 for anything outside the area prefix, else the call reaches the service (200)."""
    if function and not allowed(role, function):
        return 403
    if root_only:
        return 200 if "5104".startswith(scope_prefix(area)) else 403
    return 200 if all(t.startswith(scope_prefix(area)) for t in touched) else 404


def markers(county: dict) -> list[str]:
    return [*county["ids"].values(), county["township"], county["county"], county["name"]]


# Every route of the document times every role and both counties: thousands of calls, more with each new route
# (the default 300 s was reached on the shared 2-core machine once the service-item, guidance, duplicates and
# dossier routes came). The timeout only bounds a hang.
@pytest.mark.timeout(900)
def test_every_route_with_every_role_from_two_counties_on_the_platform(matrix, record_property):
    doc, world, principals = matrix
    failures: list[str] = []
    calls = denied_403 = denied_404 = reached = 0
    ops = operations(doc)
    assert len(ops) > 60, "the merged document lacks most routes"
    for method, template, operation in ops:
        if template.startswith("/api/gateway/"):
            if method != "GET" or template not in GATEWAY_READS:
                continue  # sign-in, sign-out, account and key management: services/gateway/tests
            function, root_only = GATEWAY_READS[template], False
        for label, role, area, letter, client in principals:
            # reads: with the other county's ids and (as a control) with the own; writes: the other county's only
            targets = (other(letter), letter) if method == "GET" else (other(letter),)
            for target in targets:
                county = world[target]
                if template.startswith("/api/gateway/"):
                    path, touched = template, set()
                else:
                    path, touched = fill(template, operation, county)
                    route, _ = match(method, path.removeprefix("/api"))
                    assert route is not None, f"{method} {template} is published but has no rule in gateway/access.py"
                    function, root_only = route.function, route.root_only
                body = None
                if method != "GET":
                    body, body_areas = body_for(county)
                    touched |= body_areas
                want = expected(function, root_only, role, area, touched)
                if method != "GET" and want == 200:
                    failures.append(
                        f"{label} {method} {path}: this test would change the other county's data (rule table?)"
                    )
                    continue
                reply = client.request(method, path, json=body, headers=PURPOSE)
                calls += 1
                status = reply.status_code
                where = f"{label} {method} {path} (county {target})"
                if status >= 500:
                    failures.append(f"{where}: {status} {reply.text[:200]}")
                elif want == 403:
                    denied_403 += 1
                    if status != 403:
                        failures.append(f"{where}: {status}, expected 403 {reply.text[:120]}")
                elif want == 404:
                    denied_404 += 1
                    if status != 404 or reply.json() != NOT_FOUND:
                        failures.append(f"{where}: {status} {reply.text[:120]}, expected the gateway's uniform 404")
                else:
                    reached += 1
                    if status in (401, 403) or (status == 404 and reply.json() == NOT_FOUND):
                        failures.append(f"{where}: {status}, expected to reach the service {reply.text[:120]}")
                if 200 <= status < 300:
                    text = (
                        reply.text
                        if "json" in reply.headers.get("content-type", "")
                        else reply.content.decode("utf-8", "replace")
                    )
                    text = json.dumps(json.loads(text), ensure_ascii=False) if text.startswith(("{", "[")) else text
                    # the gateway's audit list shows what this county's accounts asked for, the other county's
                    # ids and codes in refused paths included: only its names would be a leak there
                    found = (
                        markers(world[other(letter)])[-1:]
                        if template == "/api/gateway/audit"
                        else markers(world[other(letter)])
                    )
                    leaked = [m for m in found if m in text]
                    if leaked:
                        failures.append(f"{where}: the answer names the other county's {leaked}")
    record_property(
        "reliability",
        {
            "routes": len(ops),
            "principals": len(principals),
            "calls": calls,
            "403": denied_403,
            "404": denied_404,
            "reached service": reached,
            "failures": len(failures),
        },
    )
    assert not failures, f"{len(failures)} cells differ from the rule table:\n" + "\n".join(failures[:80])


def list_routes(doc: dict, county: dict) -> list[tuple[str, str, dict]]:
    """Every list or search of the merged document whose rule says so (`lists=True`), whichever services have one."""
    found = []
    for method, template, operation in operations(doc):
        if not template.startswith("/api/gateway/"):
            route, _ = match(method, fill(template, operation, county)[0].removeprefix("/api"))
            if route is not None and route.lists:
                found.append((method, template, operation))
    return found


def every_page(client: httpx.Client, method: str, path: str, body: dict | None, **params: str) -> tuple[int, list]:
    """The status of a list's first page and every item of its pages (the cursor followed to the end)."""
    items: list = []
    cursor = None
    for _ in range(200):
        reply = client.request(method, path, params={**params, **({"cursor": cursor} if cursor else {})}, json=body,
                               headers=PURPOSE)
        if reply.status_code != 200 or not isinstance(reply.json(), dict):
            return reply.status_code, items
        items += reply.json().get("items", [])
        if not (cursor := reply.json().get("next_cursor")):
            return 200, items
    raise AssertionError(f"{path}: the cursor never ends")


def exported_text(reply: httpx.Response) -> str:
    """Every cell of an XLSX export, as one text."""
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(reply.content), read_only=True)
    rows = (row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    return "\n".join(str(cell) for row in rows for cell in row)


def _check_list(client: httpx.Client, method: str, path: str, role_area: str, county: dict, theirs: dict) -> list[str]:
    """One principal's list: only items of its area on every page, nothing of the other county in it or in its
    export, and the uniform 404 for the other county's area (a query parameter, or a search body's area_code)."""
    failures = []
    body = None if method == "GET" else {"by": "name", "value": f"{county['name']}服务对象", "area_code": role_area}
    status, items = every_page(client, method, path, body, limit="200")
    if status >= 500 or status in (401, 403) or status == 404:
        failures.append(f"{path}: {status} for its own area")
    outside = [i.get("area_code") for i in items if isinstance(i, dict) and isinstance(i.get("area_code"), str)
               and not i["area_code"].startswith(scope_prefix(role_area))]
    leaked = [m for m in markers(theirs) if m in json.dumps(items, ensure_ascii=False)]
    if outside or leaked:
        failures.append(f"{path}: items of areas {outside[:5]}, naming the other county's {leaked}")
    if method == "GET":
        export = client.get(path, params={"format": "xlsx"})
        if export.status_code == 200 and "spreadsheet" in export.headers.get("content-type", ""):
            leaked = [m for m in markers(theirs) if m in exported_text(export)]
            if leaked:
                failures.append(f"{path}?format=xlsx names the other county's {leaked}")
        elif export.status_code == 403 and "须经第二人审批" in export.text:
            pass  # a list of people: its export needs a second approver (services/gateway/tests/test_bulk_export.py)
        elif export.status_code >= 500 or export.status_code in (401, 403, 404):
            failures.append(f"{path}?format=xlsx: {export.status_code} {export.text[:120]}")
        refused = client.get(path, params={"area": theirs["county"]}, headers=PURPOSE)
    else:
        refused = client.post(path, json={**(body or {}), "area_code": theirs["county"]}, headers=PURPOSE)
    if refused.status_code != 404 or refused.json() != NOT_FOUND:
        failures.append(f"{path} for the other county: {refused.status_code} {refused.text[:120]}, expected 404")
    return failures


@pytest.mark.timeout(900)
def test_every_list_shows_a_principal_only_its_own_area_on_the_platform(matrix, record_property):
    """Generated from the route table: each list or search, for each principal with its function, page by page."""
    doc, world, principals = matrix
    lists = list_routes(doc, world["A"])
    assert lists, "the merged document has no list route"
    failures: list[str] = []
    checked = 0
    for method, template, operation in lists:
        for label, role, area, letter, client in principals:
            path, touched = fill(template, operation, world[letter])
            route, _ = match(method, path.removeprefix("/api"))
            assert route is not None
            if not allowed(role, route.function) or route.root_only or "?" in touched \
                    or not all(t.startswith(scope_prefix(area)) for t in touched):
                continue
            checked += 1
            failures += [f"{label} {method} {failure}" for failure in
                         _check_list(client, method, path, area, world[letter], world[other(letter)])]
    record_property("reliability", {"list routes": len(lists), "lists checked": checked, "failures": len(failures)})
    assert not failures, f"{len(failures)} list cells leak or refuse wrongly:\n" + "\n".join(failures[:80])


def test_a_county_system_admin_lists_only_its_own_county_accounts(matrix):
    """Found by the matrix: a system admin of a county used to list every account of the deployment."""
    _, world, principals = matrix
    for label, role, _area, letter, client in principals:
        if role == "system_admin":
            reply = client.get("/api/gateway/users")
            assert reply.status_code == 200, reply.text
            theirs = {u["area_code"] for u in reply.json()["users"]}
            assert all(code.startswith(world[letter]["county"]) for code in theirs), (
                f"{label} sees accounts of {sorted(theirs)}"
            )
