"""Two (or more) disbursements racing for the last headroom of the 3% cap, as real concurrent HTTP
requests against a uvicorn server, on SQLite and on PostgreSQL: exactly one of the two succeeds, the
other gets 409 (its save collided on the area's cap ledger) or 422, and the stored total never
exceeds the cap.

The first test makes the race certain: both requests have read the cap ledger and passed every
check before either saves (a barrier inside `save`), so only the event store can stop the second."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import httpx
import pytest
import uvicorn
from funding.api.app import create_app
from funding.application.service import FundingApplication
from funding.settings import FundingSettings
from pzh_shared.eventstore import make_application

AREA = "510421"  # 米易县
CAP = Decimal("3000.00")  # 3% of 100,000.00


class RacingFunding(FundingApplication):
    """Holds every save of a disbursement at a barrier while a race is on."""

    barrier: threading.Barrier | None = None

    def save(self, *objs, **kwargs):
        if self.barrier is not None and len(objs) > 1:
            self.barrier.wait(timeout=20)
        return super().save(*objs, **kwargs)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, application: FundingApplication):
        self.port = _free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(create_app(application), host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(20)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request, tmp_path):
    if request.param == "sqlite":
        return FundingSettings(data_dir=tmp_path)
    import psycopg

    pg = request.getfixturevalue("postgres_server")
    dbname = f"funding_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    return FundingSettings(event_store="postgres", postgres_host=pg.host, postgres_port=pg.port, postgres_dbname=dbname,
                           postgres_user=pg.user, postgres_password=pg.password, data_dir=tmp_path)


@pytest.fixture
def application(settings):
    application = make_application(RacingFunding, settings)
    application.budget_source(AREA, 2021, "social_assistance", Decimal("1000000.00"), date(2021, 1, 4))
    application.record_hardship_spending(AREA, 2020, Decimal("100000.00"), date(2021, 1, 8))
    yield application
    application.close()


def _contracts(application: FundingApplication, n: int, amount: str) -> list[str]:
    ids = []
    for i in range(n):
        cid = application.sign_contract(
            "civil_affairs",
            f"承接机构{i}",
            [str(uuid.uuid4())],
            f"{AREA}10{i % 10}",
            ["社会救助服务"],
            Decimal(amount),
            date(2021, 2, 1),
            date(2021, 12, 31),
            [("social_assistance", amount)],
            date(2021, 1, 20),
        )
        application.file_contract(cid, date(2021, 1, 25))
        ids.append(str(cid))
    return ids


def _race(base: str, contract_ids: list[str], amount: str) -> list[httpx.Response]:
    def pay(cid: str) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=60) as client:
            return client.post(
                f"/contracts/{cid}/disbursements", json={"amount": amount, "milestone": "全额", "paid_on": "2021-03-01"}
            )

    with ThreadPoolExecutor(len(contract_ids)) as pool:
        return list(pool.map(pay, contract_ids))


def _stored_total(application: FundingApplication) -> Decimal:
    contracts = [
        application.contract(n.originator_id)
        for n in application.recorder.select_notifications(0, 10_000, inclusive_of_start=False)
        if n.topic.endswith("Contract.Signed")
    ]
    return sum((c.paid for c in contracts), Decimal("0.00"))


def test_two_disbursements_racing_for_the_last_headroom(application):
    first, second = _contracts(application, 2, "2000.00")
    application.disburse(
        _contracts(application, 1, "1000.00")[0], Decimal("1000.00"), date(2021, 2, 15), "全额"
    )  # headroom left: 2,000.00
    application.barrier = threading.Barrier(2)
    with Server(application) as base:
        replies = _race(base, [first, second], "2000.00")
    application.barrier = None
    statuses = sorted(r.status_code for r in replies)
    assert statuses[0] == 201 and statuses[1] in (409, 422), [r.text for r in replies]
    loser = next(r for r in replies if r.status_code != 201).json()["error"]
    assert loser["code"] in ("concurrent_change", "assistance_cap_exceeded")
    headroom = application.headroom(AREA, 2021)
    assert headroom.used == CAP and headroom.headroom == Decimal("0.00")
    assert _stored_total(application) == CAP <= headroom.cap
    assert application.budget(AREA, 2021, "social_assistance").drawn == CAP


def test_many_disbursements_racing_never_pass_the_cap(application):
    contract_ids = _contracts(application, 8, "700.00")
    with Server(application) as base:
        replies = _race(base, contract_ids, "700.00")
    statuses = [r.status_code for r in replies]
    assert set(statuses) <= {201, 409, 422}, [r.text for r in replies if r.status_code not in (201, 409, 422)]
    paid = Decimal("700.00") * statuses.count(201)
    headroom = application.headroom(AREA, 2021)
    assert 1 <= statuses.count(201) <= 4
    assert headroom.used == paid == _stored_total(application) and paid <= CAP
