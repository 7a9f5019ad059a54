"""Journey (g), one person, one record (个案工作 → 疑似重复): a social worker registers the same person twice (same
name and birth date, no ID number; through the API, since the casework journey walks intake in the console), so
casework flags the pair; the township's supervisor finds it in the review queue, is stopped by the browser when
merging without a reason, merges it keeping the earlier record, and a second tab still showing the pair is refused
(casework's 409) when it merges it again. The platform is seeded with the default city (510400) like every other
journey, so the township is one of its county 510421. Every page screenshotted (also at 390 px) and checked by
axe-core (console_helpers)."""

from __future__ import annotations

import secrets
from contextlib import closing

import pytest

from .conftest import account
from .console_helpers import ConsolePage, browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def registered_twice(platform, gateway, township: str) -> tuple[str, str]:
    """(the earlier record, the later one flagged as its possible duplicate)."""
    station = gateway.post("/api/stations", json={"name": f"查重旅程站{secrets.token_hex(3)}",
                                                  "tier": "township_station", "area_code": township})
    assert station.status_code == 201, station.text
    person = {"station_id": station.json()["station_id"], "name": f"查重对象{secrets.token_hex(2)}",
              "birth_date": "1948-11-02", "area_code": township}
    with closing(account(platform.gateway_url, f"intake-worker-{secrets.token_hex(3)}", "social_worker",
                         township)) as worker:
        first = worker.post("/api/clients", json=person)
        assert first.status_code == 201, first.text
        second = worker.post("/api/clients", json=person)
        assert second.status_code == 201, second.text
    assert second.json()["possible_duplicates"] == [first.json()["client_id"]], second.text
    return first.json()["client_id"], second.json()["client_id"]


def test_a_supervisor_merges_a_possible_duplicate(platform, gateway, township, console):  # noqa: F811
    earlier, later = registered_twice(platform, gateway, township)
    cp = console()
    cp.sign_in(*create_account(platform.gateway_url, "supervisor", township, prefix="dedup"))

    # the pair in the township's queue: the later record flagged against the earlier one
    cp.click("#menu >> text=疑似重复")
    assert cp.text("#total") == "共 1 条"
    assert cp.text("#list td[data-label='新登记记录']") == later
    assert cp.text("#list td[data-label='已有记录']") == earlier
    assert township in cp.text("#list td[data-label='新登记记录区划']")

    # a second tab, still showing the pair, for later
    stale = ConsolePage(cp.page.context.new_page(), cp.base_url, cp.name + "-stale")
    stale.goto("/console/clients/duplicates")

    # no reason: the browser says so and sends nothing
    cp.fill("#list .merge-form input[name='purpose']", "督导审批")
    cp.page.click("#list button.merge")
    reason = "#list .merge-form input[name='reason']"
    assert cp.page.eval_on_selector(reason, "input => input.validity.valueMissing")
    assert cp.page.url.endswith("/console/clients/duplicates")

    # merged, keeping the earlier record: the queue is empty
    cp.select("#list .merge-form select[name='keep']", "other")
    cp.fill(reason, "同一老人两次登记，身份证复印件一致")
    cp.click("#list button.merge")
    assert cp.text("#notice") == "两条记录已合并，被合并的记录指向保留的记录。"
    assert cp.text("#list-empty") == "暂无数据"

    # the stale tab merges it again: casework's 409, in Chinese, on the page
    stale.fill("#list .merge-form input[name='reason']", "同一人")
    stale.fill("#list .merge-form input[name='purpose']", "督导审批")
    with stale.page.expect_response(lambda r: r.request.method == "POST") as refused:
        stale.click("#list button.merge")
    assert refused.value.status == 409
    assert f"已合并至 {earlier}" in stale.text("#error"), stale.text("#error")
