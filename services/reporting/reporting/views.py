"""Read-model views: the figures of an area (and every area under it) as of a day, composed from
the dated facts. Stocks (stations, open cases, workers) are summed up to `as_of`; flows
(trainings, cases opened, money paid) over `since`..`as_of`, by default the calendar year of
`as_of` to date. Money is in yuan as exact decimal strings, hours and scores as averages."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pzh_shared.areas import AreaLevel, level_of, parent_of
from pzh_shared.target_groups import TARGET_GROUPS

from reporting import privacy
from reporting.adapters.store import ReadModel
from reporting.projections.casework import STAGES
from reporting.projections.registry import LEVELS, TIERS


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def average(total_centi: int, count: int) -> str | None:
    if not count:
        return None
    return str((Decimal(total_centi) / 100 / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def hours_of_minutes(minutes: int) -> str:
    """Whole minutes as hours with 2 decimals, half up (90 -> "1.50", 1 -> "0.02")."""
    return str((Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _by(sums: dict[tuple, int], index: int = 0) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in sums.items():
        out[key[index]] = out.get(key[index], 0) + value
    return dict(sorted(out.items()))


def funding_area(area_code: str) -> str:
    """The county-level (or city) area whose budgets and 3% cap an area draws on."""
    return area_code[:6]


def stations(store: ReadModel, area: str, as_of: str, since: str) -> dict[str, Any]:
    counts = dict.fromkeys(TIERS, 0) | _by(store.sums("stations", area, as_of, by=("k1",)))
    children: dict[str, dict[str, int]] = {}
    for (child, tier), n in store.sums("stations", area, as_of, by=("child", "k1")).items():
        children.setdefault(child, dict.fromkeys(TIERS, 0))[tier] = n
    names = store.names("area", as_of, children)
    levels = dict.fromkeys(LEVELS, 0) | _by(store.sums("station_levels", area, as_of, by=("k1",)))
    year = as_of[:4]
    targets = dict.fromkeys(TIERS[:3], 0) | {
        k1: n for (k1, k2), n in store.sums("targets", area, as_of).items() if k2 == year
    }
    return {"stations": counts, "total": sum(counts.values()),
            "children": [{"area_code": c, "name": names.get(c), "stations": v, "total": sum(v.values())}
                         for c, v in sorted(children.items())],
            "levels": levels, "targets": {"year": int(year), **targets, "total": sum(targets.values())}}


def live_stations(store: ReadModel, area: str, today: date) -> dict[str, Any]:
    """The stations view without `as_of`, in its original shape: the stations open today per tier in the
    area and in each of its direct sub-areas that has any, from the same dated facts as every other view."""
    body = stations(store, area, today.isoformat(), today.isoformat())
    return {"area_code": area, "level": level_of(area), "stations": body["stations"], "total": body["total"],
            "children": [{"area_code": c["area_code"], "stations": c["stations"], "total": c["total"]}
                         for c in body["children"]]}


GOAL_YEAR = 2025  # end of the 14th five-year plan: social work service in every township/street (§二(一))
REFORM_YEAR = "2021"  # the plan: of 2021's township stations, more than half in reform-affected townships


def share(part: int, whole: int) -> str | None:
    """part / whole as an exact decimal string of 4 places (half-up), None when there is no whole."""
    if not whole:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _tally(townships: int, served: int) -> dict[str, Any]:
    return {"townships": townships, "served": served, "share": share(served, townships)}


def _total(children: dict[str, tuple[int, int]]) -> dict[str, Any]:
    return _tally(sum(t for t, _ in children.values()), sum(s for _, s in children.values()))


def township_coverage(store: ReadModel, area: str, as_of: str) -> dict[str, Any]:
    """Townships valid on the day, how many an open township station serves (its own township and those it
    covers; a served code that is not a valid township that day is not counted), the share, and the unserved
    townships' codes."""
    children, unserved = store.township_tally(area, as_of)
    return {**_total(children), "unserved": unserved}


