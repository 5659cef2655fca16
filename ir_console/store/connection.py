"""The store's connection: sqlite3 for the ordinary reads and writes, sqlite-utils for its tools.

Importing sqlite-utils costs ~40 ms (it pulls click, pluggy and dateutil): more than a whole
`ir-console log` may take, and a good part of the console's first frame. What every open, read and
entry uses (`execute` and `query`, with sqlite-utils' meaning, `commit`, `rollback`) is done here
on the sqlite3 connection itself; sqlite-utils' `Database` is built on the same connection the
first time one of its tools is asked for (`table()` and `db[name]` for inserts, updates and
upserts, `atomic()`, and the migrations that create or upgrade the schema).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (see model/__init__.py)
if TYPE_CHECKING:
    from typing import Any

    from sqlite_utils import Database
    from sqlite_utils.db import Table, View

    Parameters = Sequence[Any] | dict[str, Any]

# Statements that end or open a transaction themselves: `execute` never commits after them.
_TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"})


def _first_keyword(sql: str) -> str:
    """The statement's first word, upper-cased, past any leading comments."""
    text = sql.lstrip()
    while text.startswith(("--", "/*")):
        if text.startswith("--"):
            text = text.partition("\n")[2].lstrip()
        else:
            text = text.partition("*/")[2].lstrip()
    word = ""
    for char in text:
        if not (char.isalpha() or char == "_"):
            break
        word += char
    return word.upper()


def _unique_keys(keys: list[str]) -> list[str]:
    """Column names made unique as sqlite-utils' `query` does: a repeated name gets `_2`, `_3`..."""
    if len(set(keys)) == len(keys):
        return keys
    taken = set(keys)
    seen: set[str] = set()
    unique = []
    for key in keys:
        if key not in seen:
            seen.add(key)
            unique.append(key)
            continue
        suffix = 2
        while f"{key}_{suffix}" in taken:
            suffix += 1
        renamed = f"{key}_{suffix}"
        taken.add(renamed)
        seen.add(renamed)
        unique.append(renamed)
    return unique


class Connection:
    """One SQLite connection, with the part of sqlite-utils' `Database` interface the store uses."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._database: Database | None = None

    @property
    def utils(self) -> Database:
        """sqlite-utils' `Database` on this connection (imported and built on first use)."""
        if self._database is None:
            from sqlite_utils import Database

            # No plugins: scanning installed packages for them costs ~20 ms.
            self._database = Database(self.conn, execute_plugins=False)
        return self._database

    def execute(self, sql: str, parameters: Parameters | None = None) -> sqlite3.Cursor:
        """As sqlite-utils' `execute`: a write outside a transaction is committed at once; one
        that fails there leaves no transaction open."""
        was_in_transaction = self.conn.in_transaction
        try:
            cursor = self.conn.execute(sql) if parameters is None else self.conn.execute(sql, parameters)
        except Exception:
            if not was_in_transaction and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        if (
            not was_in_transaction
            and self.conn.in_transaction
            and cursor.description is None
            and _first_keyword(sql) not in _TRANSACTION_CONTROL
        ):
            self.conn.execute("COMMIT")
        return cursor

    def query(self, sql: str, params: Parameters | None = None) -> Iterator[dict[str, Any]]:
        """The rows of a SELECT (or a PRAGMA that returns rows) as dicts; as sqlite-utils' `query`
        for what the store asks, which is only statements that return rows."""
        cursor = self.conn.execute(sql) if params is None else self.conn.execute(sql, params)
        if cursor.description is None:
            raise ValueError("query() can only be used with SQL that returns rows - use execute() for other statements")
        keys = _unique_keys([column[0] for column in cursor.description])
        return (dict(zip(keys, row, strict=True)) for row in cursor)

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()

    def table_names(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    def insert(self, table: str, record: dict[str, Any]) -> int:
        """One row of plain values (text, numbers, None); its rowid. What sqlite-utils'
        `table(name).insert(record).last_pk` does for such a row, without importing it."""
        columns = ", ".join(f'"{name}"' for name in record)
        placeholders = ", ".join("?" * len(record))
        cursor = self.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({placeholders})', list(record.values()))
        return int(cursor.lastrowid or 0)

    def update(self, table: str, row_id: int, changes: dict[str, Any]) -> None:
        """Set plain values in the row with this `id`: sqlite-utils' `table(name).update(row_id,
        changes)` for such values, without importing it. A missing row is an error, as there."""
        if not changes:
            return
        assignments = ", ".join(f'"{name}" = ?' for name in changes)
        cursor = self.execute(f'UPDATE "{table}" SET {assignments} WHERE id = ?', [*changes.values(), row_id])
        if cursor.rowcount == 0:
            raise LookupError(f"no row {row_id} in {table}")

    # sqlite-utils' tools, on the same connection

    def table(self, name: str) -> Table:
        return self.utils.table(name)

    def __getitem__(self, name: str) -> Table | View:
        return self.utils[name]

    def atomic(self) -> AbstractContextManager[Database]:
        return self.utils.atomic()


if TYPE_CHECKING:
    # What the queries in search.py and archive.py take: the store's connection, or sqlite-utils'
    # Database (a migration, a benchmark): they use only execute, query and conn.
    Db = Connection | Database
