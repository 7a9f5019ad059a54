"""One contract for where the rules book is recorded, run on both adapters (the JSON-lines files beside a SQLite
read model, and PostgreSQL on the session's real server): revisions numbered per owner and read back as
recorded, a refused revision recording nothing, and two editors who read the same revisions never both taking
the next number."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import psycopg
import pytest
from reporting.adapters.rules_log import PostgresRulesLog, RulesBookLog, RulesLog
from reporting.reports import rules
from reporting.reports.rules_book import Revision, RevisionRefused, StaleRevision

EAST, WEST = "510402", "510403"
RUBRIC = {"rubric": rules.load().versions[-1].rubric.model_dump(mode="json")}
DAY = date(2027, 1, 1)


def _accept(history: list[Revision]) -> dict[str, Any]:
    return RUBRIC


@pytest.fixture(params=["files", "postgres"])
def new_log(request, tmp_path) -> Iterator[Callable[[], RulesBookLog]]:  # type: ignore[no-untyped-def]
    """Makes views of one empty book, as separate processes hold them (each its own connection)."""
    made: list[PostgresRulesLog] = []
    conninfo = ""
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        name = f"rules_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        conninfo = server.dsn.rsplit("/", 1)[0] + f"/{name}"

    def make() -> RulesBookLog:
        if not conninfo:
            return RulesLog(tmp_path / "rules-book")
        log = PostgresRulesLog(conninfo)
        made.append(log)
        return log

    yield make
    for log in made:
        log.close()


def test_revisions_are_numbered_per_owner_and_read_back_as_recorded(new_log) -> None:
    log, other = new_log(), new_log()
    first = log.record(EAST, "东区民政局", DAY, _accept)
    log.record(WEST, "西区民政局", DAY, _accept)
    second = log.record(EAST, "东区民政局", date(2027, 7, 1), _accept)
    assert (first.number, second.number) == (1, 2)
    book = other.book()
    assert [r.number for r in book[EAST]] == [1, 2] and [r.number for r in book[WEST]] == [1]
    assert book[EAST][0] == first and book[EAST][1].effective_from == date(2027, 7, 1)
    assert book[EAST][0].version == RUBRIC and book[EAST][0].recorded_by == "东区民政局"


def test_a_refused_revision_records_nothing(new_log) -> None:
    log = new_log()

    def refuse(history: list[Revision]) -> dict[str, Any]:
        raise RevisionRefused("字段 version.rubric 不正确")

    with pytest.raises(RevisionRefused):
        log.record(EAST, "x", DAY, refuse)
    assert new_log().book().get(EAST, []) == []


def test_two_editors_who_read_the_same_revisions_never_take_one_number(new_log) -> None:
    first, second = new_log(), new_log()
    outcomes: list[str] = []

    def editor_two() -> None:
        try:
            outcomes.append(f"recorded {second.record(EAST, 'two', DAY, _accept).number}")
        except StaleRevision:
            outcomes.append("stale")

    rival = threading.Thread(target=editor_two)

    def while_the_other_edits(history: list[Revision]) -> dict[str, Any]:
        rival.start()  # the second editor records while the first has read the book and not yet written
        rival.join(1.0)
        return RUBRIC

    try:
        outcomes.append(f"recorded {first.record(EAST, 'one', DAY, while_the_other_edits).number}")
    except StaleRevision:
        outcomes.append("stale")
    rival.join()
    numbers = [r.number for r in new_log().book()[EAST]]
    assert numbers == list(range(1, len(numbers) + 1))  # never two revisions of one number
    assert sorted(outcomes) == sorted([f"recorded {n}" for n in numbers] + ["stale"] * (2 - len(numbers)))
