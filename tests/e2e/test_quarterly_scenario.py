"""The demo year (deploy/local/localinfra/demo.py) driven through the gateway into the whole platform
on a real broker, then every figure of the four quarterly notices of that year checked against
values computed here, from the scenario's own data and the scoring published in
services/reporting/README.md ("Quarterly notice scoring") — never with the reporting service's code.
The XLSX must open with openpyxl with totals equal to the JSON, and the PDF's text (pdftotext) must
hold the five county names. Then the H2 half-year report's sections on what was built after the scenario (cases
per client category, guidance visits, project beneficiaries, money beyond purchases and community charity) are
checked per county against values computed here too.

Isolation: the other e2e tests share this platform and write data dated "today" (a later year) into
random 米易县 townships 510421100-999. The demo year is the plan's year (2021) and every quarter's
notice is measured as of a day of that year, so nothing dated later can enter a figure; the demo's
own townships are 0xx codes, so no area collides. Data back-dated into 2021 by another test would
break the counts: the test checks first that the city has no station as of 2021-12-31 and no case
still open that day, and fails saying so. (Tests outside e2e that publish back-dated events use
topics of their own. test_staffing_journey back-dates a station to 2021; it sorts after this file, as does
test_zz_rebuild, which then proves rebuild equals live over everything, this scenario included.)"""

from __future__ import annotations

import io
import subprocess
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from docx import Document as Docx
from localinfra.demo import Driver, Scenario, build_scenario
from openpyxl import load_workbook
from pzh_shared.target_groups import TARGET_GROUPS

from .conftest import wait_for

