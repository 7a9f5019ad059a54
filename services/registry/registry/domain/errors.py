class RegistryError(Exception):
    """A command that breaks a rule of the registry's domain (HTTP 422)."""


class UnknownArea(RegistryError):
    pass


class TierMismatch(RegistryError):
    pass


class NotFound(RegistryError):
    """HTTP 404."""


class Conflict(RegistryError):
    """The command contradicts the current state (HTTP 409): a lifecycle step out of order, a
    second general station in a county, a stale expected version, an area registered twice."""
