"""Small numbers stay unidentifiable (issue 18 item 8): the one rule by which every figure counting people of a
vulnerable category (cases, children reported as suspected victims, clients referred to a policy) is shown at
village and township level. Pure code, no I/O: the views and reports hand it the cells, it says which to hide.

The rule (services/reporting/README.md, "Small numbers"):
- Tiers: an area at the township or village level (`PROTECTED_LEVELS`), whether it is asked for itself or is
  a row inside a county's or higher report. County, city, province and country figures stay exact.
- Primary suppression: a count of 1 to 4 (`0 < n < THRESHOLD`) is shown as `MARK` ("<5"). A 0 stays 0: it
  describes nobody, and hiding every zero would blank most township tables (standard small-cell practice,
  e.g. 1-4 suppressed, 0 shown).
- Secondary (complementary) suppression, along every line a reader can subtract along: one count across
  sibling areas (the parent's exact figure, the county's, is their sum) and, in an area's body, a total against
  its parts (a township's open cases and their split by domain and stage). While a line still gives a hidden
  cell away, one more of its cells is hidden: a 0 first (one whose other lines hold someone before one in a
  line of zeros, which pins it until that line hides another cell), shown as "<5", which is true of it, so a
  reader cannot tell it from a real 1-4; otherwise the smallest count of 5 or more, shown as `WITHHELD` ("*":
  hidden so that a "<5" cannot be recomputed; "<5" on it would be false). Lines are checked again until none
  gives a cell away; a cell pinned by a line with nothing left to hide counts as shown for its other lines.
- Machine-readable form: the cell's JSON value is the string "<5" or "*" instead of the integer, and the body
  of a protected area carries `small_numbers` (`describe()`); every other count stays an integer (API schema:
  the `AreaView` docstring in reporting/api/schemas.py). A hidden cell the body did not list (a domain with no
  case in this township) is added with its mark.
- Where: the `cases` view of a township or village, and every report row of a township (a county's quarterly
  notice and half-year report, the station scorecard's cases in the station's township), all from the same
  decision (`views.cases_under`), taken once for all the siblings, so that no two answers disagree.

What a reader can infer along one line is computed exactly (`determined`): a "<5" cell lies in 0..4, a "*"
cell in 5.. (no upper bound), the line's signed sum is known; a hidden cell is given away when that leaves it
one value. Lines are checked one at a time (the usual heuristic; an attack solving several lines at once as a
linear system is not ruled out). A line with nothing left to hide stays as it is: a lone township or village
under its parent, or hidden cells all at 4 with no other cell (two townships of 4, a county total of 8).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

from pzh_shared.areas import AreaLevel, level_of

THRESHOLD = 5
MARK = "<5"
WITHHELD = "*"
PROTECTED_LEVELS = frozenset({AreaLevel.TOWNSHIP, AreaLevel.VILLAGE})
# the read-model figures that count people of a vulnerable category (complaints, surveys, projects, stations,
# workers and money count no such person and stay exact at every tier)
PERSON_FIGURES = frozenset({"cases", "cases_opened", "cases_closed", "cases_opened_by_group", "escalations",
                            "referrals"})

Cell = int | str
K = TypeVar("K", bound=Hashable)


def protected(area_code: str) -> bool:
    """Whether the area's person counts are shown under the rule (a township or a village)."""
    return level_of(area_code) in PROTECTED_LEVELS


def small(n: int) -> bool:
    return 0 < n < THRESHOLD


def _bounds(value: int) -> tuple[float, float]:
    """What a reader knows of a hidden cell from its mark: "<5" is 0..4, "*" is 5 or more."""
    return (0, THRESHOLD - 1) if value < THRESHOLD else (THRESHOLD, float("inf"))


def _term(value: int, sign: int) -> tuple[float, float]:
    low, high = _bounds(value)
    return (low, high) if sign > 0 else (-high, -low)


def determined(values: Mapping[K, int], line: Sequence[tuple[K, int]], hidden: set[K]) -> list[K]:
    """The hidden cells of a line whose value a reader can work out: the line's signed sum is known (a total
    minus its parts is 0; a parent's exact figure is the sum of its children), so is every shown cell, and each
    hidden cell lies within its mark's bounds."""
    terms = [(k, sign) for k, sign in line if k in hidden]
    known = sum(sign * values[k] for k, sign in terms)
    out = []
    for k, sign in terms:
        others = [_term(values[j], s) for j, s in terms if j != k]
        low = known - sum(high for _, high in others)
        high = known - sum(low for low, _ in others)
        own_low, own_high = _term(values[k], sign)
        if max(own_low, low) == min(own_high, high):
            out.append(k)
    return out


def protect_lines(values: Mapping[K, int], lines: Sequence[Sequence[tuple[K, int]]]) -> set[K]:
    """The cells to hide: every 1-4, then, line by line until no line gives a hidden cell away, one more cell of
    a line that does: a 0 whose every other line holds someone, then any other 0 (a line of zeros pins it until
    that line hides one more cell too), then the smallest count of 5 or more (by key among equals). A line is a
    list of (cell, +1 or -1)."""
    hidden = {k for k, n in values.items() if small(n)}
    lines_of: dict[K, list[int]] = {}
    for i, line in enumerate(lines):
        for k, _ in line:
            lines_of.setdefault(k, []).append(i)

    def candidate(i: int) -> K | None:
        def rank(k: K) -> tuple[int, int, str]:
            if values[k]:
                return 2, values[k], str(k)
            # a 0 whose other lines hold nobody is pinned by them until they hide a cell of their own too
            return int(not all(any(values[j] for j, _ in lines[o]) for o in lines_of[k] if o != i)), 0, str(k)

        free = [k for k, _ in lines[i] if k not in hidden]
        return min(free, key=rank) if free else None

    given_away: set[K] = set()  # hidden cells a line pins down with nothing left to hide: as good as shown
    changed = bool(hidden)
    while changed:
        changed = False
        for i, line in enumerate(lines):
            while pinned := determined(values, line, hidden - given_away):
                if (extra := candidate(i)) is None:
                    # the README's residual case; the other lines of these cells must not count on them
                    given_away |= set(pinned)
                    changed = True
                    break
                hidden.add(extra)
                changed = True
    return hidden


def protect(cells: Mapping[K, int]) -> set[K]:
    """The cells to hide of one group whose sum is known (e.g. the townships of a county)."""
    return protect_lines(cells, [[(k, 1) for k in cells]])


def shown(n: int, hide: bool) -> Cell:
    """A count as shown: its mark when hidden, else the number."""
    if not hide:
        return n
    return MARK if n < THRESHOLD else WITHHELD


def describe() -> dict[str, object]:
    """The rule as the JSON of a protected area carries it, so a client can explain the marks."""
    return {"threshold": THRESHOLD, "levels": sorted(PROTECTED_LEVELS), "mark": MARK, "withheld": WITHHELD,
            "rule": "乡镇(街道)、村(社区)级涉及困境群体人数的 1-4 显示为 <5，为防止由合计相减推算而隐去的其他数显示为 "
                    "<5（为 0 时）或 *；县(区)及以上为准确数"}
