"""The demo year (deploy/local/localinfra/demo.py) driven through the gateway into the whole platform
on a real broker, then every figure of the four quarterly notices of that year checked against
values computed here, from the scenario's own data and the scoring published in
services/reporting/README.md ("Quarterly notice scoring") — never with the reporting service's code.
The XLSX must open with openpyxl with totals equal to the JSON, and the PDF's text (pdftotext) must
hold the five county names.

Isolation: the other e2e tests share this platform and write data dated "today" (a later year) into
random 米易县 townships 510421100-999. The demo year is a past year (2025) and every quarter's
notice is measured as of a day of that year, so nothing dated later can enter a figure; the demo's
own townships are 0xx codes, so no area collides. Data back-dated into 2025 by another test would
break the counts: the test checks first that the city has no station as of 2025-12-31 and no case
still open that day, and fails saying so. (Tests outside e2e that publish back-dated events use
topics of their own. test_staffing_journey back-dates a station to 2021; it sorts after this file, as does
test_zz_rebuild, which then proves rebuild equals live over everything, this scenario included.)"""

from __future__ import annotations

import io
import subprocess
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from docx import Document as Docx
from localinfra.demo import Driver, Scenario, build_scenario
from openpyxl import load_workbook

from .conftest import wait_for

COUNTIES = {"510402": "东区", "510403": "西区", "510411": "仁和区", "510421": "米易县", "510422": "盐边县"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents"  # git-ignored, for a person
WEIGHTS = {"general_station": 10, "township_station": 15, "village_room": 15, "certifications": 20, "organisations": 20,
           "volunteers_trained": 20}


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


# --- the test ------------------------------------------------------------------------------------
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
        made = gateway.post(f"/api/read-models/reports/quarterly-notice/{period}")
        assert made.status_code == 201, made.text
        reply = gateway.get(f"/api/read-models/reports/quarterly-notice/{period}/latest.json")
        assert reply.status_code == 200, reply.text
        notice = reply.json()
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
