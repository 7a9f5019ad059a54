"""Small numbers stay unidentifiable (issue 18 item 8): the counts of people the plan's social work serves,
"重点为轄區內困難家庭、留守空巢老人、困境兒童、殘疾人、流動人口等特殊群體" (the plan, §二(二)2), at village and
township level are shown with 1-4 as "<5" in the read API, the XLSX and every report file that lists them; 5 and more, 0
and every county figure are exact; and a reader who takes the county's exact figure and every sibling's view
cannot subtract a hidden cell back. The attack below enumerates every value the marks allow, independently
of reporting/privacy.py's own check."""

from __future__ import annotations

import io
import itertools
import json
import random

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from reporting import privacy, views
from reporting.adapters.store import ReadModelStore
from reporting.api.app import create_app
from reporting.projections.router import project
from reporting.reports.archive import ReportArchive
from reporting.reports.catalogue import KINDS
from reporting.reports.service import generate
from reporting.settings import ReportingSettings

CITY, COUNTY = "510400", "510421"
T1, T2, T3, T4 = (f"{COUNTY}00{i}" for i in range(1, 5))
VILLAGE = f"{T3}001"
# cases opened in the first half of 2024 per area and domain: T1 3 (below the threshold), T2 exactly 5,
# T3 7 (3 of its own, 4 children's cases in its village), T4 2
CASES = {T1: [("elderly_care", 3)], T2: [("elderly_care", 5)], T3: [("elderly_care", 3)],
         VILLAGE: [("child_welfare", 4)], T4: [("elderly_care", 2)]}
DAY = "2024-06-30"


def _area(code: str, parent: str | None, level: str) -> tuple[str, dict]:
    return ("registry.area.registered.v1", {"area_code": code, "parent_code": parent, "level": level,
                                            "name": f"区划{code}", "reform_affected": False,
                                            "valid_from": "2020-01-01", "vintage": "2020"})


def _events() -> list[tuple[str, dict]]:
    events = [_area(CITY, None, "city"), _area(COUNTY, CITY, "county"), _area(VILLAGE, T3, "village")]
    events += [_area(code, COUNTY, "township") for code in (T1, T2, T3, T4)]
    for area, domains in CASES.items():
        for domain, n in domains:
            events += [("casework.case.opened.v1", {"case_id": f"{area}-{domain}-{i}", "area_code": area,
                                                    "domain": domain, "opened_on": "2024-02-02"}) for i in range(n)]
    return events


def _opened(area: str) -> int:
    """Cases opened in an area and every area under it, from CASES."""
    return sum(n for code, domains in CASES.items() if code.startswith(area) for _, n in domains)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("small-numbers")
    store = ReadModelStore(root / "rm.sqlite")
    store.apply((f"e{n}", kind, project(kind, data)) for n, (kind, data) in enumerate(_events()))
    settings = ReportingSettings(city_code=CITY)
    archive = ReportArchive(root / "reports", CITY)
    return store, archive, settings, TestClient(create_app(store, archive, settings=settings))


def _view(world, area: str) -> dict:
    reply = world[3].get(f"/read-models/cases/{area}", params={"as_of": DAY})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_the_rule_lives_in_one_place():
    assert (privacy.THRESHOLD, privacy.MARK) == (5, "<5")
    assert privacy.PROTECTED_LEVELS == {"township", "village"}
    assert [privacy.protected(code) for code in (T1, VILLAGE, COUNTY, CITY)] == [True, True, False, False]


def test_a_township_with_3_cases_shows_below_5_and_one_with_5_shows_5(world):
    t1, t2 = _view(world, T1), _view(world, T2)
    assert (t1["opened"]["total"], t1["open"], t1["opened"]["by_domain"]["elderly_care"]) == ("<5", "<5", "<5")
    assert (t2["opened"]["total"], t2["open"], t2["opened"]["by_domain"]) == (5, 5, {"elderly_care": 5})
    assert t1["small_numbers"]["threshold"] == privacy.THRESHOLD
    village = _view(world, VILLAGE)
    assert village["opened"]["by_domain"]["child_welfare"] == "<5"


def test_county_and_city_are_exact(world):
    for area in (COUNTY, CITY):
        body = _view(world, area)
        assert body["opened"]["total"] == _opened(COUNTY) == 17
        assert body["opened"]["by_domain"] == {"child_welfare": 4, "elderly_care": 13}
        assert "small_numbers" not in body


def _leaves(body: dict, path: tuple = ()) -> dict[tuple, object]:
    out: dict[tuple, object] = {}
    for key, value in body.items():
        if isinstance(value, dict):
            out |= _leaves(value, (*path, key))
        elif key != "threshold":
            out[(*path, key)] = value
    return out


