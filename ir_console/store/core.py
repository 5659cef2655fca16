"""The store's core: opening the file, transactions, an incident by key, appending an entry.

`Store` (store.py) is this and every other change of state. `ir-console log` (one process per
alert) opens a `StoreCore`: the same class's methods, without importing the rest of the store and
of the model (the post-mortem, the record, the archive, their dataclasses), which would cost it
more than its own work. Whatever `log` does is defined here once, for both.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ir_console.model.clock import to_iso, utc_now
from ir_console.model.incident import Incident
from ir_console.model.timeline import EventKind, EventSource
from ir_console.store import rows
from ir_console.store.connection import Connection
from ir_console.store.errors import NotFound, StoreError, WriteFailed
from ir_console.store.ids import time_ordered_uuid
from ir_console.store.opening import (
    database_failure,
    database_replaced,
    describe_database_error,
    file_key,
    is_corruption,
    open_database,
    release,
)
from ir_console.store.rows import storable
from ir_console.store.search_index import ensure_search_index

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (see model/__init__.py)
if TYPE_CHECKING:
    from typing import Any, Self

    from ir_console.model.incident import Milestone
    from ir_console.model.timeline import TimelineEvent

# How an entry added to a resolved incident in its review is marked (`log --correction`).
CORRECTION_PREFIX = "Correction: "


def new_uuid() -> str:
    return time_ordered_uuid()


class ResolvedRefusal(ValueError):
    """A new entry or a change of state asked of a resolved incident (see `refuse_if_resolved`)."""


def refuse_if_resolved(incident: Incident, what: str = "a new entry") -> None:
    """THE rule for a resolved incident, shared by the console and the command line.

    A resolved incident stays correctable for its post-incident review: event text and times, key
    moments, retractions, milestones, containment details, the title and the triage fields (each
    correction kept as a revision or a timeline event of its own). What would add to the record
    or move the incident — a new entry, hypothesis, containment item or evidence, a change of
    severity, status, phase or roles — is refused, until it is reopened for a real recurrence.
    Callers add how to go on (the console: press o; the CLI: --correction or `reopen`).
    """
    if not incident.is_open:
        raise ResolvedRefusal(f"{incident.ref} is resolved: {what} is refused")


class StoreCore:
    """One connection to the incident record; calls are serialised by a lock (see store.py)."""

    def __init__(
        self,
        db: Connection,
        path: Path,
        clock: Callable[[], datetime] = utc_now,
        file_key: tuple[int, int] | None = None,
    ):
        self.db = db
        self._file_key = file_key
        self.path = Path(path)
        # Every timestamp the store writes comes from here, so tests and demos can fix time.
        self.clock = clock
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls, path: Path | str, *, create: bool = True, read_only: bool = False, clock: Callable[[], datetime] = utc_now
    ) -> Self:
        """`read_only`: for reading only (list, show, export); writes then fail as read-only."""
        db, key = open_database(Path(path), create=create, read_only=read_only)
        store = cls(db, Path(path), clock, key)
        if read_only:
            return store
        try:
            ensure_search_index(store.db)
        except sqlite3.Error as error:
            store.close()
            raise database_failure(store.path, error) from None
        return store

    def close(self) -> None:
        with self._lock:
            self.db.close()
            release(self._file_key)
            self._file_key = None

    @property
    def file_key(self) -> tuple[int, int] | None:
        """The opened file's device and inode (None once closed)."""
        return self._file_key

    def check_file(self) -> None:
        """Raise `DatabaseReplaced` if the path no longer names the file this store opened: it was
        deleted (`rm incidents.db*`), moved, or another file put in its place. A connection keeps
        reading and writing the file it opened, wherever it went, so whatever is written after
        that is out of everyone's reach."""
        if self._file_key is not None and file_key(self.path) != self._file_key:
            raise database_replaced(self.path)

    def forget_cached_pages(self) -> None:
        """Drop the connection's page cache, so that the next read comes from the file: a retry
        after a failed read must not meet the same damaged page kept in memory."""
        with self.reading() as db:
            db.execute("PRAGMA shrink_memory")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction that takes the write lock up front.

        sqlite-utils' `atomic()` opens a deferred transaction; with several processes writing, a
        deferred transaction that reads first can fail with SQLITE_BUSY when it upgrades to a
        write lock, without waiting on `busy_timeout`. BEGIN IMMEDIATE waits instead. Nested
        `db.atomic()` blocks (sqlite-utils' own writes) become savepoints inside it.
        """
        with self._lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise self._failure(error) from None
            try:
                yield self.db
                self.db.commit()
            except sqlite3.Error as error:
                self.db.rollback()
                raise self._failure(error) from None
            except BaseException:
                self.db.rollback()
                raise

    def _failure(self, error: sqlite3.Error) -> StoreError:
        """A corrupt file is no use retrying; a full disk or a long lock is."""
        kind = StoreError if is_corruption(error) else WriteFailed
        return kind(describe_database_error(self.path, error))

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Serialised access for reads; a failing read becomes a one-line StoreError."""
        with self._lock:
            try:
                yield self.db
            except sqlite3.Error as error:
                raise self._failure(error) from None

    def query_rows(self, sql: str, params: tuple[Any, ...] | list[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self.reading() as db:
            return list(db.query(sql, params))

    def scalar(self, sql: str, params: tuple[Any, ...] | list[Any] | dict[str, Any] = ()) -> Any:
        with self.reading() as db:
            return db.execute(sql, params).fetchone()[0]

    def query_row(self, sql: str, params: tuple[Any, ...] | list[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        found = self.query_rows(sql, params)
        return found[0] if found else None

    def _insert(self, table: str, record: dict[str, Any]) -> int:
        return self.db.insert(table, record)

    def data_version(self) -> int:
        """Changes when another connection commits: cheap polling for live refresh."""
        return int(self.scalar("PRAGMA data_version"))

    # -- incidents ------------------------------------------------------------------------------

    def incident(self, key: int | str) -> Incident:
        """By row id, by ref (`INC-20261127-001`, any case) or by UUID."""
        if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
            # SQLite's integers stop at 2**63 - 1: a larger id names no incident.
            row = self.query_row("SELECT * FROM incidents WHERE id = ?", [int(key)]) if int(key) < 2**63 else None
        else:
            row = self.query_row(
                "SELECT * FROM incidents WHERE ref = ? COLLATE NOCASE OR uuid = ?", [key.strip(), key.strip()]
            )
        if row is None:
            raise NotFound(f"no incident {key!r} in {self.path}; `ir-console list --status all` shows them")
        return rows.incident_from_row(row)

    def latest_open_incident(self) -> Incident | None:
        from ir_console.store import archive  # here: the archive's queries build its own model

        with self.reading() as db:
            return archive.latest_open_incident(db)

    # -- timeline -------------------------------------------------------------------------------

    def _event(
        self,
        incident_id: int,
        kind: EventKind,
        text: str,
        author: str,
        source: EventSource,
        now: datetime,
        *,
        occurred_at: datetime | None = None,
        key_moment: bool = False,
        milestone: Milestone | None = None,
    ) -> int:
        return self._insert(
            "events",
            {
                "uuid": new_uuid(),
                "incident_id": incident_id,
                "occurred_at": to_iso(occurred_at or now),
                "recorded_at": to_iso(now),
                "kind": kind.value,
                "text": storable(text),
                "author": storable(author),
                "source": source.value,
                "key_moment": int(key_moment),
                "revision": 1,
                "milestone": milestone.value if milestone else None,
            },
        )

    def add_event(
        self,
        incident_id: int,
        text: str,
        *,
        kind: EventKind = EventKind.NOTE,
        occurred_at: datetime | None = None,
        author: str = "",
        source: EventSource = EventSource.CONSOLE,
        key_moment: bool = False,
        correction: bool = False,
    ) -> TimelineEvent:
        """Append an entry. `correction`: added in the post-incident review, after the fact; its
        text says so (`Correction: ...`). Whether the incident takes entries is the caller's
        question (`refuse_if_resolved`)."""
        if not text.strip():
            raise ValueError("an entry needs some text")
        if correction:
            text = CORRECTION_PREFIX + text
        now = self.clock()
        with self.transaction():
            self.incident(incident_id)
            event_id = self._event(
                incident_id, kind, text, author, source, now, occurred_at=occurred_at, key_moment=key_moment
            )
        return self.event(event_id)

    def event(self, event_id: int) -> TimelineEvent:
        row = self.query_row("SELECT * FROM events WHERE id = ?", [event_id])
        if row is None:
            raise NotFound(f"no timeline event {event_id} in {self.path}")
        return rows.event_from_row(row)
