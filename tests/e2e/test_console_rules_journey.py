"""Journey 报表 → 报表规则 (issue 17 item 10): a county administrator opens the rules page, finds their county scored by
the default rubric (the only rules book they reach is their county's), makes their own 评价细则 from it for next
year, is told which field is wrong (reporting's 422), records it and sees what it changed; a day inside a closed
period is refused. The city administrator sees the root's rules, the shipped file's versions. The county's version
takes effect next year, so the other journeys' reports of this year are not changed by it. Every page
screenshotted (also at 390 px) and checked by axe-core (console_helpers)."""

from __future__ import annotations

import pytest

from .console_helpers import browser, console, create_account  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
COUNTY = "510421"
PASS, EXCELLENT = '[id="f-rubric.grade_floors.pass"]', '[id="f-rubric.grade_floors.excellent"]'


def first_row(cp) -> str:
    return cp.page.query_selector("#rules-versions tbody tr").inner_text()


def test_a_county_admin_records_the_countys_own_rubric_for_next_year(platform, console):  # noqa: F811
    cp = console()
    cp.sign_in(*create_account(platform.gateway_url, "county_admin", COUNTY, prefix="rules"))
    cp.click("#menu >> text=报表规则")
    assert [o.get_attribute("value") for o in cp.page.query_selector_all("#area option")] == [COUNTY]
    assert "默认细则" in cp.text("#inherited") and cp.page.query_selector("#no-versions") is not None
    this_year = int(cp.page.input_value("#effective_from")[:4])
    assert cp.page.input_value("#effective_from") == f"{this_year}-01-01"  # this year's scorecard is still open
    assert cp.page.input_value(EXCELLENT) == "90" and cp.page.input_value(PASS) == "60"
    next_year = f"{this_year + 1}-01-01"

    # 合格 above 良好: refused, naming the field, and the form keeps what was typed
    cp.fill("#effective_from", next_year)
    cp.fill(PASS, "80")
    cp.click("#save-rules")
    assert "version.rubric.grade_floors" in cp.text("#error"), cp.text("#error")
    assert cp.page.input_value(PASS) == "80" and cp.page.input_value("#effective_from") == next_year

    cp.fill(PASS, "60")
    cp.fill(EXCELLENT, "85")
    cp.click("#save-rules")
    assert cp.text("#notice") == "已记录新版本"
    row = first_row(cp)
    assert next_year in row and "待生效" in row and "第 1 次修订" in row, row
    diff = cp.text("#rules-versions .diff")
    assert "评价细则 · 等级分数线 · 优秀" in diff and "90" in diff and "85" in diff and "合格" not in diff, diff
    assert "默认细则" in cp.text("#inherited")  # until next year the county is still scored by the default

    # a day of last year lies in a closed period
    cp.fill("#effective_from", f"{this_year - 1}-06-30")
    cp.click("#save-rules")
    assert "生效日期(effective_from)" in cp.text("#error"), cp.text("#error")
    assert first_row(cp) == row  # nothing was recorded
    cp.on_phone()


def test_the_city_admin_sees_the_roots_rules_versions(platform, console):  # noqa: F811
    cp = console()
    cp.sign_in(*create_account(platform.gateway_url, "city_admin", "510400", prefix="rules"))
    cp.click("#menu >> text=报表规则")
    options = [o.get_attribute("value") for o in cp.page.query_selector_all("#area option")]
    assert options[0] == "510400" and COUNTY in options
    assert "本级规则" in cp.text("#rules-kind")
    rows = [r.inner_text() for r in cp.page.query_selector_all("#rules-versions tbody tr")]
    assert sum("现行" in r for r in rows) == 1 and all("默认规则文件" in r for r in rows), rows
    # the newest shipped version scores the beneficiaries: that is what it changed from the first
    assert "站点年度配额 · 每站服务对象受益" in cp.text("#rules-versions"), cp.text("#rules-versions")
