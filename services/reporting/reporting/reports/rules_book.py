"""The rules book: the edits of the reporting rules by the bureau that owns them, kept as a log of revisions (one
recorded event each, never changed) beside the shipped rules file, which stays the default and the first version.

The deployment root's bureau owns the notice weights, station quotas, pilot counties, calendar and default rubric
(a complete rules version, reports/rules.py `RuleVersion`); a county's bureau owns its own 评价细则 (附件2 §5.1.3
"由縣(區)民政部門牽頭制定評價細則", a `RubricVersion`). Each revision is a complete version with the day it takes
effect; a day inside a period whose reports are already due would change a closed period's figures, so it is
refused. A revision for a day the owner already has replaces that version from then on; the log keeps both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from reporting.reports.rules import ReportingRules, RubricVersion, RuleVersion


class RevisionRefused(ValueError):
    """A revision the book does not take (HTTP 422); the message is Chinese and names the field."""


class StaleRevision(RevisionRefused):
    """The owner's book has moved on since the editor read it (HTTP 409)."""


@dataclass(frozen=True)
class Revision:
    """One recorded event of an owner's book: `number` counts the owner's revisions from 1."""

    owner: str
    number: int
    effective_from: date
    version: dict[str, Any]  # the complete version as recorded (JSON), without its effective date
    recorded_at: str
    recorded_by: str

    def as_event(self) -> dict[str, Any]:
        return {"type": "RulesVersionRecorded", "owner": self.owner, "number": self.number,
                "effective_from": self.effective_from.isoformat(), "version": self.version,
                "recorded_at": self.recorded_at, "recorded_by": self.recorded_by}

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Revision:
        return cls(event["owner"], event["number"], date.fromisoformat(event["effective_from"]), event["version"],
                   event["recorded_at"], event["recorded_by"])


def earliest_effective(owner_is_root: bool, today: date) -> date:
    """The first day a new version may take effect: the root's rules make the monthly dispatch, so not before this
    month; a county's rubric makes the yearly scorecard alone (the rubric on 31 December), so not before this
    year. Earlier days lie in periods that have closed."""
    return today.replace(day=1) if owner_is_root else today.replace(month=1, day=1)


def validated(owner_is_root: bool, effective_from: date, version: dict[str, Any]) -> RuleVersion | RubricVersion:
    """The body as the rules' own model, or RevisionRefused naming the first wrong field in Chinese."""
    model = RuleVersion if owner_is_root else RubricVersion
    try:
        return model.model_validate({**version, "effective_from": effective_from})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in ("version", *first["loc"]))
        message = str(first["msg"]).removeprefix("Value error, ")  # pydantic's prefix to a validator's own text
        raise RevisionRefused(f"字段 {field} 不正确：{message}") from exc


def check(history: list[Revision], owner_is_root: bool, effective_from: date, version: dict[str, Any],
          expected: int | None, today: date) -> RuleVersion | RubricVersion:
    """What a new revision must satisfy against the owner's book so far (`expected`: the number of revisions the
    editor saw, when given)."""
    if expected is not None and expected != len(history):
        raise StaleRevision(f"规则已被他人修订（现有 {len(history)} 次修订，提交时基于 {expected} 次）：请刷新后重试")
    floor = earliest_effective(owner_is_root, today)
    if effective_from < floor:
        raise RevisionRefused(f"生效日期(effective_from) {effective_from} 早于 {floor}：此前的报送期间已结束，"
                              "其报表按当时的规则制作，新版本只能从尚未结束的期间起生效")
    return validated(owner_is_root, effective_from, version)


def _by_day(revisions: list[Revision]) -> dict[date, Revision]:
    """The owner's versions: per effective day the latest revision."""
    return {r.effective_from: r for r in sorted(revisions, key=lambda r: r.number)}


def merged(base: ReportingRules, root: str, book: dict[str, list[Revision]]) -> ReportingRules:
    """The rules the reports use: the file's versions with the root's revisions over them (a day of both: the
    revision's), and each county's rubric versions."""
    days = {v.effective_from: v for v in base.versions}
    days |= {day: RuleVersion.model_validate({**r.version, "effective_from": day})
             for day, r in _by_day(book.get(root, [])).items()}
    rubrics = {owner: tuple(RubricVersion.model_validate({**r.version, "effective_from": day})
                            for day, r in sorted(_by_day(revisions).items()))
               for owner, revisions in book.items() if owner != root and revisions}
    return base.model_copy(update={"versions": tuple(days[day] for day in sorted(days)), "root_area": root,
                                   "rubrics": rubrics})


def _entry(effective_from: date, version: dict[str, Any], revision: Revision | None, today: date,
           in_force_from: date | None) -> dict[str, Any]:
    return {"effective_from": effective_from, "source": "book" if revision else "file",
            "revision": revision.number if revision else None,
            "recorded_at": revision.recorded_at if revision else None,
            "recorded_by": revision.recorded_by if revision else None,
            "in_force": effective_from == in_force_from, "future": effective_from > today, "version": version}


def view(rules: ReportingRules, owner: str, book: dict[str, list[Revision]], today: date) -> dict[str, Any]:
    """The owner's versions (past, in force today, future) as the reports use them (`rules`: merged), with what
    the next revision needs: the number of revisions so far and the earliest effective day."""
    is_root = owner == rules.root_area
    own = book.get(owner, [])
    latest = _by_day(own)
    if is_root:
        in_force = rules.at(today).effective_from
        versions = [_entry(v.effective_from, v.model_dump(mode="json", exclude={"effective_from"}),
                           latest.get(v.effective_from), today, in_force) for v in rules.versions]
        inherited = None
    else:
        scored = rules.rubric_on(owner, today)
        in_force_own = scored.effective_from if scored.owner == owner else None
        versions = [_entry(v.effective_from, {"rubric": v.rubric.model_dump(mode="json")}, latest[v.effective_from],
                           today, in_force_own) for v in rules.rubrics.get(owner, ())]
        root = rules.at(today)
        inherited = None if in_force_own else _entry(root.effective_from, {"rubric": root.rubric.model_dump(
            mode="json")}, _by_day(book.get(rules.root_area, [])).get(root.effective_from), today, root.effective_from)
    return {"owner": owner, "kind": "rules" if is_root else "rubric", "as_of": today, "revisions": len(own),
            "earliest_effective_from": earliest_effective(is_root, today), "versions": versions,
            "inherited": inherited}
