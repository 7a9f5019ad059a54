"""The Client aggregate: a person the station serves. Identity and contact (name, ID number, phone,
address, birth date) and any guardian details are held only as `sealed` tokens: ciphertext under
the client's own data key, made by the application before the event is recorded. The aggregate
never sees them in clear, so no stored event does; erasing the key erases the person, while the
client's cases and every count stay."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import Aggregate, event

from casework.domain.errors import ClientErased, ConsentRequired
from casework.domain.vocabulary import ConsentBasis


class Client(Aggregate):
    class Registered(Aggregate.Created):
        station_id: str
        sealed_identity: str
        registered_on: date
        # The station's area, for the search within a station's or county's area; None in older registrations.
        area_code: str | None = None

    class IdentityCorrected(Aggregate.Event):
        sealed_identity: str
        corrected_on: date

    class ConsentRecorded(Aggregate.Event):
        basis: str
        sealed_detail: str | None
        recorded_on: date

    class Erased(Aggregate.Event):
        erased_on: date

    @event(Registered)
    def __init__(self, station_id: str, sealed_identity: str, registered_on: date, area_code: str | None = None):
        self.station_id = station_id
        self.area_code = area_code
        self.sealed_identity = sealed_identity
        self.registered_on = registered_on
        self.consent_basis: ConsentBasis | None = None
        self.consent_on: date | None = None
        self.sealed_consent_detail: str | None = None
        self.erased_on: date | None = None

    def _check_not_erased(self) -> None:
        if self.erased_on is not None:
            raise ClientErased("该服务对象的身份信息已应其请求删除，不能再办理新的业务")

    def correct_identity(self, sealed_identity: str, corrected_on: date) -> None:
        self._check_not_erased()
        self._identity_corrected(sealed_identity, corrected_on)

    @event(IdentityCorrected)
    def _identity_corrected(self, sealed_identity: str, corrected_on: date) -> None:
        self.sealed_identity = sealed_identity

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
