"""The casework service's use cases: commands in, aggregates saved.

Personal data is sealed here, with the client's data key from the key store, before an aggregate
records it; reads open it again, and every read or export of a case file (or a client's record) is
written to the read audit first: no audit record, no data."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any, TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking
from pzh_shared.eventstore import ServiceApplication
from pzh_shared.listing import ListError, ListIndex, ListQuery, Page
from pzh_shared.sealing import seal, unseal

from casework.application import receipts
from casework.application.lists import SPECS, likeness, projector
from casework.application.search import (
    CHINA,
    MAX_HITS,
    SEARCH_NAMES,
    SearchBy,
    china_today,
    due_flag,
    masked,
    search_filters,
    within,
)
from casework.application.withdrawn import read_withdrawn_events
from casework.domain.case import Case
from casework.domain.client import Client, checked_groups
from casework.domain.errors import (
    CaseworkError,
    ClientErased,
    DuplicateIdNumber,
    NotFound,
    StaleVersion,
    UnknownContract,
)
from casework.domain.feedback import Complaint, Survey
from casework.domain.ports import AuditQuery, AuditRecord, KeyStore, ReadAudit
from casework.domain.project import KnownContract, Project, known_contract_id
from casework.domain.vocabulary import (
    ADULT_AGE,
    CASE_STAGE_NAMES,
    CONSENT_AGE,
    STEP_NAMES,
    AssistanceSubtype,
    CaseStage,
    ComplaintChannel,
    ConsentBasis,
    Policy,
    ProjectStage,
    ReferralOutcome,
    Respondent,
    RiskLevel,
    ServiceDomain,
    SurveyMethod,
    age_band,
    age_on,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


ERASED = "[已删除]"
# Without CASEWORK_SEARCH_KEY or a cipher key (development only) the search's blind index is keyed with this constant.
DEV_SEARCH_KEY = b"pzh-casework-search-development-only"
IDENTITY_FIELDS = ("name", "id_number", "phone", "address", "birth_date")
# At most this many existing records are flagged against one intake: more look-alikes than that are namesakes born
# the same day in a large area, which a review queue cannot settle pair by pair.
MAX_FLAGGED = 20
AUDIT_PAGE_MAX = 1000  # read-audit records per answer; `after` pages on


def _sealable(identity: dict[str, Any]) -> dict[str, Any]:
    """The identity fields as they are sealed: dates as ISO text."""
    return {f: (v.isoformat() if isinstance(v := identity.get(f), date) else v) for f in IDENTITY_FIELDS}


class CaseworkApplication(ServiceApplication):
    name = "casework"
    not_found = NotFound

    def __init__(self, env: Any = None, *, keys: KeyStore, audit: ReadAudit, search_key: bytes = DEV_SEARCH_KEY,
                 today: Callable[[], date] = china_today) -> None:
        read_withdrawn_events()  # before anything reads the log
        super().__init__(env)
        self.keys = keys
        self.audit = audit
        self.search_key = search_key
        self.today = today  # the caseload's clock (tests fix it)
        self._lists: ListIndex | None = None

    @property
    def lists(self) -> ListIndex:
        """Casework's lists and the clients' blind search index, caught up from the notification log on each read."""
        if self._lists is None:
            self._lists = ListIndex(self, SPECS, projector(self), self.search_key)
        return self._lists

    def close(self) -> None:
        super().close()
        self.keys.close()
        self.audit.close()

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _expect(aggregate: Aggregate, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != aggregate.version:
            raise StaleVersion(
                f"记录已被修改：当前版本为 {aggregate.version}，请求基于版本 {expected_version}，请刷新后重试"
            )

    # --- clients ------------------------------------------------------------------------------

    def register_client(self, station_id: str, identity: dict[str, Any], registered_on: date,
                        area_code: str | None = None, categories: list[str] | None = None) -> UUID:
        """`identity`: name, id_number, phone, address, birth_date (a date). Sealed before recording. An ID number
        another client (not erased) has is refused with that client's id (DuplicateIdNumber); a client with the
        same name and birth date is not refused, but the pair is flagged on both records for review (saved with
        the registration: `Client.open_duplicates`)."""
        if identity.get("id_number"):
            identity = {**identity, "id_number": identity["id_number"].upper()}  # the check character x is X
            self._check_new_id_number(identity["id_number"])
        lookalikes = self._lookalikes(identity)
        client_id = uuid4()
        key = self.keys.create(client_id)
        value = _sealable(identity)
        try:
            client = Client._create(Client.Registered, id=client_id, station_id=str(station_id),
                                    sealed_identity=seal(key, client_id, value), registered_on=registered_on,
                                    area_code=area_code, categories=checked_groups(categories or []))
            for other in lookalikes:
                client.flag_duplicate(str(other.id), registered_on, at_intake=True)
                other.flag_duplicate(str(client_id), registered_on, at_intake=False)
            self.save(client, *lookalikes)
        except BaseException:
            self.keys.erase(client_id)
            raise
        if lookalikes:
            log.info("client %s registered with %d possible duplicate(s)", client_id, len(lookalikes))
        return client_id

    def _lookalikes(self, identity: dict[str, Any]) -> list[Client]:
        """The active clients whose name and birth date (blind, normalised: lists.likeness) are the intake's."""
        key = likeness(identity.get("name"), identity.get("birth_date"))
        if key is None:
            return []
        # the newest first: were the oldest look-alikes taken, every later intake would flag the same few records
        query = ListQuery(filters={"likeness_key": key}, sort="-registered_on")
        rows = self.lists.everything("clients", query, cap=MAX_FLAGGED)
        return [client for row in rows if (client := self.client(row["id"])).is_active]

    def _check_new_id_number(self, id_number: str) -> None:
        # A check against the index, not a constraint: two intakes of one person in the same instant both pass.
        found = self.lists.everything("clients", ListQuery(filters={"id_key": id_number}), cap=1)
        if found:
            raise DuplicateIdNumber("该身份证号码已登记为服务对象：请打开已有记录(details.client_id)，不要重复登记",
                                    found[0]["id"])

    def client(self, client_id: UUID | str) -> Client:
        return self.get_existing(Client, client_id, "服务对象")

    def identity(self, client: Client) -> dict[str, Any] | None:
        """The client's identity in clear, or None once erased."""
        value = unseal(self.keys.get(client.id), client.id, client.sealed_identity)
        if value is None:
            return None
        return {**value, "birth_date": date.fromisoformat(value["birth_date"]) if value.get("birth_date") else None}

    def correct_identity(self, client_id: UUID | str, identity: dict[str, Any], corrected_on: date) -> None:
        client = self.client(client_id)
        key = self.keys.get(client.id)
        if key is None:
            raise ClientErased("该服务对象的身份信息已删除")
        value = _sealable(identity)
        client.correct_identity(seal(key, client.id, value), corrected_on)
        self.save(client)

    def change_client_categories(self, client_id: UUID | str, categories: list[str], changed_on: date,
                                 expected_version: int | None = None) -> None:
        client = self.client(client_id)
        self._expect(client, expected_version)
        client.change_categories(categories, changed_on)
        self.save(client)

    def record_consent(
        self,
        client_id: UUID | str,
        basis: ConsentBasis,
        detail: dict[str, Any] | None,
        recorded_on: date,
        expected_version: int | None = None,
    ) -> None:
        """Guardian consent (with the guardian's details, sealed) or a statutory basis (its reference, sealed)."""
        basis = ConsentBasis(basis)
        if basis is ConsentBasis.GUARDIAN_CONSENT and not (detail or {}).get("guardian_name"):
            raise CaseworkError("监护人同意须写明监护人姓名(guardian_name)")
        if basis is ConsentBasis.STATUTORY_BASIS and not (detail or {}).get("statutory_reference"):
            raise CaseworkError("法定依据须写明依据(statutory_reference)")
        client = self.client(client_id)
        self._expect(client, expected_version)
        key = self.keys.get(client.id)
        if key is None:
            raise ClientErased("该服务对象的身份信息已删除")
        client.record_consent(basis, seal(key, client.id, detail) if detail else None, recorded_on)
        self.save(client)

    def erase_client(self, client_id: UUID | str, erased_on: date, user: str, purpose: str) -> AuditRecord:
        """Erasure on request (PIPL): the data key is destroyed first, so even a crash before the marker
        event is saved leaves the identity unreadable. Cases, projects and counts stay."""
        client = self.client(client_id)
        record = self.audit.record(user, "erasure", "client", str(client.id), purpose)
        self.keys.erase(client.id)
        client.erase(erased_on)
        self.save(client)
        self.lists.catch_up()  # out of the search index at once, not at the next search
        log.info("client %s erased (audit seq %s)", client.id, record.seq)
        return record

    def client_view(self, client: Client) -> dict[str, Any]:
        identity = self.identity(client)
        key = self.keys.get(client.id)
        return {
            "client_id": str(client.id),
            "station_id": client.station_id,
            "registered_on": client.registered_on,
            "identity_erased": identity is None,
            "identity": identity if identity is not None else dict.fromkeys(IDENTITY_FIELDS, ERASED),
            "consent": None
            if client.consent_basis is None
            else {
                "basis": client.consent_basis,
                "recorded_on": client.consent_on,
                "detail": self._unsealed(key, client, client.sealed_consent_detail),
            },
            "erased_on": client.erased_on,
            "merged_into": client.merged_into,
            "merged_on": client.merged_on,
            "merge_reason": self._unsealed(key, client, client.sealed_merge_reason),
            "merged_from": client.absorbed,
            "possible_duplicates": client.open_duplicates,
            "categories": client.categories,
            "version": client.version,
        }

    @staticmethod
    def _unsealed(key: bytes | None, client: Client, sealed: str | None) -> Any:
        """A sealed detail of the client in clear; the erased marker once the key is gone; None if there is none."""
        if not sealed:
            return None
        return unseal(key, client.id, sealed) if key else ERASED

    def read_client(self, client_id: UUID | str, user: str, purpose: str) -> dict[str, Any]:
        client = self.client(client_id)
        record = self.audit.record(user, "client_read", "client", str(client.id), purpose)
        log.info("client %s read (audit seq %s)", client.id, record.seq)
        return self.client_view(client)

    # --- one person, one record --------------------------------------------------------------

    def dismiss_duplicate(self, client_id: UUID | str, other_id: UUID | str, dismissed_on: date, user: str,
                          purpose: str) -> AuditRecord:
        """A reviewer's "not the same person": recorded on both records, so the pair leaves the review queue."""
        client, other = self.client(client_id), self.client(other_id)
        client.dismiss_duplicate(str(other.id), dismissed_on, user)
        other.dismiss_duplicate(str(client.id), dismissed_on, user)
        # one record per client, so that each record's audit trail (subject_id) shows the decision
        record = self.audit.record(user, "duplicate_dismissal", "client", str(client.id), purpose)
        self.audit.record(user, "duplicate_dismissal", "client", str(other.id), purpose)
        self.save(client, other)
        log.info("possible duplicate %s/%s dismissed (audit seq %s)", client.id, other.id, record.seq)
        return record

    def merge_client(self, client_id: UUID | str, into: UUID | str, reason: str, merged_on: date, user: str,
                     purpose: str) -> AuditRecord:
        """Merges the record `client_id` into `into`, the one that stays: an event on each (no event rewritten),
        written to the read audit (action merge, one record per client) before it is saved. The merged record then
        answers with `merged_into`, its cases are listed under the survivor, and it leaves the search and the review
        queue."""
        client = self.client(client_id)
        survivor = self.find(into, Client) if str(into) != str(client.id) else client
        if survivor is None:
            raise CaseworkError("合并目标(into)不是已登记的服务对象")
        key = self.keys.get(client.id)
        client.merge_into(survivor, merged_on, user, seal(key, client.id, reason) if key else "")
        record = self.audit.record(user, "merge", "client", str(client.id), purpose)
        self.audit.record(user, "merge", "client", str(survivor.id), purpose)
        self.save(client, survivor)
        self.lists.catch_up()  # out of the search and the queue at once, not at the next read
        log.info("client %s merged into %s (audit seq %s)", client.id, survivor.id, record.seq)
        return record

    def case_owners(self, client_id: UUID | str) -> list[str]:
        """The client and every record merged into it: whose cases are the client's cases."""
        client = self.client(client_id)
        return [str(client.id), *client.absorbed]

    # --- search and work queues ---------------------------------------------------------------

    def search_clients(self, by: SearchBy, value: str, area_code: str, station_id: str | None, user: str,
                       purpose: str) -> list[dict[str, Any]]:
        """Clients whose name, ID number or phone is exactly `value`, within the area (and station), masked.
        The search is one record of the read audit: who, why, by what and how many, never the value searched."""
        filters = {**search_filters(by, value), "station_id": station_id}
        if station_id is None:
            filters["area_code"] = area_code
        rows = self.lists.everything("clients", ListQuery(filters=filters), cap=MAX_HITS)
        hits = [hit for row in rows if within(row, area_code, station_id) and (hit := self._hit(row["id"]))]
        record = self.audit.record(user, "client_search", "client_search",
                                   f"by={by};area={area_code};results={len(hits)}", purpose)
        log.info("client search by %s: %d result(s) (audit seq %s)", SEARCH_NAMES[by], len(hits), record.seq)
        return hits

    def _hit(self, client_id: str) -> dict[str, Any] | None:
        client = self.client(client_id)
        identity = self.identity(client)
        if identity is None or not client.is_active:
            return None  # erased or merged since the index last caught up
        birth: date | None = identity.get("birth_date")
        open_cases = self.lists.page("cases", ListQuery(limit=1, filters={"client_key": [client_id, *client.absorbed],
                                                                          "status": "open"}))
        minor = birth is not None and age_on(birth, self.today()) < ADULT_AGE
        return {"client_id": client_id, **masked(identity), "minor": minor,
                "area_code": client.area_code, "station_id": client.station_id, "registered_on": client.registered_on,
                "open_cases": open_cases.total}

    def flagged(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Case rows with their step's Chinese name and where its due date stands today (overdue, due_today,
        upcoming)."""
        today = self.today()
        return [{**row, "stage_name": CASE_STAGE_NAMES.get(CaseStage(row["stage"])) if row.get("stage") else None,
                 "next_step_name": STEP_NAMES.get(row.get("next_step") or ""),
                 "due": due_flag(row.get("due_on"), today)}
                for row in rows]

    def caseload(self, worker: str, purpose: str,
                 query: ListQuery) -> tuple[Page[dict[str, Any]], dict[str, dict[str, int]]]:
        """The worker's open cases, by due date unless sorted otherwise, with the client's masked name (so the
        page is a read of the audit, one record per page), and the counts by deadline flag and by stage."""
        if query.sort in ("stage", "-stage"):
            query.sort = query.sort.replace("stage", "stage_no")  # the stages' own order, not the alphabet's
        query.filters = {**query.filters, "worker": worker, "status": "open"}
        page = self.lists.page("cases", query)
        record = self.audit.record(worker, "caseload", "worker", worker, purpose)
        log.info("caseload read: %d case(s) (audit seq %s)", len(page.items), record.seq)
        page.items = [{**row, "client_name": self._masked_name(row)} for row in self.flagged(page.items)]
        everything = self.flagged(self.lists.everything("cases", ListQuery(filters=query.filters)))
        counts = {"due": {flag: 0 for flag in ("overdue", "due_today", "upcoming")},
                  "stages": {stage.value: 0 for stage in CaseStage}}
        for row in everything:
            counts["due"][row["due"]] += 1
            counts["stages"][row["stage"]] += 1
        return page, counts

    def _masked_name(self, row: dict[str, Any]) -> str | None:
        case = self.case(row["id"])
        identity = self.identity(self.client(case.client_id))
        return masked(identity)["name"] if identity else ERASED

    @staticmethod
    def refuse_export(what: str) -> None:
        raise ListError(f"{what}含服务对象信息，不提供导出(format=xlsx)")

    # --- the read audit -----------------------------------------------------------------------

    def audit_records(self, subject_id: str | None = None) -> list[AuditRecord]:
        return self.audit.records(subject_id)

    def find_audit_records(self, query: AuditQuery) -> list[AuditRecord]:
        """The records an auditor asks for, at most AUDIT_PAGE_MAX; a time without an offset is China time."""
        since, until = (m.replace(tzinfo=CHINA) if m and m.tzinfo is None else m for m in (query.since, query.until))
        return self.audit.find(replace(query, since=since, until=until, limit=min(max(query.limit, 1), AUDIT_PAGE_MAX)))

    def verify_audit(self) -> list[int]:
        """The sequence numbers whose hash chain is broken; empty while the audit is intact."""
        return self.audit.verify()

    # --- cases --------------------------------------------------------------------------------

    def open_case(
        self,
        client_id: UUID | str,
        station_id: str,
        area_code: str,
        domain: ServiceDomain,
        subtype: AssistanceSubtype | None,
        risk_level: RiskLevel,
        opened_on: date,
        suspected_child_abuse: bool = False,
        worker: str | None = None,
    ) -> UUID:
        client = self.client(client_id)
        identity = self.identity(client)
        if identity is None or client.erased_on is not None:
            raise ClientErased("该服务对象的身份信息已应其请求删除，不能再开案")
        birth_date = identity["birth_date"]
        age = age_on(birth_date, opened_on)
        if age < 0:
            raise CaseworkError("开案日期早于服务对象的出生日期")
        client.check_may_open_case(age < CONSENT_AGE, opened_on)
        case = Case.open(client.id, station_id, area_code, domain, subtype, risk_level, age_band(age), opened_on,
                         worker, client.categories)
        if suspected_child_abuse:
            case.report_suspected_abuse(opened_on)  # at once: in the same save as the opening
        self.save(case)
        log.info("case %s opened at station %s", case.id, station_id)
        return case.id

    def case(self, case_id: UUID | str) -> Case:
        return self.get_existing(Case, case_id, "个案")

    def _change_case(self, case_id: UUID | str, expected_version: int | None, change: Callable[[Case], T]) -> T:
        """Loads the case, checks the caller's version, applies one of its commands and saves it."""
        case = self.case(case_id)
        self._expect(case, expected_version)
        result = change(case)
        self.save(case)
        return result

    def advance_case(
        self, case_id: UUID | str, stage: CaseStage, on: date, expected_version: int | None = None
    ) -> None:
        self._change_case(case_id, expected_version, lambda c: c.advance(stage, on))

    def approve_plan(
        self, case_id: UUID | str, supervisor_id: str, on: date, expected_version: int | None = None
    ) -> None:
        self._change_case(case_id, expected_version, lambda c: c.approve_plan(supervisor_id, on))

    def approve_closing(
        self, case_id: UUID | str, supervisor_id: str, on: date, expected_version: int | None = None
    ) -> None:
        self._change_case(case_id, expected_version, lambda c: c.approve_closing(supervisor_id, on))

    def assign_worker(self, case_id: UUID | str, worker: str, on: date, expected_version: int | None = None) -> None:
        self._change_case(case_id, expected_version, lambda c: c.assign_worker(worker, on))

    def close_case(self, case_id: UUID | str, on: date, expected_version: int | None = None) -> None:
        self._change_case(case_id, expected_version, lambda c: c.close(on))

    def assess_risk(
        self, case_id: UUID | str, risk_level: RiskLevel, on: date, expected_version: int | None = None
    ) -> None:
        self._change_case(case_id, expected_version, lambda c: c.assess_risk(risk_level, on))

    def refer(self, case_id: UUID | str, policy: Policy, on: date, expected_version: int | None = None) -> str:
        return self._change_case(case_id, expected_version, lambda c: c.refer(policy, on))

    def decide_referral(self, case_id: UUID | str, referral_id: str, outcome: ReferralOutcome, on: date,
                        expected_version: int | None = None) -> None:
        self._change_case(case_id, expected_version, lambda c: c.decide_referral(referral_id, outcome, on))

    def transfer_case(
        self, case_id: UUID | str, to_station_id: str, to_area_code: str, on: date, expected_version: int | None = None
    ) -> None:
        self._change_case(case_id, expected_version, lambda c: c.transfer(to_station_id, to_area_code, on))

    def report_suspected_abuse(self, case_id: UUID | str, on: date, expected_version: int | None = None) -> str:
        escalation_id = self._change_case(case_id, expected_version, lambda c: c.report_suspected_abuse(on))
        log.warning("escalation %s raised on case %s: suspected child abuse", escalation_id, case_id)
        return escalation_id

    def add_note(
        self, case_id: UUID | str, text: str, author: str, on: date, expected_version: int | None = None
    ) -> None:
        case = self.case(case_id)
        self._expect(case, expected_version)
        key = self.keys.get(UUID(case.client_id))
        if key is None:
            raise ClientErased("该服务对象的身份信息已删除，不能再添加叙述记录")
        case.add_note(seal(key, UUID(case.client_id), text), author, on)
        self.save(case)

    def case_view(self, case: Case) -> dict[str, Any]:
        client = self.client(case.client_id)
        identity = self.identity(client)
        key = self.keys.get(client.id)
        notes = [{"author": n["author"], "on": n["on"],
                  "text": (unseal(key, client.id, n["sealed_note"]) if key else None) or ERASED} for n in case.notes]
        return {
            "case_id": str(case.id), "client_id": case.client_id, "identity_erased": identity is None,
            "client": identity if identity is not None else dict.fromkeys(IDENTITY_FIELDS, ERASED),
            "station_id": case.station_id, "area_code": case.area_code, "domain": case.domain, "subtype": case.subtype,
            "age_band": case.age_band, "risk_level": case.risk_level, "stage": case.stage, "stages": case.stages,
            "opened_on": case.opened_on, "closed_on": case.closed_on, "status": "closed" if case.is_closed else "open",
            "plan_approval": case.plan_approval, "closing_approval": case.closing_approval,
            "referrals": list(case.referrals.values()), "transfers": case.transfers, "escalations": case.escalations,
            "risk_history": case.risk_history, "notes": notes, "version": case.version,
            "categories": case.categories, "client_categories": client.categories, "client_version": client.version,
        }

    def read_case(self, case_id: UUID | str, user: str, purpose: str, action: str = "read") -> dict[str, Any]:
        """A read (or export) of a case file: audited first, then answered."""
        case = self.case(case_id)
        record = self.audit.record(user, action, "case", str(case.id), purpose)
        log.info("case %s %s (audit seq %s)", case.id, action, record.seq)
        view = self.case_view(case)
        if action == "export":
            events = [cast(Aggregate.Event, e) for e in self.events.get(case.id)]
            view["events"] = [{"type": type(e).__qualname__, "version": e.originator_version, "timestamp": e.timestamp}
                              for e in events]
            view["audit_seq"] = record.seq
        return view

    # --- projects and contracts ---------------------------------------------------------------

    def contract(self, contract_id: str) -> KnownContract:
        contract = self.find(known_contract_id(contract_id), KnownContract)
        if contract is None:
            raise UnknownContract(f"购买服务合同 {contract_id} 不存在（尚未收到资金服务的合同签订事件）")
        return contract

    def known_contract(self, contract_id: str) -> KnownContract:
        """Casework's copy of a contract, for reading it: NotFound (not a rule broken) while unknown."""
        try:
            return self.contract(contract_id)
        except UnknownContract as exc:
            raise NotFound(str(exc)) from None

    def record_contract_signed(
        self,
        tracking: Tracking,
        contract_id: str,
        purchaser: str,
        provider_agency: str,
        station_ids: list[str],
        area_code: str,
        amount: str,
        period_start: date,
        period_end: date,
        signed_on: date,
    ) -> bool:
        """A purchase-of-service contract from `funding.events`, saved with the message's tracking record
        (effectively once). A contract already known (republished by an at-least-once relay) changes nothing."""
        if self.already_tracked(tracking):
            return False
        if self.find(known_contract_id(contract_id)) is not None:
            self.save_tracked(tracking)
            return False
        contract = KnownContract(
            contract_id=contract_id,
            purchaser=purchaser,
            provider_agency=provider_agency,
            station_ids=list(station_ids),
            area_code=area_code,
            amount=amount,
            period_start=period_start,
            period_end=period_end,
            signed_on=signed_on,
        )
        self.save_tracked(tracking, contract)
        return True

    def start_project(self, contract_id: str, station_id: str, domain: ServiceDomain, title: str, started_on: date,
                      area_code: str | None = None) -> UUID:
        project = Project.start(self.contract(contract_id), station_id, domain, title, started_on, area_code)
        self.save(project)
        return project.id

    def project(self, project_id: UUID | str) -> Project:
        return self.get_existing(Project, project_id, "项目")

    def _change_project(self, project_id: UUID | str, expected_version: int | None,
                        change: Callable[[Project], object]) -> None:
        project = self.project(project_id)
        self._expect(project, expected_version)
        change(project)
        self.save(project)

    def advance_project(
        self, project_id: UUID | str, stage: ProjectStage, on: date, expected_version: int | None = None
    ) -> None:
        self._change_project(project_id, expected_version, lambda p: p.advance(stage, on))

    def record_beneficiaries(
        self, project_id: UUID | str, beneficiaries: int, on: date, expected_version: int | None = None
    ) -> None:
        self._change_project(project_id, expected_version, lambda p: p.record_beneficiaries(beneficiaries, on))

    def evaluate_project(
        self, project_id: UUID | str, score: float, on: date, expected_version: int | None = None
    ) -> None:
        self._change_project(project_id, expected_version, lambda p: p.evaluate(score, on))

    # --- complaints and surveys ---------------------------------------------------------------

    def receive_complaint(self, station_id: str, channel: ComplaintChannel, summary: str, received_at: datetime,
                          area_code: str | None = None) -> UUID:
        complaint = Complaint.receive(station_id, channel, summary, received_at, area_code)
        self.save(complaint)
        return complaint.id

    def complaint(self, complaint_id: UUID | str) -> Complaint:
        return self.get_existing(Complaint, complaint_id, "投诉")

    def receive_resident_complaint(self, station_id: str, summary: str, received_at: datetime,
                                   area_code: str) -> str:
        """A resident's complaint from the township's public page (channel online, A2 §5.2): its receipt number,
        from which its id derives (application/receipts.py)."""
        receipt = receipts.new_receipt()
        self.save(Complaint.receive(station_id, ComplaintChannel.ONLINE, summary, received_at, area_code,
                                    complaint_id=receipts.complaint_id_of(receipt)))
        return receipt

    def complaint_by_receipt(self, receipt: str) -> Complaint:
        """The complaint a receipt number names; NotFound, naming only the receipt, for any other text."""
        valid = receipts.normalised(receipt)
        complaint = self.find(receipts.complaint_id_of(valid), Complaint) if valid else None
        if complaint is None:
            raise NotFound("回执号不存在，请核对后重新输入")
        return complaint

    def handle_complaint(self, complaint_id: UUID | str, action: str, handled_at: datetime) -> None:
        complaint = self.complaint(complaint_id)
        complaint.handle(action, handled_at)
        self.save(complaint)

    def close_complaint(self, complaint_id: UUID | str, response: str, closed_at: datetime) -> None:
        complaint = self.complaint(complaint_id)
        complaint.close(response, closed_at)
        self.save(complaint)

    def record_survey(self, station_id: str, respondent: Respondent, method: SurveyMethod, score: float,
                      surveyed_on: date, area_code: str | None = None) -> UUID:
        survey = Survey.record(station_id, respondent, method, score, surveyed_on, area_code)
        self.save(survey)
        return survey.id

    def survey(self, survey_id: UUID | str) -> Survey:
        return self.get_existing(Survey, survey_id, "满意度调查")
