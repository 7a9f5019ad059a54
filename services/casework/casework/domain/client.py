"""The Client aggregate: a person the station serves. Identity and contact (name, ID number, phone,
address, birth date) and any guardian details are held only as `sealed` tokens: ciphertext under
the client's own data key, made by the application before the event is recorded. The aggregate
never sees them in clear, so no stored event does; erasing the key erases the person, while the
client's cases and every count stay.

One person, one record: a registration that looks like an existing client (same normalised name and birth
date, matched on a blind key by the application) is flagged on both records as a possible duplicate; a reviewer
dismisses the pair or merges one record into the other. A merge is two events, never a rewrite: the old record
says whom it was merged into (and stays readable), the survivor which records it absorbed (their cases are its
cases from then on)."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import Aggregate, event

from casework.domain.errors import CaseworkError, ClientErased, ClientMerged, Conflict, ConsentRequired, NotFound
from casework.domain.vocabulary import TARGET_GROUP_NAMES, ConsentBasis, target_groups


def checked_groups(categories: list[str]) -> list[str]:
    try:
        return target_groups(categories)
    except ValueError as exc:
        raise CaseworkError(f"服务对象类别(categories)只能是：{'、'.join(TARGET_GROUP_NAMES.values())}") from exc


class Client(Aggregate):
    class Registered(Aggregate.Created):
        station_id: str
        sealed_identity: str
        registered_on: date
        # The station's area, for the search within a station's or county's area; None in older registrations.
        area_code: str | None = None
        # TargetGroup values recorded at intake; absent in older registrations
        categories: list[str] | None = None

    class CategoriesChanged(Aggregate.Event):
        categories: list[str]
        changed_on: date

    class IdentityCorrected(Aggregate.Event):
        sealed_identity: str
        corrected_on: date

    class ConsentRecorded(Aggregate.Event):
        basis: str
        sealed_detail: str | None
        recorded_on: date

    class Erased(Aggregate.Event):
        erased_on: date

    class DuplicateFlagged(Aggregate.Event):
        other_id: str
        flagged_on: date
        at_intake: bool  # True on the record whose registration found the other one

    class DuplicateDismissed(Aggregate.Event):
        other_id: str
        dismissed_on: date
        by: str

    class MergedInto(Aggregate.Event):
        into: str
        merged_on: date
        by: str
        sealed_reason: str  # the reviewer's reason may name people: sealed under this client's key

    class Absorbed(Aggregate.Event):
        merged_ids: list[str]  # the record merged in and every record it had absorbed itself
        merged_on: date
        by: str

    @event(Registered)
    def __init__(self, station_id: str, sealed_identity: str, registered_on: date, area_code: str | None = None,
                 categories: list[str] | None = None):
        self.station_id = station_id
        self.categories: list[str] = list(categories or [])
        self.area_code = area_code
        self.sealed_identity = sealed_identity
        self.registered_on = registered_on
        self.consent_basis: ConsentBasis | None = None
        self.consent_on: date | None = None
        self.sealed_consent_detail: str | None = None
        self.erased_on: date | None = None
        # other client id -> {"flagged_on", "at_intake", "status": open | dismissed | merged}
        self.duplicates: dict[str, dict[str, object]] = {}
        self.merged_into: str | None = None
        self.merged_on: date | None = None
        self.sealed_merge_reason: str | None = None
        self.absorbed: list[str] = []

    @property
    def is_active(self) -> bool:
        """Neither erased nor merged into another record: the one record new work is done on."""
        return self.erased_on is None and self.merged_into is None

    def _check_not_erased(self) -> None:
        if self.erased_on is not None:
            raise ClientErased("该服务对象的身份信息已应其请求删除，不能再办理新的业务")
        if self.merged_into is not None:
            raise ClientMerged(f"该服务对象记录已合并至 {self.merged_into}：请在保留的记录上办理", self.merged_into)

    def correct_identity(self, sealed_identity: str, corrected_on: date) -> None:
        self._check_not_erased()
        self._identity_corrected(sealed_identity, corrected_on)

    @event(IdentityCorrected)
    def _identity_corrected(self, sealed_identity: str, corrected_on: date) -> None:
        self.sealed_identity = sealed_identity

    def change_categories(self, categories: list[str], changed_on: date) -> None:
        """The client's categories from that day on (the whole new set); the same set again records nothing."""
        self._check_not_erased()
        chosen = checked_groups(categories)
        if chosen != self.categories:
            self._categories_changed(chosen, changed_on)

    @event(CategoriesChanged)
    def _categories_changed(self, categories: list[str], changed_on: date) -> None:
        self.categories = list(categories)

    def record_consent(self, basis: ConsentBasis, sealed_detail: str | None, recorded_on: date) -> None:
        self._check_not_erased()
        self._consent_recorded(ConsentBasis(basis).value, sealed_detail, recorded_on)

    @event(ConsentRecorded)
    def _consent_recorded(self, basis: str, sealed_detail: str | None, recorded_on: date) -> None:
        self.consent_basis = ConsentBasis(basis)
        self.sealed_consent_detail = sealed_detail
        self.consent_on = recorded_on

    def check_may_open_case(self, under_14: bool, opened_on: date) -> None:
        """A client under 14 needs a recorded guardian consent or statutory basis, recorded no later
        than the day the case opens."""
        self._check_not_erased()
        if under_14 and (self.consent_basis is None or self.consent_on is None or self.consent_on > opened_on):
            raise ConsentRequired("服务对象未满14周岁：须先记录监护人同意或法定依据，才能开案")

    def erase(self, erased_on: date) -> None:
        if self.erased_on is None:
            self._erased(erased_on)

    @event(Erased)
    def _erased(self, erased_on: date) -> None:
        self.erased_on = erased_on

    # --- one person, one record -------------------------------------------------------------------

    def flag_duplicate(self, other_id: str, flagged_on: date, at_intake: bool) -> None:
        if other_id not in self.duplicates:
            self._duplicate_flagged(other_id, flagged_on, at_intake)

    @event(DuplicateFlagged)
    def _duplicate_flagged(self, other_id: str, flagged_on: date, at_intake: bool) -> None:
        self.duplicates[other_id] = {"flagged_on": flagged_on, "at_intake": at_intake, "status": "open"}

    @property
    def open_duplicates(self) -> list[str]:
        return [other for other, pair in self.duplicates.items() if pair["status"] == "open"]

    def dismiss_duplicate(self, other_id: str, dismissed_on: date, by: str) -> None:
        """"Not the same person": the pair leaves the review queue; dismissing it again is a conflict."""
        self._check_not_erased()
        pair = self.duplicates.get(other_id)
        if pair is None:
            raise NotFound("这两条服务对象记录未被标记为疑似重复(client_id)")
        if pair["status"] != "open":
            raise Conflict("这对疑似重复记录已处理(已排除或已合并)，不能再次排除")
        self._duplicate_dismissed(other_id, dismissed_on, by)

    @event(DuplicateDismissed)
    def _duplicate_dismissed(self, other_id: str, dismissed_on: date, by: str) -> None:
        self.duplicates[other_id]["status"] = "dismissed"

    def _check_mergeable(self, field: str, whose: str) -> None:
        if self.erased_on is not None:
            raise ClientErased(f"{whose}({field})的身份信息已删除，不能合并")
        if self.merged_into is not None:
            raise ClientMerged(f"{whose}({field})已合并至 {self.merged_into}，不能再次合并", self.merged_into)

    def merge_into(self, survivor: Client, merged_on: date, by: str, sealed_reason: str) -> None:
        """This record is the same person as `survivor`'s: it records whom it was merged into and the survivor
        records what it absorbed (save both together). Its history and its cases stay; new work goes to the
        survivor."""
        if survivor.id == self.id:
            raise CaseworkError("不能将服务对象记录合并到其自身：合并目标(into)须为另一条记录")
        self._check_mergeable("client_id", "被合并的服务对象")
        survivor._check_mergeable("into", "合并目标")
        self._merged_into(str(survivor.id), merged_on, by, sealed_reason)
        survivor._absorbed([str(self.id), *self.absorbed], merged_on, by)

    @event(MergedInto)
    def _merged_into(self, into: str, merged_on: date, by: str, sealed_reason: str) -> None:
        self.merged_into = into
        self.merged_on = merged_on
        self.sealed_merge_reason = sealed_reason
        if into in self.duplicates:
            self.duplicates[into]["status"] = "merged"

    @event(Absorbed)
    def _absorbed(self, merged_ids: list[str], merged_on: date, by: str) -> None:
        self.absorbed = [*self.absorbed, *merged_ids]
        if merged_ids[0] in self.duplicates:
            self.duplicates[merged_ids[0]]["status"] = "merged"
