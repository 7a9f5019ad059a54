"""Money by mode beyond purchases and community charity (issue 17 item 14) in the read models, the half-year report
and the county dossier: funding's events fed into the synthetic year, every expected figure summed from the events
this test sends."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

import pytest
from reporting import views
from reporting.deployment import townships_of
from reporting.projections.router import project
from reporting.reports import dossier, halfyear
from reporting.reports.service import generate

COUNTY = "510421"
H1 = ("2024-01-01", "2024-06-30")


def _id() -> str:
    return str(uuid.uuid4())


@pytest.fixture(scope="module")
def world(scenario_reports):
    """The synthetic year, and in two townships of one county (and a village of the first) funding's new events."""
    store, archive, settings = scenario_reports
    one, two = townships_of(store, COUNTY, H1[1])[:2]
    village = f"{one}201"
    money = [  # (event, mode, source, area, amount, day)
        ("funding.grant.awarded.v1", "subsidy", "fiscal_county", one, "2000.00", "2024-02-01"),
        ("funding.grant.awarded.v1", "award", "welfare_lottery", two, "500.00", "2024-05-01"),
        ("funding.grant.awarded.v1", "subsidy", "fiscal_county", two, "700.00", "2024-08-01"),  # the second half
        ("funding.venture.disbursed.v1", "venture", "welfare_lottery", two, "4000.00", "2024-04-01"),
    ]
    fund_a, fund_b, fund_c = _id(), _id(), _id()
    funds = [(fund_a, "community_fund", village, "2024-01-10"), (fund_b, "community_fund", two, "2024-02-01"),
             (fund_c, "charity_fund", one, "2024-01-15")]
    flows = [  # (fund, received or paid, donor kind, amount, day)
        (fund_a, "received", "enterprise", "3000.00", "2024-01-11"),
        (fund_a, "received", "individual", "200.50", "2024-01-12"),
        (fund_a, "paid", None, "1000.00", "2024-03-01"),
        (fund_b, "received", "foundation", "500.00", "2024-02-02"),
        (fund_c, "received", "charity_organisation", "800.00", "2024-01-16"),
        (fund_c, "paid", None, "300.00", "2024-06-01"),
        (fund_a, "paid", None, "100.00", "2024-09-01"),  # the second half
    ]
    needs = [(_id(), village, "elderly", "2024-02-01", "2024-03-01"), (_id(), village, "children", "2024-03-01", None),
             (_id(), two, "hardship", "2024-04-01", "2024-07-10")]
    points = [(_id(), village, "2024-01-20", None), (_id(), two, "2024-02-01", "2024-05-31")]

    events: list[tuple[str, dict]] = []
    for event, mode, source, area, amount, day in money:
        if event == "funding.grant.awarded.v1":
            events.append((event, {"grant_id": _id(), "kind": mode, "organisation": "社工中心", "area_code": area,
                                   "funding_area_code": COUNTY, "station_id": None, "source": source,
                                   "amount": amount, "year": 2024, "awarded_on": day}))
        else:
            events.append((event, {"round_id": _id(), "application_no": 1, "area_code": area,
                                   "funding_area_code": COUNTY, "source": source, "amount": amount, "year": 2024,
                                   "paid_on": day, "awarded": amount, "paid_to_date": amount}))
    kinds = {}
    for fund, kind, area, day in funds:
        kinds[fund] = (kind, area)
        events.append(("funding.fund.established.v1", {"fund_id": fund, "kind": kind, "name": "基金", "area_code": area,
                                                       "station_id": None, "organisation": None, "purposes": [],
                                                       "established_on": day}))
    for fund, flow, donor, amount, day in flows:
        kind, area = kinds[fund]
        if flow == "received":
            events.append(("funding.fund.received.v1", {"fund_id": fund, "kind": kind, "area_code": area,
                                                        "donor_kind": donor, "amount": amount, "received_on": day,
                                                        "balance": "0.00"}))
        else:
            events.append(("funding.fund.paid.v1", {"fund_id": fund, "kind": kind, "area_code": area,
                                                    "category": "elderly", "amount": amount, "paid_on": day,
                                                    "balance": "0.00"}))
    for need, area, category, recorded, met in needs:
        events.append(("funding.charity_need.recorded.v1", {"need_id": need, "area_code": area, "station_id": None,
                                                            "category": category, "recorded_on": recorded}))
        if met:
            events.append(("funding.charity_need.met.v1", {"need_id": need, "area_code": area, "category": category,
                                                           "resource_kind": "community_fund", "met_on": met}))
    for point, area, opened, closed in points:
        events.append(("funding.donation_point.opened.v1", {"point_id": point, "area_code": area,
                                                            "operator": "慈善会", "opened_on": opened}))
        if closed:
            events.append(("funding.donation_point.closed.v1", {"point_id": point, "area_code": area,
                                                                "closed_on": closed}))
    store.apply((_id(), t, project(t, d)) for t, d in events)
    data = {"money": money, "funds": funds, "flows": flows, "needs": needs, "points": points, "kinds": kinds}
    return store, archive, settings, (one, two, village), data


