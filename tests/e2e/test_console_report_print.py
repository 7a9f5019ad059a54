"""Every report as a printable page in the console (issue 17 item 17), through the console only: a county
bureau generates its quarterly notice and its station scorecard, follows each version's 打印版 link and
finds on the page what the report's own JSON says — for the notice the official document (its bureau, number,
title, addressees, the ranking in order) and the annex tables, for the scorecard its title and tables; the
page has no console menu, so the browser prints the report alone. Screenshots and axe-core as every console
page (console_helpers); the print page is also laid out for paper (PDF of the page, A4)."""

from __future__ import annotations

import json

import pytest

from .console_helpers import ARTIFACTS, browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
COUNTY = "510421"


@pytest.mark.parametrize(("name", "period"), [("quarterly-notice", "2024-Q4"), ("station-scorecard", "2024")])
def test_a_report_has_a_printable_page(platform, console, name, period):  # noqa: F811
    username, password = create_account(platform.gateway_url, "county_admin", COUNTY, prefix="print")
    cp = console()
    cp.sign_in(username, password)
    cp.goto("/console/reports")
    cp.select("#report", name)
    cp.fill("#period", period)
    cp.click("#generate-report")
    assert "已生成新版本" in cp.text("#notice")
    versions = cp.page.url
    status, body = cp.download("#versions tbody tr:first-child a[href$='.json?area=510421']")
    assert status == 200
    content = json.loads(body)

    printable = cp.link_to("打印版")
    assert printable.endswith(".html?area=510421")
    response = cp.goto(printable)
    assert response.status == 200
    assert cp.page.query_selector("#menu") is None  # the report alone
    page = cp.text("#main")
    if name == "quarterly-notice":
        document = content["document"]
        assert document["issuer"] == "米易县民政局"
        for part in (f"{document['issuer']}文件", document["number"], document["title"],
                     f"{document['addressee']}：", f"附件：{document['annex']}"):
            assert part in page, part
        ranking = "；".join(f"第{r['rank']}名{r['name']}，{r['score']}分"
                           for r in sorted(content["townships"], key=lambda r: r["rank"]))
        assert ranking in page
    else:
        assert "document" not in content and content["title"] in page
    assert cp.page.query_selector_all("table.report-table")  # the tables
    pdf = cp.page.pdf(format="A4")  # what the browser's print makes of it
    assert pdf.startswith(b"%PDF")
    (ARTIFACTS / f"print-{name}-{period}.pdf").write_bytes(pdf)
    cp.click("#back")
    assert cp.page.url.partition("?")[0] == versions.partition("?")[0]
