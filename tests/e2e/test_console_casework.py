"""Journey (b), through the console only: a social worker searches for a child (none found), registers her
with her guardian's consent, opens a case with a purpose, and walks it through the six stages; the supervisor
finds the plan and then the closing in the approval queue and approves them; the worker closes the case. The
worker finds the case by the caseload and the supervisor by the queue, never by a typed id. Every page is
screenshotted and checked by axe-core (console_helpers), at desk width and the caseload on a phone."""

from __future__ import annotations

import random
import secrets
from datetime import date

import pytest

from .console_helpers import browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
PURPOSE = "个案跟进服务"


def id_number(birth: date) -> str:
    """A well-formed resident ID number (GB 11643 check digit) for a child born on `birth`."""
    body = f"510421{birth:%Y%m%d}{random.randint(100, 999)}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def open_station(gateway, township: str) -> str:
    """The station the worker works in (set up through the API: the county administrator's journey is (a))."""
    name = f"个案旅程站{secrets.token_hex(3)}"
    reply = gateway.post("/api/stations", json={"name": name, "tier": "township_station", "area_code": township})
    assert reply.status_code == 201, reply.text
    return name


def open_case_file(cp) -> None:
    """From the caseload to the worker's one case, stating the purpose the read is audited with."""
    cp.goto("/console/caseload")
    cp.click("#caseload a.open-case")
    cp.fill("#purpose", PURPOSE)
    cp.click("#open-file")


def advance(cp, *stages: str) -> None:
    for stage in stages:
        cp.click("#advance")
        assert "已进入下一阶段" in cp.text("#notice") and cp.text("#case-stage") == stage


def approve(pages, who: str, credentials: tuple[str, str], what: str) -> None:
    sp = pages(who=who)
    sp.sign_in(*credentials)
    assert sp.page.url.endswith("/console/approvals") and what in sp.text("#list")
    sp.click("#list button.approve")
    assert "已审批" in sp.text("#notice")
    sp.sign_out()


def test_a_social_worker_takes_a_child_from_intake_to_closure(platform, gateway, township, console):  # noqa: F811
    station = open_station(gateway, township)
    worker = create_account(platform.gateway_url, "social_worker", township)
    supervisor = create_account(platform.gateway_url, "supervisor", township)
    today = date.today()
    birth = today.replace(year=today.year - 8, day=min(today.day, 28))
    child = f"旅程童{secrets.token_hex(2)}"

    cp = console(who="worker")
    cp.sign_in(*worker)
    assert cp.page.url.endswith("/console/caseload") and "我的个案" in cp.text("#menu")

    # intake: search first, with a purpose; nobody matches
    cp.click("#menu >> text=检索服务对象")
    cp.fill("#value", child)
    cp.fill("#purpose", "接案登记")
    cp.click("#search-clients")
    assert "未找到" in cp.text("#no-hits")

    # register her: a child of 8 needs her guardian's consent, which the form records at once
    cp.click("#register-new")
    cp.select("#station", label=station)
    cp.fill("#name", child)
    cp.fill("#id_number", id_number(birth))
    cp.fill("#birth_date", birth.isoformat())
    cp.click("#register-client")
    assert "未满14周岁" in cp.text("#basis-error")  # asked for before anything is registered
    cp.select("#basis", "guardian_consent")
    cp.fill("#guardian_name", "旅程监护人")
    cp.fill("#guardian_relationship", "母亲")
    cp.click("#register-client")
    assert "服务对象已登记" in cp.text("#notice")

    # the search finds her now, masked
    cp.goto("/console/clients")
    cp.select("#by", "name")
    cp.fill("#value", child)
    cp.fill("#purpose", "接案登记")
    cp.click("#search-clients")
    assert "找到 1 位" in cp.text("#hit-count") and child not in cp.text("#hits") and "是" in cp.text("#hits")

    # open the case from her search hit, with the purpose the case file is then read with
    cp.click("#hits a.open-for")
    cp.select("#station", label=station)
    cp.select("#domain", "child_welfare")
    cp.fill("#purpose", PURPOSE)
    cp.click("#open-case")
    assert "个案已开案" in cp.text("#notice") and child in cp.text("#client-name")
    assert cp.text("#case-stage") == "接案"
    cp.fill("#note-text", "接案面谈：监护人同意接受服务")
    cp.click("#add-note")
    assert "叙述记录已保存" in cp.text("#notice")
    advance(cp, "预估", "计划")
    assert "待督导审批" in cp.text("#awaiting-approval")
    cp.sign_out()

    approve(console, "supervisor-plan", supervisor, "服务计划")

    cp.sign_in(*worker)
    open_case_file(cp)
    advance(cp, "介入", "评估", "结案")
    assert "结案待督导审批" in cp.text("#awaiting-approval")
    cp.sign_out()

    approve(console, "supervisor-closing", supervisor, "结案")

    cp.sign_in(*worker)
    open_case_file(cp)
    cp.click("#close-case")
    assert "个案已结案" in cp.text("#notice") and cp.text("#case-status") == "已结案"

    # the caseload on a phone: the closed case has left it
    phone = console(width=390, who="phone")
    phone.sign_in(*worker)
    assert phone.page.url.endswith("/console/caseload") and "暂无在办个案" in phone.text("#list-empty")