def _in(day: str, since: str, as_of: str) -> bool:
    return since <= day <= as_of


def _paid(data, area: str, mode: str, since: str, as_of: str) -> Decimal:
    """What the test sent of one mode under an area in the period."""
    total = sum((Decimal(a) for _, m, _, where, a, day in data["money"]
                 if m == mode and where.startswith(area) and _in(day, since, as_of)), Decimal("0.00"))
    for fund, flow, _, amount, day in data["flows"]:
        kind, where = data["kinds"][fund]
        if flow == "paid" and kind == mode and where.startswith(area) and _in(day, since, as_of):
            total += Decimal(amount)
    return total


def _balance(data, area: str, kind: str, as_of: str) -> Decimal:
    total = Decimal("0.00")
    for fund, flow, _, amount, day in data["flows"]:
        k, where = data["kinds"][fund]
        if k == kind and where.startswith(area) and day <= as_of:
            total += Decimal(amount) if flow == "received" else -Decimal(amount)
    return total


def _charity_counts(data, area: str, since: str, as_of: str) -> dict[str, int]:
    return {
        "recorded": sum(1 for _, a, _, r, _ in data["needs"] if a.startswith(area) and _in(r, since, as_of)),
        "met": sum(1 for _, a, _, _, m in data["needs"] if m and a.startswith(area) and _in(m, since, as_of)),
        "points": sum(1 for _, a, o, c in data["points"] if a.startswith(area) and o <= as_of
                      and not (c and c <= as_of)),
        "community_funds": sum(1 for _, k, a, d in data["funds"] if k == "community_fund" and a.startswith(area)
                               and d <= as_of),
    }


def test_money_by_mode_and_source_per_area_and_period(world):
    store, _, _, (one, two, _), data = world
    for area in (COUNTY, one, two):
        body = views.money_modes(store, area, H1[1], H1[0])
        for mode in ("subsidy", "award", "venture", "charity_fund", "community_fund"):
            assert Decimal(body["modes"][mode]["total"]) == _paid(data, area, mode, *H1), (area, mode)
        # purchases are the contracts' instalments, as the money view counts them
        assert body["modes"]["purchase"]["total"] == views.money(store, area, H1[1], H1[0])["disbursed"]["total"]
        assert Decimal(body["total"]) == sum(Decimal(m["total"]) for m in body["modes"].values())
    year = views.money_modes(store, COUNTY, "2024-12-31", "2024-01-01")["modes"]["subsidy"]
    assert year["by_source"] == {"fiscal_county": f"{_paid(data, COUNTY, 'subsidy', '2024-01-01', '2024-12-31')}"}