COUNTIES = {"510402": "东区", "510403": "西区", "510411": "仁和区", "510421": "米易县", "510422": "盐边县"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"  # git-ignored, for a person
WEIGHTS = {"general_station": 10, "township_station": 15, "village_room": 15, "certifications": 20, "organisations": 20,
           "volunteers_trained": 20}
ONE_DAY = timedelta(days=1)


# --- the expected notice, from the scenario's data and the published scoring ----------------------
def _fixed(value: Fraction | int, places: str = "0.01") -> str:
    value = Fraction(value)
    return str(
        (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)
    )


def _yuan(amount: int) -> str:
    return f"{Decimal(amount):.2f}"


def _mean(values: list[Fraction]) -> str | None:
    return _fixed(sum(values, Fraction(0)) / len(values)) if values else None


def _china_day(moment) -> date:
    return moment.date()  # the scenario's times are all given in China time (+08:00)


def quota_figures(sc: Scenario, keys: set[str], since: date, as_of: date) -> tuple[int, int, int]:
    """(newly certified workers, organisations counted for the organisations quota, volunteers trained) of the
    stations `keys` from `since` to `as_of`, from the scenario's own data."""
    stations = {s.key: s for s in sc.stations}

    def during(day: date | None) -> bool:
        return day is not None and since <= day <= as_of

    # a worker is newly certified on the day of their first certificate, for the station they were at that day
    certified = sum(1 for w in sc.workers if w.station in keys and w.certificates
                    and during(w.certificates[0].certified_on) and w.assigned_on <= w.certificates[0].certified_on)
    organisations = sum(1 for o in sc.organisations if o.station in keys and (
        (during(o.incubated_on) and not stations[o.station].provincial_pilot)
        or (during(o.registered_on) and stations[o.station].provincial_pilot)))
    trained = 0  # each volunteer once per station and year, on their first training there that year
    for v in sc.volunteers:
        first: dict[str, date] = {}
        for station, day in ([(v.station, v.trained_on)] if v.trained_on else []) + list(v.more_trainings):
            if day.year == since.year and (station not in first or day < first[station]):
                first[station] = day
        trained += sum(1 for station, day in first.items() if station in keys and during(day))
    return certified, organisations, trained


def expected_notice(sc: Scenario, q: int) -> dict[str, Any]:
    year = sc.year
    since, as_of = date(year, 1, 1), date(year, 3 * q, 31 if q in (1, 4) else 30)
    share = Fraction(q, 4)

    def during(day: date | None) -> bool:
        return day is not None and since <= day <= as_of

    rows = []
    for code, name in COUNTIES.items():
        here = [s for s in sc.stations if s.county == code]
        is_here = {s.key for s in here}
        open_ = [s for s in here if s.opened_on <= as_of]
        pilots = sum(1 for s in open_ if s.tier == "township_station" and s.provincial_pilot)
        others = sum(1 for s in open_ if s.tier == "township_station" and not s.provincial_pilot)
        # the quota figures count at the quota-bearing stations only, the township stations open that day (issue 17
        # item 6, §二(三)(四): the quotas are the 社會工作服務站's; a general station's or village room's count nowhere)
        bearing = {s.key for s in open_ if s.tier == "township_station"}
        certified, organisations, trained = quota_figures(sc, bearing, since, as_of)
        actuals = {
            tier: sum(1 for s in open_ if s.tier == tier)
            for tier in ("general_station", "township_station", "village_room")
        }
        actuals |= {"certifications": certified, "organisations": organisations, "volunteers_trained": trained}
        general, township, village = sc.targets[code]
        targets = {
            "general_station": Fraction(general),
            "township_station": Fraction(township),
            "village_room": Fraction(village),
            "certifications": 2 * (pilots + others) * share,
            "organisations": (1 * pilots + 6 * others) * share,
            "volunteers_trained": 30 * (pilots + others) * share,
        }
        components, exact = {}, Fraction(0)
        for part, weight in WEIGHTS.items():
            ratio = Fraction(1) if targets[part] == 0 else min(Fraction(1), Fraction(actuals[part]) / targets[part])
            exact += ratio * weight
            components[part] = {
                "actual": actuals[part],
                "target": _fixed(targets[part]),
                "completion": _fixed(ratio, "0.0001"),
                "points": _fixed(ratio * weight),
            }

        cases = [c for c in sc.cases if c.area_code.startswith(code)]
        closed_on = {c.key: next((on for stage, on in c.stages if stage == "closed"), None) for c in cases}
        complaints = [c for c in sc.complaints if c.station in is_here]
        closed = [c for c in complaints if c.closed_at and during(_china_day(c.closed_at))]
        surveys = [s for s in sc.surveys if s.station in is_here and during(s.surveyed_on)]
        paid = [(source, amount) for c in sc.contracts if c.county == code for i in c.instalments if during(i.paid_on)
                for source, amount in i.sources]
        hardship = next(h for h in sc.hardship if h.county == code and h.year == year - 1)
        cap = hardship.total * 3 // 100 if hardship.recorded_on <= as_of else 0
        used = sum(amount for source, amount in paid if source == "social_assistance")
        figures = {
            "cases_opened": sum(1 for c in cases if during(c.opened_on)),
            "open_cases": sum(
                1 for c in cases if c.opened_on <= as_of and not (closed_on[c.key] and closed_on[c.key] <= as_of)
            ),
            "escalations": sum(1 for c in cases if during(c.abuse_reported_on)),
            "referrals": sum(1 for c in cases if c.referral and during(c.referral[1])),
            "complaints": sum(1 for c in complaints if during(_china_day(c.received_at))),
            "average_response_hours": _mean(
                [
                    Fraction(Decimal(str(round((c.handled_at - c.received_at).total_seconds() / 3600, 2))))
                    for c in closed
                ]
            ),
            "satisfaction": _mean([Fraction(s.score) for s in surveys]),
            "disbursed": _yuan(sum(amount for _, amount in paid)),
            "assistance_headroom": _yuan(max(cap - used, 0)),
        }
        rows.append(
            {
                "area_code": code,
                "name": name,
                "quota_stations": {"pilot": pilots, "other": others},
                "score": _fixed(exact),
                "components": components,
                "figures": figures,
                "_exact": exact,
            }
        )
    # ranked by exact score, highest first; equal scores share a rank (1, 2, 2, 4), listed by area code
    rows.sort(key=lambda r: (-r["_exact"], r["area_code"]))
    for row in rows:
        row["rank"] = next(i for i, r in enumerate(rows, start=1) if r["_exact"] == row["_exact"])
    for row in rows:
        del row["_exact"]
    totals: dict[str, Any] = {
        part: {
            "actual": sum(r["components"][part]["actual"] for r in rows),
            "target": str(sum(Decimal(r["components"][part]["target"]) for r in rows)),
        }
        for part in WEIGHTS
    }
    totals["disbursed"] = str(sum(Decimal(r["figures"]["disbursed"]) for r in rows))
    for name in ("cases_opened", "open_cases", "escalations", "referrals", "complaints"):
        totals[name] = sum(r["figures"][name] for r in rows)
    return {
        "period": f"{year}-Q{q}",
        "year": year,
        "quarter": q,
        "since": since.isoformat(),
        "as_of": as_of.isoformat(),
        "counties": rows,
        "totals": totals,
    }


# --- the expected H2 half-year report's newer sections, from the scenario's data ---------------------
HALF_YEAR_MONEY = ("subsidy_paid", "award_paid", "venture_paid", "charity_fund_paid", "community_fund_paid",
                   "community_fund_balance")


def expected_half_year(sc: Scenario, since: date, as_of: date) -> dict[str, dict[str, Any]]:
    """Per county: the half-year report's figures of the items built after the scenario was first written —
    cases opened per client category (服务对象类别), guidance visits (督导), project beneficiaries served more in
    the half, money beyond purchases and community charity (多元资金与社区慈善). The city's report has a row per
    county, where the small-numbers rule shows exact counts (reporting/privacy.py: only township and village
    figures are masked)."""

    def during(day: date | None) -> bool:
        return day is not None and since <= day <= as_of

    def last_count(counts: tuple[tuple[int, date], ...], day: date) -> int:
        # a project's count replaces the one before, so what it served by a day is its latest count by then
        return next((n for n, on in sorted(counts, key=lambda c: c[1], reverse=True) if on <= day), 0)

    out = {}
    for code in COUNTIES:
        mine = {s.key for s in sc.stations if s.county == code}
        opened = [c for c in sc.cases if c.area_code.startswith(code) and during(c.opened_on)]
        funds = [f for f in sc.funds if f.area_code.startswith(code) and f.established_on <= as_of]
        grants = [g for g in sc.grants if g.area_code.startswith(code) and during(g.awarded_on)]
        needs = [n for n in sc.needs if n.area_code.startswith(code)]
        figures: dict[str, Any] = {
            f"cases_opened_{group}": sum(1 for c in opened if group in c.categories) for group in TARGET_GROUPS}
        figures |= {
            "guidance_visits": sum(1 for g in sc.guidance if g.station in mine for on, _ in g.visits if during(on)),
            "beneficiaries": sum(last_count(p.beneficiaries, as_of) - last_count(p.beneficiaries, since - ONE_DAY)
                                 for p in sc.projects if p.station in mine),
            "subsidy_paid": _yuan(sum(g.amount for g in grants if g.kind == "subsidy")),
            "award_paid": _yuan(sum(g.amount for g in grants if g.kind == "award")),
            "venture_paid": _yuan(sum(a for v in sc.ventures if v.area_code.startswith(code)
                                      for a, on in v.payments if during(on))),
            "charity_fund_paid": _yuan(0),  # the scenario has community funds only
            "community_fund_paid": _yuan(sum(a for f in funds for _, _, a, on in f.payments if during(on))),
            "charity_needs_recorded": sum(1 for n in needs if during(n.recorded_on)),
            "charity_needs_met": sum(1 for n in needs if n.met and during(n.met[1])),
            "donation_points": sum(1 for p in sc.points if p.area_code.startswith(code) and p.opened_on <= as_of
                                   and not (p.closed_on and p.closed_on <= as_of)),
            "community_funds": len(funds),
            "community_fund_balance": _yuan(sum(a for f in funds for _, _, a, on in f.receipts if on <= as_of)
                                            - sum(a for f in funds for _, _, a, on in f.payments if on <= as_of)),
        }
        out[code] = figures
    return out


# where the read API serves each of those figures for the half: (view, path in its body)
HALF_YEAR_VIEWS: dict[str, tuple[str, ...]] = {
    **{f"cases_opened_{group}": ("cases", "opened_by_group", group) for group in TARGET_GROUPS},
    "guidance_visits": ("talent", "guidance_visits"),
    "beneficiaries": ("projects", "beneficiaries", "in_period"),
    **{f"{mode}_paid": ("money_modes", "modes", mode, "total")
       for mode in ("subsidy", "award", "venture", "charity_fund", "community_fund")},
    "charity_needs_recorded": ("charity", "needs", "recorded"),
    "charity_needs_met": ("charity", "needs", "met"),
    "donation_points": ("charity", "donation_points", "open"),
    "community_funds": ("charity", "funds", "community_fund", "count"),
    "community_fund_balance": ("charity", "funds", "community_fund", "balance"),
}


def half_year_views(gateway, code: str, since: date, as_of: date) -> dict[str, Any]:
    """The same figures as the read API serves them for the half (the views the report is made from)."""
    bodies = {}
    for name in {view for view, *_ in HALF_YEAR_VIEWS.values()}:
        reply = gateway.get(f"/api/read-models/{name}/{code}",
                            params={"as_of": as_of.isoformat(), "since": since.isoformat()})
        assert reply.status_code == 200, reply.text
        bodies[name] = reply.json()
    figures = {}
    for key, (name, *path) in HALF_YEAR_VIEWS.items():
        value = bodies[name]
        for step in path:
            value = value[step]
        figures[key] = value
    return figures


def latest_report(gateway, name: str, period: str) -> dict[str, Any]:
    """Generates the city's report for the period now and reads back its JSON."""
    made = gateway.post(f"/api/read-models/reports/{name}/{period}")
    assert made.status_code == 201, made.text
    reply = gateway.get(f"/api/read-models/reports/{name}/{period}/latest.json")
    assert reply.status_code == 200, reply.text
    return reply.json()


# --- the test ------------------------------------------------------------------------------------
# a whole year through the gateway (some 1,500 calls) and the projections behind it: on the shared 2-core machine,
# loaded by others' runs, the platform's start and the load together outlast the suite's 300 s default
@pytest.mark.timeout(900)
def test_the_demo_year_gives_quarterly_notices_computed_independently(platform, gateway, tmp_path):
    sc = build_scenario()
    year_end = f"{sc.year}-12-31"
    before = gateway.get(f"/api/read-models/stations/510400?as_of={year_end}")
    assert before.status_code == 200, before.text
    assert before.json()["total"] == 0, f"另一个测试写入了 {sc.year} 年的站点，本测试的计数将不准确：{before.json()}"
    # open cases are a stock, not a flow: a case another test opened years earlier and never closed counts too
    cases_before = gateway.get(f"/api/read-models/cases/510400?as_of={year_end}")
    assert cases_before.status_code == 200, cases_before.text
    assert cases_before.json()["open"] == 0, (
        f"另一个测试写入了 {sc.year} 年底仍在办的个案，本测试的计数将不准确：{cases_before.json()}"
    )

    Driver(gateway, say=lambda message: None).load(sc)

    # the projections are asynchronous, one partition apart from another: wait until every figure
    # family the notice reads, from each source topic, shows the scenario's year-end values
    final = {row["area_code"]: row for row in expected_notice(sc, 4)["counties"]}

    def view(name: str, code: str) -> dict:
        reply = gateway.get(f"/api/read-models/{name}/{code}", params={"as_of": year_end})
        assert reply.status_code == 200, reply.text
        return reply.json()

    def settled() -> bool:
        behind = []
        for code, row in final.items():
            stations, talent, organisations = view("stations", code), view("talent", code), view("organisations", code)
            cases, complaints, money = view("cases", code), view("complaints", code), view("money", code)
            seen = {
                "stations": stations["total"],
                "targets": stations["targets"]["total"],
                "certifications": talent["certifications"],
                "volunteers_trained": talent["volunteers_trained"],
                "incubated": organisations["incubated"]["total"],
                "registered": organisations["registered"],
                "opened": cases["opened"]["total"],
                "closed": cases["closed"]["total"],
                "escalations": cases["escalations"],
                "referred": cases["referrals"].get("referred", {}).get("total", 0),
                "complaints": complaints["received"]["total"],
                "complaints_closed": complaints["closed"],
                "surveys": complaints["satisfaction"]["surveys"],
                "disbursed": money["disbursed"]["total"],
                "cap": money["assistance_cap"]["cap"],
                "used": money["assistance_cap"]["used"],
            }
            mine = {s.key for s in sc.stations if s.county == code}
            every = quota_figures(sc, mine, date(sc.year, 1, 1), date(sc.year, 12, 31))
            contracts = [c for c in sc.contracts if c.county == code]
            hardship = next(h for h in sc.hardship if h.county == code)
            assistance_paid = sum(
                a for c in contracts for i in c.instalments for s, a in i.sources if s == "social_assistance"
            )
            expected = {
                "stations": len(mine),
                "targets": sum(sc.targets[code]),
                # the county's talent view counts every station; the notice only the quota-bearing ones
                "certifications": every[0],
                "volunteers_trained": every[2],
                "incubated": sum(1 for o in sc.organisations if o.station in mine and o.incubated_on),
                "registered": sum(1 for o in sc.organisations if o.station in mine and o.registered_on),
                "opened": sum(1 for c in sc.cases if c.station in mine),
                "closed": sum(
                    1 for c in sc.cases if c.station in mine and any(stage == "closed" for stage, _ in c.stages)
                ),
                "escalations": row["figures"]["escalations"],
                "referred": row["figures"]["referrals"],
                "complaints": row["figures"]["complaints"],
                "complaints_closed": sum(1 for c in sc.complaints if c.station in mine and c.closed_at),
                "surveys": sum(1 for s in sc.surveys if s.station in mine),
                "disbursed": row["figures"]["disbursed"],
                "cap": f"{Decimal(hardship.total * 3 // 100):.2f}",
                "used": f"{Decimal(assistance_paid):.2f}",
            }
            if seen != expected:
                behind.append((code, {k: (seen[k], v) for k, v in expected.items() if seen[k] != v}))
        lag[:] = behind
        return not behind

    lag: list = []
    try:
        wait_for(settled, timeout=600, interval=3)
    except AssertionError:
        raise AssertionError(
            f"read models never reached the scenario's figures (county, seen, expected): {lag}"
        ) from None

    for q in (1, 2, 3, 4):
        period = f"{sc.year}-Q{q}"
        notice = latest_report(gateway, "quarterly-notice", period)
        expected = expected_notice(sc, q)
        assert {k: notice[k] for k in ("period", "year", "quarter", "since", "as_of")} == \
            {k: expected[k] for k in ("period", "year", "quarter", "since", "as_of")}
        assert notice["scoring"]["weights"] == WEIGHTS
        for got, want in zip(notice["counties"], expected["counties"], strict=True):
            assert got == want, f"{period} {want['name']}"
        assert notice["totals"] == expected["totals"], period

    # the formats of the year's last notice: XLSX totals equal to the JSON, the PDF names the five counties
    period = f"{sc.year}-Q4"
    xlsx = gateway.get(f"/api/read-models/reports/quarterly-notice/{period}/latest.xlsx")
    assert xlsx.status_code == 200, xlsx.text
    rows = list(load_workbook(io.BytesIO(xlsx.content))["季度通报"].iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "排名")
    header, counties = rows[header_at], rows[header_at + 1:header_at + 6]
    total = next(r for r in rows[header_at + 6:] if r and "合计" in r)
    assert [r[header.index("县(区)")] for r in counties] == [c["name"] for c in notice["counties"]]
    labels = notice["scoring"]["labels"]
    for part in WEIGHTS:
        column = header.index(f"{labels[part]}·实际")
        assert [r[column] for r in counties] == [c["components"][part]["actual"] for c in notice["counties"]]
        assert sum(r[column] for r in counties) == total[column] == notice["totals"][part]["actual"]
        column = header.index(f"{labels[part]}·目标")
        assert Decimal(str(total[column])) == Decimal(notice["totals"][part]["target"])
    assert [Decimal(str(r[header.index("综合得分")])) for r in counties] == [
        Decimal(c["score"]) for c in notice["counties"]
    ]
    column = header.index("已拨付资金(元)")
    assert (
        Decimal(str(total[column]))
        == Decimal(notice["totals"]["disbursed"])
        == sum(Decimal(str(r[column])) for r in counties)
    )
    for name in ("新开个案", "在办个案", "投诉"):
        column = header.index(name)
        assert sum(r[column] for r in counties) == total[column]

    pdf = gateway.get(f"/api/read-models/reports/quarterly-notice/{period}/latest.pdf")
    assert pdf.status_code == 200, pdf.text
    (tmp_path / "notice.pdf").write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(tmp_path / "notice.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    for name in COUNTIES.values():
        assert name in text, name

    # the year's last notice as the bureau sends it (reports/official.py): the DOCX and its PDF carry the
    # ranking in the order computed here and name every county behind target in section 三, in rank order
    expected = expected_notice(sc, 4)
    ranking = "；".join(f"第{r['rank']}名{r['name']}，{r['score']}分" for r in expected["counties"])
    behind = [r["name"] for r in expected["counties"]
              if any(Decimal(c["actual"]) < Decimal(c["target"]) for c in r["components"].values())]
    assert behind, "the demo year has counties behind target, or this check proves nothing"
    docx = gateway.get(f"/api/read-models/reports/quarterly-notice/{period}/latest.docx")
    assert docx.status_code == 200, docx.text
    paragraphs = [p.text for p in Docx(io.BytesIO(docx.content)).paragraphs]
    official = gateway.get(f"/api/read-models/reports/quarterly-notice/{period}/latest.official.pdf")
    assert official.status_code == 200 and official.content.startswith(b"%PDF"), official.text
    (tmp_path / "official.pdf").write_bytes(official.content)
    laid_out = "".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "official.pdf"), "-"],
                                      capture_output=True, text=True, check=True).stdout.split())
    document = notice["document"]
    assert document["title"] == f"攀枝花市民政局关于{sc.year}年第四季度社会工作服务体系建设工作进展情况的通报"
    for text in ("".join(paragraphs), laid_out):
        for part in (document["number"], document["title"], "各县(区)民政局：", ranking):
            assert part in text, part
        section = text[text.index("三、"):text.index("四、")]
        assert [name for name in COUNTIES.values() if f"{name}：" in section] == \
            [name for name in COUNTIES.values() if name in behind]
        assert [section.index(f"{name}：") for name in behind] == sorted(section.index(f"{n}：") for n in behind)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(tmp_path / "official.pdf"),
                    str(ARTIFACTS / f"demo-quarterly-notice-{period}-page1")], check=True)

    # the H2 half-year report: its sections on the items built after the scenario (服务对象类别, 督导, 受益人数,
    # 多元资金与社区慈善), per county, against figures computed from the scenario; the views first, as the
    # projections of casework's, talent's and funding's later events may still be on their way
    since, as_of = date(sc.year, 7, 1), date(sc.year, 12, 31)
    half = expected_half_year(sc, since, as_of)
    assert any(half[code]["beneficiaries"] for code in half) and any(half[code]["charity_needs_met"] for code in half)

    def half_settled() -> bool:
        lag[:] = [(code, {k: (seen[k], v) for k, v in want.items() if seen[k] != v})
                  for code, want in half.items() if (seen := half_year_views(gateway, code, since, as_of)) != want]
        return not lag

    try:
        wait_for(half_settled, timeout=300, interval=2)
    except AssertionError:
        raise AssertionError(f"the half's read models never reached the scenario's figures: {lag}") from None
    report = latest_report(gateway, "half-year-report", f"{sc.year}-H2")
    assert (report["since"], report["as_of"]) == (since.isoformat(), as_of.isoformat())
    rows = {row["area_code"]: row for row in report["counties"]}
    assert list(rows) == list(COUNTIES)
    for code, want in half.items():
        assert {k: rows[code][k] for k in want} == want, COUNTIES[code]
    for key in half["510402"]:  # the 合计 row: the five counties' sum
        column = [want[key] for want in half.values()]
        total = _yuan(sum(Decimal(v) for v in column)) if key in HALF_YEAR_MONEY else sum(column)
        assert report["totals"][key] == total, key
