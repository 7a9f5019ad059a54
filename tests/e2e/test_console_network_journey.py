"""The stations' network in the console (服务事项清单, 指导与督导), journeys (e) and (f): a county administrator
adds an item to the county's service-item list and finds it on a station's page (本站服务事项), has a revision
refused when another tab of theirs revised the list meanwhile (the registry's 409, shown on the page) and one dated
before the item existed (422 naming the field), withdraws it, and assigns a certified worker to guide the station;
a social worker of the township then finds the guided station, has a visit dated before the guidance refused
(naming the field) and records one. The station and the certified worker are set up through the API (journey (a)
opens stations in the console, the staffing journey certifies workers). The platform is seeded with the default
city (510400) like every other journey, so the county is 510421 and each test has a township of its own. Every
page screenshotted (also at 390 px) and checked by axe-core (console_helpers)."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

import pytest

from .conftest import wait_for
from .console_helpers import browser, console, create_account  # noqa: F401  (fixtures)
from .test_staffing_journey import _certified_worker

pytestmark = pytest.mark.browser
COUNTY = "510421"


def guided_station(gateway, township: str) -> tuple[str, str, str, str]:
    """(station id, station name, worker id, worker name): an open township station and a certified worker of it
    (talent learns the station from the registry's events, so the worker's assignment is retried until it has)."""
    name = f"督导旅程站{secrets.token_hex(3)}"
    reply = gateway.post("/api/stations", json={"name": name, "tier": "township_station", "area_code": township})
    assert reply.status_code == 201, reply.text
    station_id = reply.json()["station_id"]
    worker_name = f"督导社工{secrets.token_hex(2)}"
    worker: list[str] = []

    def certified() -> bool:
        try:
            worker.append(_certified_worker(gateway, worker_name, secrets.randbelow(9000), station_id, "full_time"))
        except AssertionError:
            return False
        return True

    wait_for(certified, timeout=60, interval=1)
    return station_id, name, worker[0], worker_name


def item_row(cp, code: str) -> str:
    return cp.text(f"#list tr:has(td[data-label='事项编号']:text-is('{code}'))")


def test_a_county_admin_keeps_the_service_item_list_and_assigns_a_guide(  # noqa: F811
        platform, gateway, township, console):  # noqa: F811
    station_id, station, worker_id, worker = guided_station(gateway, township)
    cp = console()
    cp.sign_in(*create_account(platform.gateway_url, "county_admin", COUNTY, prefix="items"))

    # a new item for the county's township stations
    code, name = f"J{secrets.token_hex(3)}", f"旅程入户探访{secrets.token_hex(2)}"
    cp.click("#menu >> text=服务事项清单")
    cp.select("#county", COUNTY)
    cp.fill("#code", code)
    cp.fill("#name", name)
    cp.select("#department", "civil_affairs")
    cp.page.check("#new-tier-township_station")
    cp.click("#add-item")
    assert cp.text("#notice") == "已添加服务事项。"
    cp.fill("#q-q", name)
    cp.click("#apply-filters")
    assert cp.text("#total") == "共 1 条" and "民政" in item_row(cp, code) and "乡镇" in item_row(cp, code)

    # the station of the county at that tier lists it on its page
    cp.goto(f"/console/stations?area={township}&q={station}")
    cp.goto(cp.link_to(station))
    assert name in cp.text("#station-service-items")

    # two tabs on the list: the second revises the item, the first (showing the older list) is refused
    list_page = f"/console/service-items?q={name}"
    cp.goto(list_page)
    other = cp.page.context.new_page()
    other.goto(cp.base_url + list_page)
    prefix = f"{COUNTY}-{code}-township_station-"
    other.click("#list summary:text-is('修订')")
    other.fill(f"[id='{prefix}name']", name + "（新）")
    other.click("#list button.revise")
    other.wait_for_load_state("load")
    assert other.inner_text("#notice") == "已修订服务事项，自生效日期起按新版本提供。"
    other.close()
    cp.page.click("#list summary:text-is('修订')")
    cp.fill(f"[id='{prefix}name']", name + "（旧页面）")
    cp.click("#list button.revise")
    stale = item_row(cp, code)
    assert "服务事项清单已被修改" in stale and name + "（新）" in stale, stale

    # a revision dated before the item existed: refused, naming the field
    added_on = date.fromisoformat(cp.page.input_value(f"[id='{prefix}revise-on']"))
    cp.fill(f"[id='{prefix}revise-on']", (added_on - timedelta(days=1)).isoformat())
    cp.click("#list button.revise")
    assert "修订生效日期(effective_from)不能早于" in item_row(cp, code), item_row(cp, code)

    # withdrawn (from tomorrow: the item was set up today)
    cp.fill("#list .withdraw-form input[name='on']", (added_on + timedelta(days=1)).isoformat())
    cp.click(f"#list button[aria-label='停止{name}（新）']")
    assert cp.text("#notice") == "已停止该服务事项。" and "已停止" in item_row(cp, code)

    # a certified worker of the county guides the station, chosen from the lists
    cp.click("#menu >> text=指导与督导")
    cp.select("#station_id", station_id)
    cp.select("#guide_kind", "workers")
    cp.page.get_by_label(re.compile(worker)).check()
    cp.click("#do-assign")
    assert cp.text("#notice") == "已指定指导方。" and cp.text("#station-name") == f"{station}：指导与督导"
    assert worker in cp.text("#current-guides") and "专业社会工作者" in cp.text("#current-guides")


def test_a_social_worker_records_a_guidance_visit(platform, gateway, township, console):  # noqa: F811
    station_id, station, worker_id, worker = guided_station(gateway, township)
    reply = gateway.put(f"/api/talent/stations/{station_id}/guidance",
                        json={"guide_kind": "workers", "guide_ids": [worker_id]})
    assert reply.status_code == 200, reply.text
    cp = console()
    cp.sign_in(*create_account(platform.gateway_url, "social_worker", township, prefix="visit"))

    # the township's guided station, found in the list by its name
    cp.click("#menu >> text=指导与督导")
    cp.goto(cp.page.get_by_role("link", name=re.compile(station)).get_attribute("href"))
    assert worker in cp.text("#current-guides") and "暂无督导记录" in cp.text("#visits")

    # dated before the guidance began: refused by talent, naming the field
    assigned_on = date.fromisoformat(cp.text("#assignments td[data-label='起始']").strip())
    cp.fill("#visited_on", (assigned_on - timedelta(days=1)).isoformat())
    cp.select("#guide_id", worker_id)
    cp.select("#mode", "on_site")
    cp.fill("#hours", "2")
    cp.fill("#topics", "个案记录规范；危机干预流程")
    cp.click("#do-visit")
    assert "督导日期(visited_on)" in cp.text("#error"), cp.text("#error")
    assert "暂无督导记录" in cp.text("#visits")

    # the same visit on the day of the guidance: in the station's log
    cp.fill("#visited_on", assigned_on.isoformat())
    cp.click("#do-visit")
    assert cp.text("#notice") == "已登记督导记录。"
    visit = cp.text("#visit-list tbody tr")
    assert assigned_on.isoformat() in visit and worker in visit and "现场" in visit and "危机干预流程" in visit