def reform_share_2021(store: ReadModel, area: str, as_of: str) -> dict[str, Any]:
    """The township stations opened in 2021 (up to `as_of`), and how many sit in a township that was
    reform-affected (涉改) on its opening day; the plan asks for more than half."""
    end = min(as_of, f"{REFORM_YEAR}-12-31")
    # only township stations: the rows read grow with the area's township stations, not with its village rooms
    opened = [(code, on) for (k1, code, on), n in store.sums("stations_opened", area, end, f"{REFORM_YEAR}-01-01",
                                                             by=("k1", "area", "on"), k1="township_station").items()
              for _ in range(n) if k1 == "township_station"]
    # the townships' reform flags up to the year's end in one query, not one per station (a township station
    # lies in a township: TIER_LEVELS), each station's township then looked up as of its opening day
    flags: dict[str, list[tuple[str, int]]] = {}
    if opened:
        for (code, on), n in store.sums("reform_areas", area, end, by=("area", "on"), k1="township").items():
            flags.setdefault(code, []).append((on, n))
    reform = sum(1 for code, on in opened if sum(n for day, n in flags.get(code, ()) if day <= on) > 0)
    return {"township_stations_2021": len(opened), "in_reform_affected": reform, "share": share(reform, len(opened)),
            # "涉改乡镇占50%以上": 以上 includes the number (民法典 art. 1259), so exactly half meets it
            "goal_over_half": bool(opened) and reform * 2 >= len(opened)}


# the levels whose coverage lists its direct sub-areas: the country's provinces ... a county's townships
_COVERAGE_CHILDREN = {AreaLevel.COUNTRY, AreaLevel.PROVINCE, AreaLevel.CITY, AreaLevel.COUNTY}


def coverage(store: ReadModel, area: str, as_of: str, since: str) -> dict[str, Any]:
    """Township coverage toward the 2025 goal, for the area and each direct sub-area, with names as of the day."""
    tally, unserved = store.township_tally(area, as_of)
    under = tally if level_of(area) in _COVERAGE_CHILDREN else {}
    names = store.names("area", as_of, [area, *under, *unserved])
    children = [{"area_code": code, "name": names.get(code), **_tally(*counts)} for code, counts in under.items()]
    remaining = len(unserved)
    return {
        "name": names.get(area),
        **_total(tally),
        "unserved": [{"area_code": code, "name": names.get(code)} for code in unserved],
        "reform_affected_townships": sum(
            n for (lvl,), n in store.sums("reform_areas", area, as_of, by=("k1",)).items() if lvl == "township"
        ),
        "goal_2025": {
            "year": GOAL_YEAR,
            "goal": "乡镇(街道)社会工作服务全覆盖",
            "remaining": remaining,
            "met": bool(tally) and remaining == 0,
        },
        "reform_affected_2021": reform_share_2021(store, area, as_of),
        "children": children,
    }


def talent(store: ReadModel, area: str, as_of: str, since: str) -> dict[str, Any]:
    stock = {name: store.total(name, area, as_of)
             for name in ("workers", "certified_workers", "heads", "volunteers", "interns")}
    trainings = _by(store.sums("trainings", area, as_of, since, by=("k1",)))
    hours = _by(store.sums("training_hours", area, as_of, since, by=("k1",)))
    return {**stock, "certifications": store.total("certifications", area, as_of, since),
            "volunteers_trained": store.total("volunteers_trained", area, as_of, since),
            "volunteer_hours": hours_of_minutes(store.total("volunteer_minutes", area, as_of, since)),
            "guidance_visits": store.total("guidance_visits", area, as_of, since),
            "guidance_hours": hours_of_minutes(store.total("guidance_minutes", area, as_of, since)),
            "trainings": {"total": sum(trainings.values()), "by_kind": trainings,
                          "hours_by_kind": {k: str(Decimal(v) / 100) for k, v in hours.items()}},
            "unresolved_station_facts": store.unresolved()["facts"]}


def organisations(store: ReadModel, area: str, as_of: str, since: str) -> dict[str, Any]:
    incubated = store.sums("organisations_incubated", area, as_of, since)
    return {"filed": store.total("organisations_filed", area, as_of),
            "incubated": {"total": sum(incubated.values()), "by_type": _by(incubated),
                          "reform_affected": sum(n for (_, k2), n in incubated.items() if k2)},
            "registered": store.total("organisations_registered", area, as_of, since),
            "graduated": store.total("organisations_graduated", area, as_of, since),
            "agencies": store.total("agencies", area, as_of)}


