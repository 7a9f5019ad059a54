class RegistryError(Exception):
    """A command that breaks a rule of the registry's domain."""


class UnknownArea(RegistryError):
    pass


class TierMismatch(RegistryError):
    pass


class StationNotFound(RegistryError):
    pass
