"""Journey (a), through the console only: a county administrator plans a township station, finds it in
the station list, opens it, records the five haves with their evidence and a worker for it, and sees the
computed level change (the registry learns the staff from talent's events, asynchronously); every page
screenshotted and checked by axe-core (console_helpers), at desk width and on a phone."""

from __future__ import annotations

import random
import secrets

import pytest

from .conftest import wait_for
from .console_helpers import browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
COUNTY = "510421"
BASIC = ("venue", "signage", "office_equipment", "rules")


def id_number(serial: int) -> str:
    """A well-formed resident ID number (GB 11643 check digit) for test data."""
    body = f"510402199002{serial % 28 + 1:02d}{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def test_a_county_admin_plans_opens_and_equips_a_township_station(platform, township, console):  # noqa: F811
    username, password = create_account(platform.gateway_url, "county_admin", COUNTY)
    cp = console()
    cp.sign_in(username, password)
    assert COUNTY in cp.text("#area-title") and "站点台账" in cp.text("#menu")

    # plan it (not yet open)
    name = f"旅程规划站{secrets.token_hex(3)}"
    cp.goto("/console/stations/new")
    cp.fill("#name", name)
    cp.select("#tier", "township_station")
    cp.fill("#area_code", township)  # offered in the form's list of the county's townships
    cp.page.check("#plan_only")
    cp.click("#open-station")
    assert cp.page.query_selector("#station-status"), cp.text()
    assert cp.text("#station-status") == "规划中" and "已登记站点规划" in cp.text("#notice")

    # find it in the list, by the township and its name, and open it
    cp.goto(f"/console/stations?area={township}&q={name}")
    assert cp.text("#total") == "共 1 条"
    cp.goto(cp.link_to(name))
    cp.click("#do-open")
    assert cp.text("#station-status") == "运行中"

    # the five haves, each with its evidence
    for item in BASIC:
        cp.page.check(f"#present-{item}")
        cp.fill(f"#evidence-{item}", f"{item} 照片及台账")
        cp.click(f"#save-{item}")
        assert "设施记录已保存" in cp.text("#notice")
    assert "venue 照片及台账" in cp.text("#facilities")

    # a worker registered for the station from its page
    cp.click("text=为本站登记社工")
    cp.fill("#name", "旅程社工")
    cp.fill("#id_number", id_number(random.randint(1, 999)))
    cp.fill("#phone", f"1390000{random.randint(1000, 9999)}")
    cp.select("#employment", "full_time")
    cp.click("#register-worker")
    assert "已登记社工" in cp.text("#notice") and name in cp.text("#worker-station")

    # the level, computed by the registry once it has the staff: the station page shows it and its history
    cp.goto(f"/console/stations?area={township}&q={name}")
    station_page = cp.link_to(name)

    def level_is_basic() -> bool:
        cp.goto(station_page)
        return cp.text("#station-level") == "五有"

    wait_for(level_is_basic, timeout=180, interval=2)
    assert "等级变化" in cp.text("#history") and "五有" in cp.text("#history")

    # the same station page on a phone (390 px)
    phone = console(width=390, who="phone")
    phone.sign_in(username, password)
    phone.goto(station_page)
    assert phone.text("#station-level") == "五有"
    assert phone.page.evaluate("() => document.documentElement.scrollWidth") <= 400
