"""The durable incident record: SQLite (sqlite-utils for the schema and its tools). No Textual here.

`Store` and the errors are imported from their modules when first asked for (PEP 562), so that a
module of the package (`store.core`, `store.opening`) can be imported without the whole `Store`
and, through it, the whole model: `ir-console log` uses the core only. `from ir_console.store
import Store` works as before.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (see model/__init__.py)
if TYPE_CHECKING:
    from ir_console.store.errors import DatabaseReplaced, NotFound, StoreError, WriteFailed
    from ir_console.store.store import Store

__all__ = ["DatabaseReplaced", "NotFound", "Store", "StoreError", "WriteFailed"]


def __getattr__(name: str) -> object:
    if name == "Store":
        from ir_console.store.store import Store

        return Store
    if name in __all__:
        from ir_console.store import errors

        return getattr(errors, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
