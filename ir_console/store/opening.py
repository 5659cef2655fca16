"""Opening the database file safely: refuse bad files before touching them, then migrate.

Every refusal is a `StoreError` whose message is one line naming the file and what to do; the file
is left exactly as it was found. A file whose schema is current is checked and opened with sqlite3
alone: sqlite-utils (its `Migrations`) is imported only to create or upgrade the schema.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import Counter
from pathlib import Path

from ir_console.locations import private_dir
from ir_console.store.connection import Connection
from ir_console.store.errors import DatabaseReplaced, StoreError, WriteFailed
from ir_console.store.sharing import new_file_mode

SQLITE_HEADER = b"SQLite format 3\x00"
# `PRAGMA application_id` of an ir-console file ("IRC1"); a file carrying another one belongs to
# another application, even while it has no tables yet.
APPLICATION_ID = 0x49524331
BUSY_TIMEOUT_MS = 5000

# Every migration in schema.py, in order: whether a file's schema is current is read from
# sqlite-utils' record of applied migrations with sqlite3, without importing schema.py (and so
# sqlite-utils). A migration added there is added here (tests/test_store.py compares the two).
MIGRATION_NAMES = (
    "m001_incident_record",
    "m002_search_index",
    "m003_linked_records",
    "m004_held_notices",
    "m005_section_revisions",
    "m006_sync_outbox",
    "m007_digest_indexes",
)
MIGRATION_SET = "ir_console"  # the name of schema.py's `Migrations`
MIGRATIONS_TABLE = "_sqlite_migrations"  # where sqlite-utils records the migrations applied

# POSIX drops every lock a process holds on a file when it closes any descriptor on that file.
# Reading the header of a database this process already has open would drop SQLite's locks on it,
# and another process closing its connection would then checkpoint and delete the WAL under ours
# (acknowledged entries lost). So the files open here are counted, by device and inode, and the
# header is read only by the first open; `release` is called when a connection closes.
_open_here: Counter[tuple[int, int]] = Counter()
_open_here_lock = threading.Lock()


def file_key(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def database_replaced(path: Path) -> DatabaseReplaced:
    """The error for a path that no longer names the file opened there (see `Store.check_file`)."""
    return DatabaseReplaced(
        f"{path}: the database file was deleted, moved or replaced after it was opened; nothing more is written to it"
    )


def release(key: tuple[int, int] | None) -> None:
    """A connection opened by `open_database` on the file with this key was closed."""
    with _open_here_lock:
        if key is not None and _open_here[key] > 0:
            _open_here[key] -= 1
            if not _open_here[key]:
                del _open_here[key]


def open_database(
    path: Path, *, create: bool = True, read_only: bool = False
) -> tuple[Connection, tuple[int, int] | None]:
    """Check, connect, set the pragmas and apply pending migrations. Returns the database and the
    file's key, which the caller passes to `release` when it closes the connection.

    `read_only`: only reading is asked for (a backup on a read-only disk can still be listed and
    exported): the file is opened without writing to it, and not migrated."""
    path = Path(path).expanduser()
    existed = path.exists()
    if existed:
        with _open_here_lock:
            key = file_key(path)
            already_open = key is not None and _open_here[key] > 0
        if not already_open:
            check_existing_file(path, read_only=read_only)
    elif not create or read_only:
        raise StoreError(f"{path}: no such database; create it with `ir-console new` or check --db")
    else:
        create_database_file(path)
    conn = connect(path, read_only=read_only)
    try:
        db = Connection(conn)
        if existed:
            check_schema(db, path)
        if read_only:
            check_read_only(db, path)
        else:
            configure(db, path)
            if not existed:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            migrate(db, path)
    except BaseException:
        conn.close()
        if not existed and path.exists() and path.stat().st_size == 0:
            path.unlink()  # ours, and still empty: leave nothing that later opens would refuse
        raise
    key = file_key(path)
    with _open_here_lock:
        if key is not None:
            _open_here[key] += 1
    return db, key


def is_writable(path: Path) -> bool:
    """Whether the database file and its folder (for the -wal and -shm files) can be written."""
    path = Path(path).expanduser()
    return os.access(path, os.W_OK) and os.access(path.resolve().parent, os.W_OK)


def check_existing_file(path: Path, *, read_only: bool = False) -> None:
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a database file; pass a file path with --db")
    if not os.access(path, os.R_OK):
        raise StoreError(f"{path}: permission denied reading the database; check its owner and mode")
    if not read_only and not is_writable(path):
        raise StoreError(
            f"{path}: database is read-only (file or folder not writable); "
            "fix the permissions or copy it somewhere writable"
        )
    size = path.stat().st_size
    if size == 0:
        raise StoreError(f"{path}: file is empty, not an ir-console database; remove it or choose another --db")
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header.startswith(SQLITE_HEADER):
        raise StoreError(f"{path}: not an SQLite database; choose another --db (the file was not changed)")
    # The WAL lies beside the real file, not beside a symlink to it.
    if len(header) < 100 or (size < declared_size(header) and not has_wal_content(path.resolve())):
        # A checkpoint interrupted (a crash, a full disk) leaves the file shorter than its header
        # says while the WAL still holds the pages: SQLite opens that intact.
        raise StoreError(
            f"{path}: database is truncated or corrupt; restore it from a backup (the file was not changed)"
        )


def has_wal_content(path: Path) -> bool:
    try:
        return path.with_name(path.name + "-wal").stat().st_size > 0
    except OSError:
        return False


def declared_size(header: bytes) -> int:
    """The size the header says the file has: page size times page count."""
    page_size = int.from_bytes(header[16:18], "big")
    if page_size == 1:
        page_size = 65536
    page_count = int.from_bytes(header[28:32], "big")
    return page_size * page_count


def create_database_file(path: Path) -> None:
    """An empty file, 0600; 0660 in a folder shared with a group (see sharing.py), whatever the umask."""
    try:
        private_dir(path.parent)
        mode = new_file_mode(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    except FileExistsError:
        return
    except OSError as error:
        raise StoreError(f"{path}: cannot create the database: {error.strerror}") from None
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    # mode=rw: never let SQLite create a file we did not create ourselves (0600) above.
    uri = f"{path.resolve().as_uri()}?mode=rw"
    if read_only:
        # With no -wal beside it nothing is writing the file: SQLite reads it as immutable, which
        # needs no -wal and -shm (it could not make them in a read-only folder, and would leave
        # them behind in a writable one).
        immutable = not path.resolve().with_name(path.resolve().name + "-wal").exists()
        uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        # What sqlite-utils' Database sets on every connection it wraps; the store's triggers were
        # written with it on.
        conn.execute("PRAGMA recursive_triggers = on")
    except sqlite3.Error as error:
        raise StoreError(f"{path}: cannot open the database: {error}") from None
    return conn


def applied_migrations(db: Connection) -> set[str]:
    """The names of the migrations applied to the file (read as sqlite-utils' `Migrations.applied`)."""
    if MIGRATIONS_TABLE not in db.table_names():
        return set()
    found = db.execute(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", [MIGRATION_SET])
    return {row[0] for row in found}


def pending_migrations(db: Connection) -> bool:
    return not set(MIGRATION_NAMES) <= applied_migrations(db)


def check_schema(db: Connection, path: Path) -> None:
    try:
        # sqlite-utils' own table alone is what a first open leaves if it failed mid-migration.
        tables = set(db.table_names()) - {MIGRATIONS_TABLE}
        application = db.execute("PRAGMA application_id").fetchone()[0]
        if (tables and "incidents" not in tables) or application not in (0, APPLICATION_ID):
            raise StoreError(f"{path}: an SQLite database, but not an ir-console one; choose another --db")
        applied = applied_migrations(db)
    except sqlite3.DatabaseError as error:
        raise database_failure(path, error) from None
    unknown = applied - set(MIGRATION_NAMES)
    if unknown:
        raise StoreError(
            f"{path}: written by a newer ir-console (schema {sorted(unknown)[-1]}); upgrade ir-console to open it"
        )


def check_read_only(db: Connection, path: Path) -> None:
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        pending = pending_migrations(db)
    except sqlite3.DatabaseError as error:
        raise database_failure(path, error) from None
    if pending:
        raise StoreError(
            f"{path}: read-only, and written by an older ir-console that this one would "
            "upgrade; copy it somewhere writable to open it"
        )


def disk_is_full(path: Path) -> bool:
    import shutil  # here: only a failed open asks

    try:
        return shutil.disk_usage(path.parent).free == 0
    except OSError:
        return False


def database_failure(path: Path, error: sqlite3.Error) -> StoreError:
    """The error to raise for `error` while opening: a full disk is worth retrying (WriteFailed)."""
    if disk_is_full(path):
        return WriteFailed(f"{path}: the disk is full; free some space and retry")
    return StoreError(describe_database_error(path, error))


def configure(db: Connection, path: Path) -> None:
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            with db.utils.ensure_autocommit_on():  # a new file, mostly: sqlite-utils creates its schema next
                db.execute("PRAGMA journal_mode = WAL")
        # FULL in WAL mode syncs the log on every commit: an acknowledged entry survives a crash.
        db.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as error:
        raise database_failure(path, error) from None


def migrate(db: Connection, path: Path) -> None:
    if not pending_migrations(db):
        return
    from ir_console.store.schema import migrations  # sqlite-utils: only to create or upgrade the schema

    try:
        migrations.apply(db.utils)
    except sqlite3.DatabaseError as error:
        raise database_failure(path, error) from None


def is_corruption(error: sqlite3.Error) -> bool:
    message = str(error).lower()
    return "not a database" in message or "malformed" in message or "corrupt" in message


def describe_database_error(path: Path, error: sqlite3.Error) -> str:
    message = str(error).lower()
    if "locked" in message or "busy" in message:
        return (
            f"{path}: database is locked by another process for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s; close the other writer or retry"
        )
    if is_corruption(error):
        return f"{path}: database is corrupt; restore it from a backup (the file was not changed)"
    if "readonly" in message or "read-only" in message:
        return f"{path}: database is read-only; fix the permissions or copy it somewhere writable"
    if "full" in message:
        return f"{path}: the disk is full; free some space and retry"
    return f"{path}: database error: {error}"