def _case_figures(store: ReadModel, area: str, as_of: str, since: str) -> dict[str, Any]:
    """The cases view's exact figures of an area."""
    by_stage: dict[str, dict[str, int]] = {}
    for (domain, stage), n in store.sums("cases", area, as_of).items():
        if stage != "closed":
            by_stage.setdefault(domain, dict.fromkeys(STAGES[:-1], 0))[stage] = n
    referrals: dict[str, dict[str, int]] = {}
    for (policy, outcome), n in store.sums("referrals", area, as_of, since).items():
        referrals.setdefault(outcome, {})[policy] = n
    opened = _by(store.sums("cases_opened", area, as_of, since))
    closed = _by(store.sums("cases_closed", area, as_of, since))
    groups = {group: n for (group,), n in store.sums("cases_opened_by_group", area, as_of, since, by=("k1",)).items()}
    return {
        "open": sum(sum(v.values()) for v in by_stage.values()),
        "open_by_domain_and_stage": dict(sorted(by_stage.items())),
        "opened": {"total": sum(opened.values()), "by_domain": opened},
        # every group, 0 included: the same cells in every sibling's body (no sum line: a client has 0..n groups)
        "opened_by_group": {group: groups.get(group, 0) for group in TARGET_GROUPS},
        "closed": {"total": sum(closed.values()), "by_domain": closed},
        "escalations": store.total("escalations", area, as_of, since),
        "referrals": {
            outcome: {"total": sum(v.values()), "by_policy": dict(sorted(v.items()))}
            for outcome, v in sorted(referrals.items())
        },
    }


Path = tuple[str, ...]


def _leaves(body: dict[str, Any], path: Path = ()) -> dict[Path, int]:
    """Every count of a cases body by its path of keys ({"opened": {"total": 3}} -> {("opened", "total"): 3})."""
    out: dict[Path, int] = {}
    for key, value in body.items():
        if isinstance(value, dict):
            out |= _leaves(value, (*path, key))
        else:
            out[(*path, key)] = value
    return out


def _total_of(path: Path) -> Path | None:
    """The path of the total a count is a part of, within one cases body (None for a total or a lone count)."""
    if path[0] == "open_by_domain_and_stage":
        return ("open",)
    if path[0] in ("opened", "closed") and path[1] == "by_domain":
        return (path[0], "total")
    if path[0] == "referrals" and path[2] == "by_policy":
        return ("referrals", path[1], "total")
    return None


def _put(body: dict[str, Any], path: Path, value: Any) -> None:
    for key in path[:-1]:
        body = body.setdefault(key, {})
    body[path[-1]] = value


