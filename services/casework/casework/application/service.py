"""The casework service's use cases: commands in, aggregates saved.

Personal data is sealed here, with the client's data key from the key store, before an aggregate
records it; reads open it again, and every read or export of a case file (or a client's record) is
written to the read audit first: no audit record, no data."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking
from pzh_shared.eventstore import ServiceApplication

from casework.application.sealing import seal, unseal
from casework.domain.case import Case
from casework.domain.charity import CharityNeed, DonationPoint
from casework.domain.client import Client
from casework.domain.errors import CaseworkError, ClientErased, NotFound, StaleVersion, UnknownContract
from casework.domain.feedback import Complaint, Survey
from casework.domain.ports import AuditRecord, KeyStore, ReadAudit
from casework.domain.project import KnownContract, Project, known_contract_id
from casework.domain.vocabulary import (
    CONSENT_AGE,
    AssistanceSubtype,
    CaseStage,
    ComplaintChannel,
    ConsentBasis,
    NeedCategory,
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
IDENTITY_FIELDS = ("name", "id_number", "phone", "address", "birth_date")


def _sealable(identity: dict[str, Any]) -> dict[str, Any]:
    """The identity fields as they are sealed: dates as ISO text."""
    return {f: (v.isoformat() if isinstance(v := identity.get(f), date) else v) for f in IDENTITY_FIELDS}


class CaseworkApplication(ServiceApplication):
    name = "casework"
    not_found = NotFound

    def __init__(self, env: Any = None, *, keys: KeyStore, audit: ReadAudit) -> None:
        super().__init__(env)
        self.keys = keys
        self.audit = audit

    def close(self) -> None:
        super().close()
        self.keys.close()
        self.audit.close()

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _expect(aggregate: Aggregate, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != aggregate.version:
            raise StaleVersion(f"记录已被修改：当前版本为 {aggregate.version}，请求基于版本 {expected_version}，请刷新后重试")

    # --- clients ------------------------------------------------------------------------------

    def register_client(self, station_id: str, identity: dict[str, Any], registered_on: date) -> UUID:
        """`identity`: name, id_number, phone, address, birth_date (a date). Sealed before recording."""
        if identity.get("id_number"):
            identity = {**identity, "id_number": identity["id_number"].upper()}  # the check character x is X
        client_id = uuid4()
        key = self.keys.create(client_id)
        value = _sealable(identity)
        try:
            client = Client._create(Client.Registered, id=client_id, station_id=str(station_id), sealed_identity=seal(key, client_id, value),
                                    registered_on=registered_on)
            self.save(client)
        except BaseException:
            self.keys.erase(client_id)
            raise
        return client_id

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

    def record_consent(self, client_id: UUID | str, basis: ConsentBasis, detail: dict[str, Any] | None, recorded_on: date,
                       expected_version: int | None = None) -> None:
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
        log.info("client %s erased (audit seq %s)", client.id, record.seq)
        return record

    def client_view(self, client: Client) -> dict[str, Any]:
        identity = self.identity(client)
        key = self.keys.get(client.id)
        return {
            "client_id": str(client.id), "station_id": client.station_id, "registered_on": client.registered_on,
            "identity_erased": identity is None,
            "identity": identity if identity is not None else dict.fromkeys(IDENTITY_FIELDS, ERASED),
            "consent": None if client.consent_basis is None else {
                "basis": client.consent_basis, "recorded_on": client.consent_on,
                "detail": unseal(key, client.id, client.sealed_consent_detail) if client.sealed_consent_detail and key else
                (ERASED if client.sealed_consent_detail else None)},
            "erased_on": client.erased_on, "version": client.version,
        }

    def read_client(self, client_id: UUID | str, user: str, purpose: str) -> dict[str, Any]:
        client = self.client(client_id)
        record = self.audit.record(user, "client_read", "client", str(client.id), purpose)
        log.info("client %s read (audit seq %s)", client.id, record.seq)
        return self.client_view(client)

    # --- the read audit -----------------------------------------------------------------------

    def audit_records(self, subject_id: str | None = None) -> list[AuditRecord]:
        return self.audit.records(subject_id)

    def verify_audit(self) -> list[int]:
        """The sequence numbers whose hash chain is broken; empty while the audit is intact."""
        return self.audit.verify()

    # --- cases --------------------------------------------------------------------------------

    def open_case(self, client_id: UUID | str, station_id: str, area_code: str, domain: ServiceDomain, subtype: AssistanceSubtype | None,
                  risk_level: RiskLevel, opened_on: date, suspected_child_abuse: bool = False) -> UUID:
        client = self.client(client_id)
        identity = self.identity(client)
        if identity is None or client.erased_on is not None:
            raise ClientErased("该服务对象的身份信息已应其请求删除，不能再开案")
        birth_date = identity["birth_date"]
        age = age_on(birth_date, opened_on)
        if age < 0:
            raise CaseworkError("开案日期早于服务对象的出生日期")
        client.check_may_open_case(age < CONSENT_AGE, opened_on)
        case = Case.open(client.id, station_id, area_code, domain, subtype, risk_level, age_band(age), opened_on)
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

    def advance_case(self, case_id: UUID | str, stage: CaseStage, on: date, expected_version: int | None = None) -> None:
        self._change_case(case_id, expected_version, lambda c: c.advance(stage, on))

    def approve_plan(self, case_id: UUID | str, supervisor_id: str, on: date, expected_version: int | None = None) -> None:
        self._change_case(case_id, expected_version, lambda c: c.approve_plan(supervisor_id, on))

    def approve_closing(self, case_id: UUID | str, supervisor_id: str, on: date, expected_version: int | None = None) -> None:
        self._change_case(case_id, expected_version, lambda c: c.approve_closing(supervisor_id, on))

    def close_case(self, case_id: UUID | str, on: date, expected_version: int | None = None) -> None:
        self._change_case(case_id, expected_version, lambda c: c.close(on))

    def assess_risk(self, case_id: UUID | str, risk_level: RiskLevel, on: date, expected_version: int | None = None) -> None:
        self._change_case(case_id, expected_version, lambda c: c.assess_risk(risk_level, on))

    def refer(self, case_id: UUID | str, policy: Policy, on: date, expected_version: int | None = None) -> str:
        return self._change_case(case_id, expected_version, lambda c: c.refer(policy, on))

    def decide_referral(self, case_id: UUID | str, referral_id: str, outcome: ReferralOutcome, on: date,
                        expected_version: int | None = None) -> None:
        self._change_case(case_id, expected_version, lambda c: c.decide_referral(referral_id, outcome, on))

    def transfer_case(self, case_id: UUID | str, to_station_id: str, to_area_code: str, on: date, expected_version: int | None = None) -> None:
        self._change_case(case_id, expected_version, lambda c: c.transfer(to_station_id, to_area_code, on))

    def report_suspected_abuse(self, case_id: UUID | str, on: date, expected_version: int | None = None) -> str:
        escalation_id = self._change_case(case_id, expected_version, lambda c: c.report_suspected_abuse(on))
        log.warning("escalation %s raised on case %s: suspected child abuse", escalation_id, case_id)
        return escalation_id

    def add_note(self, case_id: UUID | str, text: str, author: str, on: date, expected_version: int | None = None) -> None:
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

    def record_contract_signed(self, tracking: Tracking, contract_id: str, purchaser: str, provider_agency: str, station_ids: list[str],
                               area_code: str, amount: str, period_start: date, period_end: date, signed_on: date) -> bool:
        """A purchase-of-service contract from `funding.events`, saved with the message's tracking record
        (effectively once). A contract already known (republished by an at-least-once relay) changes nothing."""
        if self.already_tracked(tracking):
            return False
        if self.find(known_contract_id(contract_id)) is not None:
            self.save_tracked(tracking)
            return False
        contract = KnownContract(contract_id=contract_id, purchaser=purchaser, provider_agency=provider_agency, station_ids=list(station_ids),
                                 area_code=area_code, amount=amount, period_start=period_start, period_end=period_end, signed_on=signed_on)
        self.save_tracked(tracking, contract)
        return True

    def start_project(self, contract_id: str, station_id: str, domain: ServiceDomain, title: str, started_on: date) -> UUID:
        project = Project.start(self.contract(contract_id), station_id, domain, title, started_on)
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

    def advance_project(self, project_id: UUID | str, stage: ProjectStage, on: date, expected_version: int | None = None) -> None:
        self._change_project(project_id, expected_version, lambda p: p.advance(stage, on))

    def record_beneficiaries(self, project_id: UUID | str, beneficiaries: int, on: date, expected_version: int | None = None) -> None:
        self._change_project(project_id, expected_version, lambda p: p.record_beneficiaries(beneficiaries, on))

    def evaluate_project(self, project_id: UUID | str, score: float, on: date, expected_version: int | None = None) -> None:
        self._change_project(project_id, expected_version, lambda p: p.evaluate(score, on))

    # --- charity ------------------------------------------------------------------------------

    def register_donation_point(self, station_id: str, name: str, opened_on: date) -> UUID:
        point = DonationPoint(station_id=str(station_id), name=name, opened_on=opened_on)
        self.save(point)
        return point.id

    def donation_point(self, point_id: UUID | str) -> DonationPoint:
        return self.get_existing(DonationPoint, point_id, "慈善捐赠点")

    def record_need(self, station_id: str, category: NeedCategory, summary: str, quantity: int, recorded_on: date) -> UUID:
        need = CharityNeed.record(station_id, category, summary, quantity, recorded_on)
        self.save(need)
        return need.id

    def need(self, need_id: UUID | str) -> CharityNeed:
        return self.get_existing(CharityNeed, need_id, "慈善需求")

    def match_need(self, need_id: UUID | str, donation_point_id: UUID | str | None, donor_kind: str, amount: str | None, matched_on: date) -> None:
        need = self.need(need_id)
        point = self.donation_point(donation_point_id) if donation_point_id else None
        need.match(point, donor_kind, amount, matched_on)
        self.save(need)

    # --- complaints and surveys ---------------------------------------------------------------

    def receive_complaint(self, station_id: str, channel: ComplaintChannel, summary: str, received_at: datetime) -> UUID:
        complaint = Complaint.receive(station_id, channel, summary, received_at)
        self.save(complaint)
        return complaint.id

    def complaint(self, complaint_id: UUID | str) -> Complaint:
        return self.get_existing(Complaint, complaint_id, "投诉")

    def handle_complaint(self, complaint_id: UUID | str, action: str, handled_at: datetime) -> None:
        complaint = self.complaint(complaint_id)
        complaint.handle(action, handled_at)
        self.save(complaint)

    def close_complaint(self, complaint_id: UUID | str, response: str, closed_at: datetime) -> None:
        complaint = self.complaint(complaint_id)
        complaint.close(response, closed_at)
        self.save(complaint)

    def record_survey(self, station_id: str, respondent: Respondent, method: SurveyMethod, score: float, surveyed_on: date) -> UUID:
        survey = Survey.record(station_id, respondent, method, score, surveyed_on)
        self.save(survey)
        return survey.id

    def survey(self, survey_id: UUID | str) -> Survey:
        return self.get_existing(Survey, survey_id, "满意度调查")
