"""`make demo`'s current weeks (issue 15, "each role's pages have something to show"): after the demo year the
demo social worker has open cases overdue, due today and upcoming, the supervisor's queue holds a plan and a
closing, the county's filing queue its unfiled contracts; and none of it is dated in the demo year, whose
notices must not change. The load runs through the real gateway into the real command services, in process."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from localinfra.demo import (
    Driver,
    build_current,
    build_scenario,
    china_today,
    create_demo_accounts,
    demo_accounts,
    demo_station,
    first_page,
)
from localinfra.run import admin_password, local_accounts, local_password, sign_in

PURPOSE = {"X-Purpose": "%E6%B5%8B%E8%AF%95"}  # 测试, percent-encoded as the console sends it


def test_the_current_weeks_lie_after_the_demo_year_and_before_today():
    sc, today = build_scenario(), date(2026, 3, 10)
    current = build_current(sc, today)
    assert current is not None
    days = [d for c in current.cases for d in (c.opened_on, *(on for _, on in c.stages))]
    days += [c.signed_on for c in current.contracts] + [c.received_at.date() for c in current.complaints]
    assert all(date(sc.year, 12, 31) < day <= today for day in days)
    station = demo_station(sc)
    users = {role: name for name, role, _ in demo_accounts(sc)}
    assert {c.station for c in current.cases} == {station.key} and {c.area_code for c in current.cases} == {
        station.area_code}
    assert sorted(c.worker for c in current.cases) == sorted([users["station_operator"]] + [users["social_worker"]] * 6)
    assert all(c.filed_on is None and not c.instalments and c.county == station.county for c in current.contracts)
    assert all(c.handled_at is None for c in current.complaints)
    child = next(c for c in current.cases if c.domain == "child_welfare")
    assert child.guardian_consent_on == child.opened_on  # a minor's case opens with the guardian's consent


@pytest.mark.parametrize("today", [date(2021, 6, 1), date(2022, 1, 1), date(2022, 2, 1)])
def test_a_clock_that_would_date_the_current_weeks_in_the_demo_year_leaves_them_out(today):
    sc = build_scenario()
    assert build_current(sc, today) is None
    said: list[str] = []
    Driver(None, say=said.append).load_current(sc, None)  # type: ignore[arg-type]  # sends nothing
    assert "未加载近期数据" in said[0] and str(sc.year) in said[0]


def signed_in(gateway: TestClient, username: str, password: str) -> TestClient:
    client = TestClient(gateway.app)
    sign_in(client, username, password)
    return client


def test_after_the_demo_load_every_role_has_its_work_waiting(services_gateway):
    gateway, root, sc = services_gateway, services_gateway.root, build_scenario()
    local_accounts(gateway, root)
    admin = signed_in(gateway, "admin", admin_password(root))
    ids = Driver(admin, say=lambda _: None).load(sc)
    current = build_current(sc, china_today())
    assert current is not None  # the layer was loaded: this machine's clock is past the demo year
    sysadmin = signed_in(gateway, "sysadmin", local_password(root, "sysadmin"))
    made = create_demo_accounts(admin, sysadmin, sc, root / "demo-passwords")
    passwords = json.loads((root / "demo-passwords").read_text())
    clients = {name: signed_in(gateway, name, passwords[name]) for name, _, _ in made}
    case_of = {c.key: ids[c.key] for c in current.cases}

    # the social worker's caseload: six open cases, two overdue, one due today, clients' names masked
    caseload = clients["demo-worker"].get("/api/caseload", headers=PURPOSE)
    assert caseload.status_code == 200, caseload.text
    page = caseload.json()
    assert page["total"] == 6 and page["counts"]["due"] == {"overdue": 2, "due_today": 1, "upcoming": 3}
    mine = {case_of[c.key] for c in current.cases if c.worker == "demo-worker"}
    assert {row["case_id"] for row in page["items"]} == mine
    names = {c.client_name for c in current.cases}
    assert all(row["client_name"] not in names and row["client_name"].startswith("演") for row in page["items"])
    assert clients["demo-operator"].get("/api/caseload", headers=PURPOSE).json()["total"] == 1

    # the supervisor's queue holds the plan and the closing
    for kind in ("plan", "closing"):
        case = next(c for c in current.cases if c.stages and c.stages[-1][0] == kind)
        queue = clients["demo-supervisor"].get("/api/approvals", params={"kind": kind, "limit": 200})
        assert queue.status_code == 200, queue.text
        assert case_of[case.key] in {row["case_id"] for row in queue.json()["items"]}, kind

    # the county's filing queue holds its contracts waiting to be filed, for its administrator and funding officer
    waiting = {ids[c.key] for c in current.contracts}
    for name in ("demo-county", "demo-funding"):
        queue = clients[name].get("/api/filing-queue", params={"limit": 200})
        assert queue.status_code == 200, queue.text
        assert waiting <= {row["id"] for row in queue.json()["items"]}, name
    complaints = clients["demo-township"].get("/api/complaints", params={"status": "received"}).json()
    assert complaints["total"] >= 1

    # what the demo prints: every account's first page, each with something on it
    shows = {name: first_page(clients[name], role, area) for name, role, area in made}
    assert shows["demo-worker"] == "我的个案：6 个在办，逾期 2，今日到期 1"
    assert shows["demo-operator"].startswith("我的个案：1 个在办")
    assert shows["demo-supervisor"].startswith("待审批：服务计划 ") and " 0 项" not in shows["demo-supervisor"]
    assert shows["demo-funding"] == f"工作台：{len(waiting)} 份合同待备案"
    assert all(" 0 " not in line and "：0" not in line for line in shows.values()), shows