def protected_cases(raw: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The cases bodies of sibling areas (every township of a county, or every village of a township) as they
    may be shown (reporting/privacy.py). The lines a reader can subtract along: one count across the siblings
    (the parent's exact figure is their sum) and, in each body, a total against its parts."""
    leaves = {code: _leaves(body) for code, body in raw.items()}
    paths = sorted({p for cells in leaves.values() for p in cells})
    values = {(code, p): cells.get(p, 0) for code, cells in leaves.items() for p in paths}
    lines: list[list[tuple[tuple[str, Path], int]]] = [[((code, p), 1) for code in raw] for p in paths]
    parts: dict[Path, list[Path]] = {}
    for p in paths:
        if (total := _total_of(p)) is not None:
            parts.setdefault(total, []).append(p)
    for code in raw:
        lines += [[((code, total), -1), *(((code, p), 1) for p in of)] for total, of in sorted(parts.items())]
    hidden = privacy.protect_lines(values, lines)
    out = {}
    for code, body in raw.items():
        shown = copy.deepcopy(body)
        for _, p in sorted(k for k in hidden if k[0] == code):
            _put(shown, p, privacy.shown(values[(code, p)], True))
        out[code] = shown
    return out


def siblings(store: ReadModel, parent: str, as_of: str, level: AreaLevel) -> list[str]:
    """The areas of a level directly under `parent` whose person counts form one group: those valid on the day,
    those a station sits in (as a county's reports list its townships) and those with any person fact."""
    codes = {code for (code,), n in store.sums("areas", parent, as_of, by=("area",)).items() if n > 0}
    for figure in ("stations", *sorted(privacy.PERSON_FIGURES)):
        codes |= {code for (code,) in store.sums(figure, parent, as_of, by=("child",))}
    return sorted(code for code in codes if level_of(code) == level)


def cases_under(store: ReadModel, parent: str, as_of: str, since: str, level: AreaLevel) -> dict[str, dict[str, Any]]:
    """The shown cases bodies of every area of `level` directly under `parent`."""
    return protected_cases({code: _case_figures(store, code, as_of, since)
                            for code in siblings(store, parent, as_of, level)})


def case_counts(body: dict[str, Any]) -> dict[str, Any]:
    """The case figures the reports list, from a cases body (exact or as shown): four, and the cases opened per
    target group."""
    return {"cases_opened": body["opened"]["total"], "open_cases": body["open"], "escalations": body["escalations"],
            "referrals": body["referrals"].get("referred", {}).get("total", 0),
            **{f"cases_opened_{group}": n for group, n in body["opened_by_group"].items()}}


def township_case_counts(store: ReadModel, county: str, as_of: str, since: str) -> dict[str, dict[str, Any]]:
    """The case figures of each of the county's townships as shown (the small-numbers rule)."""
    return {code: case_counts(body) for code, body in
            cases_under(store, county, as_of, since, AreaLevel.TOWNSHIP).items()}


def cases(store: ReadModel, area: str, as_of: str, since: str) -> dict[str, Any]:
    """Cases, escalations and referrals of the area: exact at a county and above; at a township or village
    under the small-numbers rule, decided among all its siblings so that every sibling's view agrees."""
    if not privacy.protected(area):
        return _case_figures(store, area, as_of, since)
    shown = cases_under(store, str(parent_of(area)), as_of, since, level_of(area))
    body = shown.get(area) or _case_figures(store, area, as_of, since)
    return {**body, "small_numbers": privacy.describe()}


def complaints(store: ReadModel, area: str, as_of: str, since: str) -> dict[str, Any]:
    received = _by(store.sums("complaints_received", area, as_of, since))
    closed = store.total("complaints_closed", area, as_of, since)
    surveys = _by(store.sums("surveys", area, as_of, since))
    scores = _by(store.sums("survey_score", area, as_of, since))
    return {"received": {"total": sum(received.values()), "by_channel": received}, "closed": closed,
            "average_response_hours": average(store.total("complaint_response_hours", area, as_of, since), closed),
            "average_resolution_hours": average(store.total("complaint_resolution_hours", area, as_of, since), closed),
            "satisfaction": {"surveys": sum(surveys.values()),
                             "average_score": average(sum(scores.values()), sum(surveys.values())),
                             "by_respondent": {r: {"surveys": n, "average_score": average(scores.get(r, 0), n)}
                                               for r, n in surveys.items()}}}


def projects(store: ReadModel, area: str, as_of: str, since: str) -> dict[str, Any]:
    started = _by(store.sums("projects_started", area, as_of, since))
    evaluations = store.total("project_evaluations", area, as_of, since)
    return {"started": {"total": sum(started.values()), "by_domain": started}, "evaluations": evaluations,
            "average_evaluation_score": average(store.total("project_score", area, as_of, since), evaluations),
            # every project's latest count as of the day, and how many more its projects served since `since`
            "beneficiaries": {"total": store.total("beneficiaries", area, as_of),
                              "in_period": store.total("beneficiaries", area, as_of, since)}}


def headroom(store: ReadModel, area: str, year: int, as_of: str) -> dict[str, str]:
    """The 3% cap on social-assistance purchases of the funding area for the year, what the year's
    disbursements used of it, and what is left (never below zero), as the funding service states it."""
    code = funding_area(area)
    cap = store.sums("assistance_cap", code, as_of, exact=True, by=("k2",)).get((str(year),), 0)
    used = store.sums("assistance_used", code, as_of, exact=True, by=("k2",)).get((str(year),), 0)
    return {
        "funding_area_code": code,
        "year": year,
        "cap": yuan(cap),
        "used": yuan(used),
        "headroom": yuan(max(cap - used, 0)),
    }


def money(store: ReadModel, area: str, as_of: str, since: str) -> dict[str, Any]:
    year = as_of[:4]
    budget = {k1: v for (k1, k2), v in store.sums("budget", area, as_of).items() if k2 == year}
    disbursed = _by(store.sums("disbursed", area, as_of, since))
    signed = _by(store.sums("contracts_signed", area, as_of, since))
    amounts = _by(store.sums("contract_amount", area, as_of, since))
    sources = _by(store.sums("contract_sources", area, as_of, since))
    return {
        "budget": {
            "year": int(year),
            "total": yuan(sum(budget.values())),
            "by_source": {k: yuan(v) for k, v in sorted(budget.items())},
        },
        "contracts": {
            "signed": sum(signed.values()),
            "amount": yuan(sum(amounts.values())),
            "by_purchaser": {p: {"signed": n, "amount": yuan(amounts.get(p, 0))} for p, n in signed.items()},
            "by_source": {k: yuan(v) for k, v in sources.items()},
        },
        "disbursed": {
            "instalments": store.total("disbursements", area, as_of, since),
            "total": yuan(sum(disbursed.values())),
            "by_source": {k: yuan(v) for k, v in disbursed.items()},
        },
        "assistance_cap": headroom(store, area, int(year), as_of),
    }


# How money reaches the work (§三(四)1, §三(四)5, annex 2 §3.4), in the funding service's codes and labels.
MODES = {"purchase": "购买服务", "subsidy": "补贴", "award": "奖励", "venture": "公益创投",
         "charity_fund": "慈善专项基金", "community_fund": "社区基金"}
FUND_KINDS = ("charity_fund", "community_fund")
CHARITY_TIERS = (AreaLevel.TOWNSHIP.value, AreaLevel.VILLAGE.value)


def money_modes(store: ReadModel, area: str, as_of: str, since: str) -> dict[str, Any]:
    """Money paid in the period per mode and source: purchases are the contracts' instalments, the other modes
    what was awarded, disbursed or paid out of a fund (projections/funding.py, money_paid)."""
    by_mode: dict[str, dict[str, int]] = {mode: {} for mode in MODES}
    by_mode["purchase"] = _by(store.sums("disbursed", area, as_of, since))
    for (mode, source), amount in store.sums("money_paid", area, as_of, since).items():
        by_mode[mode][source] = by_mode[mode].get(source, 0) + amount
    return {
        "total": yuan(sum(sum(sources.values()) for sources in by_mode.values())),
        "modes": {mode: {"label": MODES[mode], "total": yuan(sum(sources.values())),
                         "by_source": {k: yuan(v) for k, v in sorted(sources.items())}}
                  for mode, sources in by_mode.items()},
    }


def _per_tier(sums: dict[tuple, int]) -> dict[str, int]:
    return dict.fromkeys(CHARITY_TIERS, 0) | _by(sums, 1)


def charity(store: ReadModel, area: str, as_of: str, since: str) -> dict[str, Any]:
    """The community charity figures (annex 2 §3.4): needs of the ledger recorded and met in the period, donation
    points open and funds with their balances as of the day, each split by the tier of the area it sits in."""
    recorded = store.sums("charity_needs_recorded", area, as_of, since)
    met = store.sums("charity_needs_met", area, as_of, since)
    points = store.sums("donation_points", area, as_of, by=("k1",))
    funds, balances = store.sums("funds", area, as_of), store.sums("fund_balance", area, as_of)
    received = store.sums("fund_received", area, as_of, since)
    fund_tiers = list(dict.fromkeys([*CHARITY_TIERS, *(t for _, t in funds)]))  # a station's fund may be a county's
    return {
        "needs": {"recorded": sum(recorded.values()), "met": sum(met.values()),
                  "open": store.total("charity_needs_recorded", area, as_of)
                  - store.total("charity_needs_met", area, as_of),
                  "recorded_by_category": _by(recorded), "met_by_category": _by(met),
                  "recorded_by_tier": _per_tier(recorded), "met_by_tier": _per_tier(met)},
        "donation_points": {"open": sum(points.values()),
                            "by_tier": dict.fromkeys(CHARITY_TIERS, 0) | _by(points)},
        "funds": {kind: {"count": sum(n for (k, _), n in funds.items() if k == kind),
                         "balance": yuan(sum(v for (k, _), v in balances.items() if k == kind)),
                         "received": yuan(sum(v for (k, _), v in received.items() if k == kind)),
                         "received_by_donor": {d: yuan(v) for (k, d), v in sorted(received.items()) if k == kind},
                         "by_tier": {t: {"count": funds.get((kind, t), 0), "balance": yuan(balances.get((kind, t), 0))}
                                     for t in fund_tiers}}
                  for kind in FUND_KINDS},
    }


VIEWS: dict[str, Callable[[ReadModel, str, str, str], dict[str, Any]]] = {
    "stations": stations, "talent": talent, "organisations": organisations, "cases": cases,
    "complaints": complaints, "projects": projects, "money": money, "coverage": coverage,
    "money_modes": money_modes, "charity": charity}


def view(store: ReadModel, name: str, area: str, as_of: date, since: date | None = None) -> dict[str, Any]:
    start = since or date(as_of.year, 1, 1)
    body = VIEWS[name](store, area, as_of.isoformat(), start.isoformat())
    return {"area_code": area, "level": level_of(area), "as_of": as_of.isoformat(), "since": start.isoformat(), **body}