def test_charity_needs_points_and_funds_per_area_and_tier(world):
    store, _, _, (one, two, village), data = world
    for area in (COUNTY, one, two, village):
        body = views.charity(store, area, H1[1], H1[0])
        counts = _charity_counts(data, area, *H1)
        assert (body["needs"]["recorded"], body["needs"]["met"]) == (counts["recorded"], counts["met"]), area
        assert body["donation_points"]["open"] == counts["points"], area
        assert body["funds"]["community_fund"]["count"] == counts["community_funds"], area
        assert Decimal(body["funds"]["community_fund"]["balance"]) == _balance(data, area, "community_fund", H1[1])
        assert Decimal(body["funds"]["charity_fund"]["balance"]) == _balance(data, area, "charity_fund", H1[1])
    county = views.charity(store, COUNTY, H1[1], H1[0])
    by_tier = {t: sum(1 for _, a, _, r, _ in data["needs"] if len(a) == {"township": 9, "village": 12}[t]
                      and _in(r, *H1)) for t in ("township", "village")}
    assert county["needs"]["recorded_by_tier"] == by_tier
    assert county["funds"]["community_fund"]["by_tier"]["village"]["balance"] == str(
        _balance(data, village, "community_fund", H1[1]))
    # the individual donor is a kind, and the kinds' receipts add up to what came in
    donors = county["funds"]["community_fund"]["received_by_donor"]
    assert set(donors) == {d for f, flow, d, _, _ in data["flows"]
                           if flow == "received" and data["kinds"][f][0] == "community_fund"}


def test_the_half_year_report_and_the_dossier_show_them(world):
    store, archive, settings, (one, two, _), data = world
    meta = generate(store, archive, "half_year_report", "2024-H1", settings=settings)
    content = json.loads(archive.path("half_year_report", "2024-H1", meta["version"], "json").read_text())
    row = next(c for c in content["counties"] if c["area_code"] == COUNTY)
    counts = _charity_counts(data, COUNTY, *H1)
    assert {k: Decimal(row[f"{k}_paid"]) for k in ("subsidy", "award", "venture", "charity_fund",
                                                   "community_fund")} == {
        k: _paid(data, COUNTY, k, *H1) for k in ("subsidy", "award", "venture", "charity_fund", "community_fund")}
    assert (row["charity_needs_recorded"], row["charity_needs_met"], row["donation_points"],
            row["community_funds"]) == (counts["recorded"], counts["met"], counts["points"],
                                        counts["community_funds"])
    assert Decimal(row["community_fund_balance"]) == _balance(data, COUNTY, "community_fund", H1[1])
    # the city's total row is the counties' sum (only this county has any)
    assert content["totals"]["venture_paid"] == row["venture_paid"]
    section = next(s for s in halfyear.document(content).sections if s.heading == "多元资金与社区慈善")
    assert section.columns[2:] == [label for _, label, _ in halfyear.FIELDS["多元资金与社区慈善"]]
    # the county's own report: a row per township, each with its own figures (they are the townships' money)
    county_meta = generate(store, archive, "half_year_report", "2024-H1", settings=settings, area=COUNTY)
    county = json.loads(archive.path("half_year_report", "2024-H1", county_meta["version"], "json", COUNTY).read_text())
    for township in county["townships"]:
        code = township["area_code"]
        assert Decimal(township["venture_paid"]) == _paid(data, code, "venture", *H1), code
        assert township["charity_needs_recorded"] == _charity_counts(data, code, *H1)["recorded"], code
    assert {t["area_code"] for t in county["townships"]} >= {one, two}

    year = dossier.build(store, settings, COUNTY, 2024, 2024, date(2025, 1, 10))
    _, rows = dossier.table(year)
    shown = {r["label"]: r["2024"] for r in rows}
    whole = ("2024-01-01", "2024-12-31")
    assert shown["年度公益创投(元)"] == str(_paid(data, COUNTY, "venture", *whole))
    assert shown["年度补贴(元)"] == str(_paid(data, COUNTY, "subsidy", *whole))
    assert shown["年度社区基金(元)"] == str(_paid(data, COUNTY, "community_fund", *whole))
    assert shown["社区基金余额(元)"] == str(_balance(data, COUNTY, "community_fund", whole[1]))
    assert shown["年度对接慈善需求"] == _charity_counts(data, COUNTY, *whole)["met"]
    assert shown["慈善捐赠点"] == _charity_counts(data, COUNTY, *whole)["points"]