def _possible(cells: dict[str, object], known_sum: int) -> dict[str, set[int]]:
    """Every value each hidden cell can take: "<5" is 0..4, "*" 5 up to the sum, and the hidden cells add up to
    the known sum minus the shown ones."""
    hidden = [k for k, v in cells.items() if isinstance(v, str)]
    rest = known_sum - sum(v for v in cells.values() if isinstance(v, int))
    ranges = [range(0, 5) if cells[k] == "<5" else range(5, max(rest, 5) + 1) for k in hidden]
    out: dict[str, set[int]] = {k: set() for k in hidden}
    for values in itertools.product(*ranges):
        if sum(values) == rest:
            for k, v in zip(hidden, values, strict=True):
                out[k].add(v)
    return out


def test_subtracting_the_townships_from_the_county_reveals_no_cell(world):
    county = _leaves(_view(world, COUNTY))
    townships = {code: _leaves(_view(world, code)) for code in (T1, T2, T3, T4)}
    checked = 0
    for path, total in county.items():
        if not isinstance(total, int) or path[0] == "small_numbers":
            continue
        cells = {code: leaves.get(path, 0) for code, leaves in townships.items()}
        for code, values in _possible(cells, total).items():
            checked += 1
            assert len(values) > 1, (path, code, cells, total)
    assert checked  # the attack had hidden cells to try
    # T3's 4 children's cases would be the county's 4 minus three zeros without the complementary "<5" on
    # T1's empty child welfare (T1 has people in its other line, so that "<5" is not given away in turn)
    assert townships[T3][("opened", "by_domain", "child_welfare")] == "<5"
    assert townships[T1][("opened", "by_domain", "child_welfare")] == "<5"
    assert townships[T2][("opened", "total")] == 5


def _range(mark: object, cap: int) -> range:
    if isinstance(mark, int):
        return range(mark, mark + 1)
    return range(0, 5) if mark == "<5" else range(5, cap + 1)


def test_a_total_and_its_parts_reveal_no_part(world):
    """In each township's body a total is the sum of its parts: no hidden part or total has one value left."""
    t3 = _leaves(_view(world, T3))
    assert (t3[("opened", "total")], t3[("opened", "by_domain", "child_welfare")]) == (7, "<5")
    checked = 0
    for code in (T1, T2, T3, T4):
        leaves = _leaves(_view(world, code))
        lines = {("open",): [p for p in leaves if p[0] == "open_by_domain_and_stage"],
                 ("opened", "total"): [p for p in leaves if p[:2] == ("opened", "by_domain")],
                 ("closed", "total"): [p for p in leaves if p[:2] == ("closed", "by_domain")]}
        for total, parts in lines.items():
            cells = [total, *parts]
            if all(isinstance(leaves[p], int) for p in cells):
                continue
            possible: dict[tuple, set[int]] = {p: set() for p in cells}
            for values in itertools.product(*(_range(leaves[p], 20) for p in cells)):
                if values[0] == sum(values[1:]):
                    for p, v in zip(cells, values, strict=True):
                        possible[p].add(v)
            for p in cells:
                if isinstance(leaves[p], str):
                    checked += 1
                    assert len(possible[p]) > 1, (code, p, {c: leaves[c] for c in cells})
    assert checked


def test_random_groups_are_protected_but_for_the_all_fours_case():
    rng = random.Random(18)
    for _ in range(300):
        cells = {f"a{i}": rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9]) for i in range(rng.randint(1, 5))}
        hidden = privacy.protect(cells)
        shown = {k: privacy.shown(v, k in hidden) for k, v in cells.items()}
        assert {k for k, v in shown.items() if isinstance(v, str)} >= {k for k, v in cells.items() if 0 < v < 5}
        for k, values in _possible(shown, sum(cells.values())).items():
            if 0 < cells[k] < 5 and len(values) == 1:
                # the documented residual: no shown cell was left to hide (a lone township, or all of them 4)
                assert hidden == set(cells), (cells, shown)


def _report(world, report: str, period: str) -> tuple[dict, bytes, bytes]:
    store, archive, settings, _ = world
    meta = generate(store, archive, report, period, settings=settings, area=COUNTY)
    files = {fmt: archive.path(report, period, meta["version"], fmt, COUNTY).read_bytes()
             for fmt in ("json", "xlsx", "html")}
    return json.loads(files["json"]), files["xlsx"], files["html"]


