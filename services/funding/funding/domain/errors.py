"""Errors of the funding domain; messages are Simplified Chinese, amounts in yuan."""


class FundingError(Exception):
    """A command that breaks a rule of the funding domain (422)."""


class NotFound(FundingError):
    """No such contract, project plan, budget or cap ledger (404)."""


class Conflict(FundingError):
    """The command contradicts the current state in a way a retry will not fix (409)."""


class AssistanceCapExceeded(FundingError):
    """A disbursement from social assistance funds would pass the 3% cap (422); `details` has the figures."""

    def __init__(self, message: str, details: dict[str, str | int]):
        super().__init__(message)
        self.details = details


class ConcurrentChange(Conflict):
    """Another command changed the same contract, budget or cap ledger first (409); nothing was saved."""


class BudgetExceeded(Conflict):
    """A payment would pass what is left of a source's budget (409): money that is not there cannot be paid."""
