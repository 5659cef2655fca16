"""Errors the store raises: each carries a one-line message naming the file and what to do."""


class StoreError(Exception):
    """The database cannot be used. The message is one line, fit for the user's screen."""


class NotFound(StoreError):
    """No incident, event or item with that id."""


class WriteFailed(StoreError):
    """A write did not happen (disk full, locked too long, read-only): nothing was half-written."""


class DatabaseReplaced(StoreError):
    """The path no longer names the file that was opened: it was deleted, moved or replaced under a
    running console. Writing on would go to a file nobody will find again (acknowledged entries
    lost), so nothing more is written through this connection."""
