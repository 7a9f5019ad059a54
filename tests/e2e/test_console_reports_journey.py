"""Journey (d), through the console only: a county bureau generates its own county's quarterly report,
finds it in its report list and downloads it (JSON and PDF), and is refused another county's; every
page screenshotted and checked by axe-core (console_helpers)."""

from __future__ import annotations

import json

import pytest

from .console_helpers import browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
COUNTY, OTHER_COUNTY = "510421", "510422"
PERIOD = "2025-Q4"


def test_a_county_bureau_downloads_its_own_quarterly_report_only(platform, console):  # noqa: F811
    username, password = create_account(platform.gateway_url, "county_admin", COUNTY, prefix="bureau")
    cp = console()
    cp.sign_in(username, password)
    cp.goto("/console/reports")
    cp.select("#report", "quarterly-notice")
    cp.fill("#period", PERIOD)
    cp.click("#generate-report")
    assert "已生成新版本" in cp.text("#notice")

    # found in the list of the county's own reports
    cp.goto("/console/reports")
    assert PERIOD in cp.text("#reports")
    cp.goto(cp.link_to(PERIOD))
    status, body = cp.download("#versions a[href*='.json']")
    assert status == 200
    report = json.loads(body)
    assert COUNTY in json.dumps(report, ensure_ascii=False) and OTHER_COUNTY not in json.dumps(report)
    status, body = cp.download("#versions a[href*='.pdf']")
    assert status == 200 and body.startswith(b"%PDF")

    # another county's: refused, in Chinese, with nothing of it shown
    response = cp.goto(f"/console/reports?area={OTHER_COUNTY}")
    assert response.status == 404 and "不在您的管辖范围内" in cp.text()
    response = cp.goto(f"/console/reports/quarterly-notice/{PERIOD}?area={OTHER_COUNTY}")
    assert response.status == 404
    response = cp.goto(f"/console/reports/quarterly-notice/{PERIOD}/latest.json?area={OTHER_COUNTY}")
    assert response.status == 404
