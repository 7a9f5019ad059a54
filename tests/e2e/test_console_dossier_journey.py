"""Journey (h), 报表 → 县(区)档案: a county administrator opens their county's dossier (the county chosen for them,
the only one they may see), asks for a span of years backwards and is told which fields are wrong (reporting's
422), downloads the XLSX and opens the printable version, which prints without the console's menus. The platform
is seeded with the default city (510400) like every other journey, so the county is 510421, whose stations the
other journeys open. Every page screenshotted (also at 390 px) and checked by axe-core (console_helpers)."""

from __future__ import annotations

import pytest

from .console_helpers import ARTIFACTS, browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
COUNTY = "510421"


def years_of(cp) -> list[str]:
    return [c.inner_text().strip() for c in cp.page.query_selector_all("#dossier thead th")][1:]


def rows_of(cp) -> list[str]:
    return [c.inner_text().strip() for c in cp.page.query_selector_all("#dossier tbody th")]


def test_a_county_admin_opens_and_prints_the_county_dossier(platform, console):  # noqa: F811
    cp = console()
    cp.sign_in(*create_account(platform.gateway_url, "county_admin", COUNTY, prefix="dossier"))

    # the county's own dossier, one row per year of the last five
    cp.click("#menu >> text=县(区)档案")
    assert cp.page.input_value("#county") == COUNTY
    this_year = int(cp.page.input_value("#to_year"))
    assert years_of(cp) == [f"{y}年" for y in range(this_year - 4, this_year + 1)], years_of(cp)
    assert "乡镇(街道)站" in rows_of(cp) and "第1季度通报排名" in rows_of(cp)

    # the years backwards: reporting names both fields
    cp.fill("#from_year", str(this_year))
    cp.fill("#to_year", str(this_year - 1))
    cp.click("#show-dossier")
    assert "年度范围(from_year" in cp.text("#error") and "to_year" in cp.text("#error"), cp.text("#error")
    assert cp.page.query_selector("#dossier") is None

    # two years, as a file and printed
    cp.fill("#from_year", str(this_year - 1))
    cp.fill("#to_year", str(this_year))
    cp.click("#show-dossier")
    assert years_of(cp) == [f"{this_year - 1}年", f"{this_year}年"]
    status, body = cp.download("#dossier-file")
    assert status == 200 and body.startswith(b"PK")  # an XLSX is a zip
    heading = cp.text("h1")
    cp.click("#dossier-print")
    assert cp.text("h1") == heading and years_of(cp) == [f"{this_year - 1}年", f"{this_year}年"]
    cp.page.emulate_media(media="print")
    assert not cp.page.is_visible(".toolbar") and cp.page.query_selector("#menu") is None
    pdf = cp.page.pdf(path=str(ARTIFACTS / f"{cp.name}-print.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")
