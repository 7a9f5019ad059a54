"""Errors of the casework domain. Messages are Simplified Chinese and never repeat personal data,
because they end up in HTTP replies and may end up in logs."""


class CaseworkError(Exception):
    """A command that breaks a rule of the casework domain (422)."""


class ConsentRequired(CaseworkError):
    """A client under 14 without a recorded guardian consent or statutory basis (422)."""


class UnknownContract(CaseworkError):
    """A project names a purchase-of-service contract the funding events never announced (422)."""


class NotFound(CaseworkError):
    """No such client, case, project, complaint or survey (404)."""


class NotPermitted(CaseworkError):
    """A command the caller may not give on this case, whatever its role: a worker approving their own case (403)."""


class Conflict(CaseworkError):
    """The command contradicts the current state (409)."""


class StageConflict(Conflict):
    """A stage skipped, repeated or taken out of order, or an approval at the wrong stage (409)."""


class StaleVersion(Conflict):
    """The caller's expected version is not the aggregate's current version (409)."""


class ClientErased(Conflict):
    """The client's identity was erased on request: no new work may start for them (409)."""


class ClientMerged(Conflict):
    """The client's record was merged into another one (409); `details.client_id` names the surviving record."""

    def __init__(self, message: str, into: str):
        super().__init__(message)
        self.details = {"client_id": into}


class DuplicateIdNumber(Conflict):
    """An intake with an ID number another (not erased) client already has (409); `details` names that client,
    so the worker opens the existing record instead of registering the person twice."""

    def __init__(self, message: str, client_id: str):
        super().__init__(message)
        self.details = {"client_id": client_id}
