"""Errors the store raises: each carries a one-line message naming the file and what to do."""


class StoreError(Exception):
    """The database cannot be used. The message is one line, fit for the user's screen."""


class NotFound(StoreError):
    """No incident, event or item with that id."""


class WriteFailed(StoreError):
    """A write did not happen (disk full, locked too long, read-only): nothing was half-written."""
