"""Journey (c), through the console: an auditor finds a social worker's case reads. The reads are made in the
test's setup through the gateway API as that social worker (signed in with its own account: the gateway
names the reader, X-User, from the account; the worker states each read's purpose), since journey (b) of
casework walks the same reads in the console. The auditor, signed in at the city (casework's read audit is
the deployment top's), filters the gateway's audit log by the worker and the action case_read (filtered on
the server), then casework's read audit by the worker, sees exactly the worker's reads with their purposes,
and the hash chain verified. Every page screenshotted (also at 390 px) and checked by axe-core."""

from __future__ import annotations

import secrets
from contextlib import closing
from urllib.parse import quote

import pytest

from .conftest import account
from .console_helpers import browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
PURPOSES = ("入户随访", "督导前复核")


def worker_reads_a_case(platform, gateway, township: str) -> tuple[str, str]:
    """(the worker's username, the case read): a client and a case of the worker's station, read twice."""
    station = gateway.post("/api/stations", json={"name": f"审计旅程站{secrets.token_hex(3)}",
                                                  "tier": "township_station", "area_code": township})
    assert station.status_code == 201, station.text
    station_id = station.json()["station_id"]
    username = f"audited-worker-{secrets.token_hex(3)}"
    with closing(account(platform.gateway_url, username, "social_worker", township)) as worker:
        client = worker.post("/api/clients", json={"station_id": station_id, "name": "审计旅程对象",
                                                   "birth_date": "1950-03-01", "area_code": township})
        assert client.status_code == 201, client.text
        case = worker.post("/api/cases", json={"client_id": client.json()["client_id"], "station_id": station_id,
                                               "area_code": township, "domain": "elderly_care"})
        assert case.status_code == 201, case.text
        case_id = case.json()["case_id"]
        for purpose in PURPOSES:
            read = worker.get(f"/api/cases/{case_id}", headers={"X-Purpose": quote(purpose)})
            assert read.status_code == 200, read.text
    return username, case_id


def cells(cp, label: str) -> list[str]:
    return [c.inner_text().strip() for c in cp.page.query_selector_all(f"#records td[data-label='{label}']")]


def test_an_auditor_finds_a_social_workers_case_reads(platform, gateway, township, console):  # noqa: F811
    worker, case_id = worker_reads_a_case(platform, gateway, township)
    auditor = create_account(platform.gateway_url, "auditor", "510400", prefix="auditor")

    cp = console()
    cp.sign_in(*auditor)
    assert cp.page.url.endswith("/console/audit/gateway") and "站点台账" not in cp.text("#menu")

    # the gateway's log: the worker's case reads, filtered by the server
    cp.fill("#actor", worker)
    cp.select("#action", "case_read")
    cp.click("#apply-filters")
    assert set(cells(cp, "操作人")) == {worker} and len(cells(cp, "操作人")) == len(PURPOSES)
    assert sorted(cells(cp, "目的")) == sorted(PURPOSES)
    assert all(case_id in request for request in cells(cp, "请求"))

    # casework's read audit, by the worker: the same reads, with the chain verified
    cp.click("#menu >> text=个案查阅审计")
    cp.fill("#actor", worker)
    cp.click("#apply-filters")
    assert "哈希链校验通过" in cp.text("#chain-status")
    assert set(cells(cp, "查阅人")) == {worker}
    reads = [purpose for purpose, subject in zip(cells(cp, "目的"), cells(cp, "对象"), strict=True)
             if case_id in subject]
    assert sorted(reads) == sorted(PURPOSES), cp.text("#records")
    assert f"共 {len(cells(cp, '查阅人'))} 条" == cp.text("#total")
