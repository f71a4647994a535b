"""Errors a user can act on. Each carries one clear sentence; the CLI prints it and exits non-zero."""


class NewssiftError(Exception):
    """Base class: the message is shown to the user as is."""

    exit_code = 2


class InputError(NewssiftError):
    """The input cannot be read or analysed (binary, empty, too large, malformed)."""


class FetchError(NewssiftError):
    """A URL could not be fetched, or was refused by the fetch guard."""


class ResourceMissing(NewssiftError):
    """An installable resource (rating lists, fact-check collections) is not installed."""


class ModelMissing(NewssiftError):
    """A trained artefact is missing or does not match the code."""
