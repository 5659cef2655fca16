"""The durable incident record: SQLite (sqlite-utils for the schema and its tools). No Textual here."""

from ir_console.store.errors import DatabaseReplaced, NotFound, StoreError, WriteFailed
from ir_console.store.store import Store

__all__ = ["DatabaseReplaced", "NotFound", "Store", "StoreError", "WriteFailed"]
