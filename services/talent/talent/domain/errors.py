"""Errors of the talent domain. Messages are Simplified Chinese and never repeat personal data
(names, ID numbers, phone numbers), because they end up in HTTP replies and may end up in logs."""


class TalentError(Exception):
    """A command that breaks a rule of the talent domain (422)."""


class InvalidPersonalData(TalentError):
    """A name, ID number or phone number that is not well formed (422); the message names the field only."""


class NotFound(TalentError):
    """No such worker, volunteer, intern, organisation or agency (404)."""


class Conflict(TalentError):
    """The command contradicts the current state in a way a retry will not fix (409)."""


class StationHasHead(Conflict):
    pass


class AlreadyRegistered(Conflict):
    """The same ID number, volunteer number or registration number is already on record."""


class PersonErased(Conflict):
    """The person's personal data has been erased already (409)."""