def _pinned(line: list[tuple[object, int]], known: int, cap: int) -> list[int]:
    """The positions of the hidden cells of a line (shown value or mark, sign) that the marks leave one value,
    the line's signed sum being `known`."""
    options = [_range(shown, cap) for shown, _ in line]
    seen: list[set[int]] = [set() for _ in line]
    for values in itertools.product(*options):
        if sum(v * sign for v, (_, sign) in zip(values, line, strict=True)) == known:
            for i, v in enumerate(values):
                seen[i].add(v)
    return [i for i, (shown, _) in enumerate(line) if isinstance(shown, str) and len(seen[i]) == 1]


def test_random_township_tables_give_no_small_cell_away_but_in_a_line_all_hidden():
    """Townships x domains of cases opened: each line (a domain across the townships, whose sum the county's
    exact figure gives; a township's total against its domains) is attacked on its own; a 1-4 cell is pinned
    only where its line has nothing shown (the README's residual: e.g. two townships of 4 and nothing else)."""
    rng = random.Random(8)
    for _ in range(60):
        raw = {}
        for i in range(rng.randint(2, 5)):
            domains = {d: n for d in ("a", "b", "c") if (n := rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9]))}
            raw[f"t{i}"] = {"opened": {"total": sum(domains.values()), "by_domain": domains}}
        shown = {code: _leaves(body) for code, body in views.protected_cases(raw).items()}
        truth = {code: _leaves(body) for code, body in raw.items()}
        domains = sorted({p for cells in truth.values() for p in cells if p[1] == "by_domain"})
        cap = max(cells[("opened", "total")] for cells in truth.values())
        lines = [[(code, p, 1) for code in raw] for p in [("opened", "total"), *domains]]
        lines += [[(code, ("opened", "total"), -1), *((code, p, 1) for p in domains)] for code in raw]
        pinned, origins = set(), set()
        for line in lines:
            cells = [(shown[code].get(p, 0), sign) for code, p, sign in line]
            known = sum(truth[code].get(p, 0) * sign for code, p, sign in line)
            for i in _pinned(cells, known, cap):
                code, p, _ = line[i]
                if 0 < truth[code].get(p, 0) < 5:
                    pinned.add((code, p))
                    if all(isinstance(c, str) for c, _ in cells):
                        origins.add((code, p))
        assert pinned <= origins, (raw, shown)


def _pdf_rows(report: str, content: dict, area: str) -> list[list]:
    """The rows of the PDF's tables that name the area (the PDF draws the tables of the report's Document;
    its text is embedded as font subsets, so it is read here from the Document the PDF writer is given)."""
    document = KINDS[report].document(content)
    return [row for section in document.sections if section.pdf for row in section.rows
            if area in row or f"区划{area}" in row]


def _cell(xlsx: bytes, column: str, area: str) -> object:
    """The value in the column of the area's row, in the first sheet that has both."""
    for sheet in load_workbook(io.BytesIO(xlsx)).worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        for i, row in enumerate(rows):
            if column in row:
                at = row.index(column)
                for data in rows[i + 1:]:
                    if area in data:
                        return data[at]
    raise AssertionError(f"{column} / {area} not in the workbook")


def test_the_county_half_year_report_shows_below_5_in_every_file(world):
    content, xlsx, html = _report(world, "half_year_report", "2024-H1")
    rows = {row["area_code"]: row for row in content["townships"]}
    assert (rows[T1]["cases_opened"], rows[T2]["cases_opened"], rows[T3]["cases_opened"]) == ("<5", 5, 7)
    assert content["totals"]["cases_opened"] == _opened(COUNTY)
    assert (_cell(xlsx, "半年新开个案", T1), _cell(xlsx, "半年新开个案", T2)) == ("<5", 5)
    assert _cell(xlsx, "半年新开个案", "全县(区)") == _opened(COUNTY)
    assert "&lt;5" in html.decode()
    assert any("<5" in row for row in _pdf_rows("half_year_report", content, T1))


def test_the_county_notice_shows_below_5_in_every_file(world):
    content, xlsx, html = _report(world, "quarterly_notice", "2024-Q1")
    rows = {row["area_code"]: row["figures"] for row in content["townships"]}
    assert (rows[T1]["cases_opened"], rows[T4]["cases_opened"], rows[T2]["cases_opened"]) == ("<5", "<5", 5)
    assert content["totals"]["cases_opened"] == _opened(COUNTY)
    shown = [_cell(xlsx, "新开个案", area) for area in (T1, T2, "合计")]
    assert shown == ["<5", 5, _opened(COUNTY)]
    assert "&lt;5" in html.decode()
    assert any("<5" in row for row in _pdf_rows("quarterly_notice", content, T1))
