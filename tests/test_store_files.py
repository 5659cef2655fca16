"""Bad database files: each is refused with a one-line StoreError naming the file, and left untouched."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_support import count_events, every_incident

import ir_console.store.opening as opening
from ir_console.model import Severity
from ir_console.store import Store, StoreError, WriteFailed

OLD_MTIME_NS = 1_600_000_000 * 10**9  # 2020: any write by the open would move it to now


def make_real_database(path: Path, events: int = 60) -> Path:
    """An ir-console database of several pages, closed cleanly (no -wal or -shm left)."""
    with Store.open(path) as store:
        incident = store.create_incident("Checkout down", Severity.SEV1)
        for number in range(events):
            store.add_event(incident.id, f"entry {number} " + "x" * 500)
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()
    return path


@pytest.fixture
def real_db(tmp_path: Path) -> Path:
    return make_real_database(tmp_path / "source" / "real.db")


def fingerprint(path: Path) -> tuple:
    """What must not change: the bytes, the mtime, the mode, and the folder's listing."""
    info = path.stat()
    content = path.read_bytes() if path.is_file() else None
    return content, info.st_mtime_ns, info.st_mode, sorted(os.listdir(path.parent))


def age(path: Path) -> None:
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))


def assert_refused(path: Path, *words: str) -> str:
    """Opening `path` raises a one-line StoreError naming it, containing `words`; the file is as it was."""
    before = fingerprint(path)
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    message = str(caught.value)
    assert "\n" not in message, message
    assert str(path) in message, message
    for word in words:
        assert word in message, message
    assert fingerprint(path) == before, "the open changed the file or its folder"
    return message


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("09:12 checkout down\n09:15 rolled back\n")
    age(path)
    assert_refused(path, "not an SQLite database")


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    age(path)
    assert_refused(path, "empty")


@pytest.mark.parametrize("keep", [0.5, 4096, 50, -1])
def test_truncated_database(real_db: Path, tmp_path: Path, keep: float) -> None:
    data = real_db.read_bytes()
    assert len(data) > 8 * 4096
    cut = int(len(data) * keep) if isinstance(keep, float) else (len(data) + keep if keep < 0 else keep)
    path = tmp_path / "truncated.db"
    path.write_bytes(data[:cut])
    age(path)
    assert_refused(path, "truncated")


def test_header_with_a_wrong_magic_string(real_db: Path, tmp_path: Path) -> None:
    data = bytearray(real_db.read_bytes())
    data[0:16] = b"SQLite format 2\x00"
    path = tmp_path / "bad-magic.db"
    path.write_bytes(bytes(data))
    age(path)
    assert_refused(path, "not an SQLite database")


@pytest.mark.parametrize(
    ("offset", "garbage"),
    [
        (16, b"\x03\x00"),  # page size 768: not a power of two
        (18, b"\xff" * 6),  # file format versions and reserved space, payload fractions
        (100, b"\xff" * 200),
    ],  # the first page's b-tree header: sqlite_master itself
)
def test_corrupted_header(real_db: Path, tmp_path: Path, offset: int, garbage: bytes) -> None:
    data = bytearray(real_db.read_bytes())
    data[offset : offset + len(garbage)] = garbage
    path = tmp_path / "corrupt.db"
    path.write_bytes(bytes(data))
    age(path)
    assert_refused(path, "corrupt")


def test_folder_path(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    path.mkdir()
    age(path)
    assert_refused(path, "is a folder")
    assert list(path.iterdir()) == []


def test_database_from_a_newer_schema(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        ["ir_console", "m999_from_the_future", "2031-01-01 00:00:00"],
    )
    conn.commit()
    conn.close()
    age(real_db)
    assert_refused(real_db, "newer ir-console", "m999_from_the_future", "upgrade")


def test_another_applications_migrations_do_not_count_as_newer(real_db: Path) -> None:
    conn = sqlite3.connect(real_db)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('other_tool', 'm1', 'x')")
    conn.commit()
    conn.close()
    with Store.open(real_db) as store:
        assert (
            every_incident(
                store,
            )[0].title
            == "Checkout down"
        )


def test_someone_elses_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO users (name) VALUES ('ada')")
    conn.commit()
    conn.close()
    age(path)
    assert_refused(path, "not an ir-console")
    # Not migrated into: no ir-console tables were added.
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["users"]
    conn.close()


def test_parent_is_a_file(tmp_path: Path) -> None:
    parent = tmp_path / "not-a-folder"
    parent.write_text("x")
    age(parent)
    before = fingerprint(parent)
    with pytest.raises(StoreError) as caught:
        Store.open(parent / "incidents.db")
    assert "\n" not in str(caught.value) and str(parent / "incidents.db") in str(caught.value)
    assert fingerprint(parent) == before


# -- locked ---------------------------------------------------------------------------------------


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(opening, "BUSY_TIMEOUT_MS", 200)
    return 200


@pytest.fixture
def holder() -> Iterator[list[sqlite3.Connection]]:
    """Connections that hold locks; rolled back and closed after the test."""
    held: list[sqlite3.Connection] = []
    yield held
    for conn in held:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def hold_exclusive(path: Path, held: list[sqlite3.Connection]) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    held.append(conn)
    return conn


def test_write_to_a_database_locked_past_the_timeout(real_db: Path, short_busy_timeout: int, holder: list) -> None:
    store = Store.open(real_db)
    try:
        incident = every_incident(
            store,
        )[0]
        count = count_events(store, incident.id)
        lock = hold_exclusive(real_db, holder)
        started = time.monotonic()
        with pytest.raises(WriteFailed) as caught:
            store.add_event(incident.id, "written while someone holds the lock")
        waited = time.monotonic() - started
        message = str(caught.value)
        assert "locked" in message and str(real_db) in message and "\n" not in message
        # It waited for the busy timeout, not forever and not at all.
        assert short_busy_timeout / 1000 * 0.8 <= waited < 5
        assert not store.db.conn.in_transaction

        lock.execute("ROLLBACK")
        store.add_event(incident.id, "written once the lock is gone")
        assert count_events(store, incident.id) == count + 1
        assert store.events(incident.id)[-1].text == "written once the lock is gone"
    finally:
        store.close()


def test_opening_a_database_locked_past_the_timeout(real_db: Path, short_busy_timeout: int, holder: list) -> None:
    # In rollback-journal mode an exclusive lock keeps readers out too, so the open itself waits.
    conn = sqlite3.connect(real_db)
    assert conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    conn.close()
    age(real_db)
    hold_exclusive(real_db, holder)
    before = fingerprint(real_db)
    started = time.monotonic()
    with pytest.raises(StoreError) as caught:
        Store.open(real_db)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "locked" in message and str(real_db) in message and "\n" not in message
    assert fingerprint(real_db) == before


# -- permissions ----------------------------------------------------------------------------------
#
# The tests run as root, and for root os.access() says every file is writable and SQLite can open
# a 0400 file read-write: root defeats the permission checks. So the open runs in a forked child
# that has dropped to the `nobody` user (fork without exec: the interpreter lives under /root,
# which `nobody` may not enter).


def run_as(uid: int, gid: int, task) -> str:
    """`task()` in a forked child running as uid/gid; returns the text it returned, or what went
    wrong (`SETUID-FAILED ...`, `OTHER ...`)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            os.close(read_end)
            try:
                if (uid, gid) != (os.getuid(), os.getgid()):
                    os.setgroups([])
                    os.setgid(gid)
                    os.setuid(uid)
            except OSError as error:
                outcome = f"SETUID-FAILED {error}"
            else:
                try:
                    outcome = task()
                except BaseException as error:
                    outcome = f"OTHER {type(error).__name__}: {error}"
            os.write(write_end, outcome.encode("utf-8", "backslashreplace"))
        finally:
            os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode()


def run_open_as(uid: int, gid: int, path: Path) -> str:
    """Store.open(path) as uid/gid; returns what happened, as text."""

    def task() -> str:
        try:
            Store.open(path).close()
            return "OPENED"
        except StoreError as error:
            return f"StoreError {error}"

    return run_as(uid, gid, task)


@pytest.fixture
def unprivileged() -> tuple[int, int] | None:
    """(uid, gid) to drop to when running as root; None when the tests already run unprivileged."""
    if os.geteuid() != 0:
        return None
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no 'nobody' user to test permissions as")
    return nobody.pw_uid, nobody.pw_gid


@pytest.fixture
def shared_dir(unprivileged: tuple[int, int] | None) -> Iterator[Path]:
    """A folder the unprivileged user owns and can reach (pytest's tmp_path is root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="ir-console-perm-"))
    try:
        if unprivileged:
            os.chown(folder, *unprivileged)
        yield folder
    finally:
        os.chmod(folder, 0o700)
        shutil.rmtree(folder)


def open_unprivileged(unprivileged: tuple[int, int] | None, path: Path) -> str:
    if unprivileged is None:
        try:
            Store.open(path).close()
            return "OPENED"
        except StoreError as error:
            return f"StoreError {error}"
    outcome = run_open_as(*unprivileged, path)
    if outcome.startswith("SETUID-FAILED"):
        pytest.skip(f"cannot drop privileges to test permissions: {outcome}")
    return outcome


def test_a_writable_file_opens_as_the_unprivileged_user(unprivileged, shared_dir: Path, real_db: Path) -> None:
    # The control for the tests below: the same set-up with write permission opens fine.
    path = shared_dir / "ok.db"
    shutil.copy(real_db, path)
    if unprivileged:
        os.chown(path, *unprivileged)
    os.chmod(path, 0o600)
    assert open_unprivileged(unprivileged, path) == "OPENED"


def test_read_only_file(unprivileged, shared_dir: Path, real_db: Path) -> None:
    path = shared_dir / "readonly.db"
    shutil.copy(real_db, path)
    if unprivileged:
        os.chown(path, *unprivileged)
    os.chmod(path, 0o400)
    age(path)
    before = fingerprint(path)
    outcome = open_unprivileged(unprivileged, path)
    assert outcome.startswith("StoreError "), outcome
    message = outcome.removeprefix("StoreError ")
    assert "\n" not in message and str(path) in message and "read-only" in message
    assert fingerprint(path) == before


def test_read_only_folder(unprivileged, shared_dir: Path, real_db: Path) -> None:
    # The file is writable but SQLite could not create its -wal and -shm files next to it.
    path = shared_dir / "in-readonly-folder.db"
    shutil.copy(real_db, path)
    if unprivileged:
        os.chown(path, *unprivileged)
    os.chmod(path, 0o600)
    age(path)
    os.chmod(shared_dir, 0o500)
    before = fingerprint(path)
    outcome = open_unprivileged(unprivileged, path)
    assert outcome.startswith("StoreError "), outcome
    message = outcome.removeprefix("StoreError ")
    assert "\n" not in message and str(path) in message and "read-only" in message
    assert fingerprint(path) == before


def test_unreadable_file(unprivileged, shared_dir: Path, real_db: Path) -> None:
    path = shared_dir / "unreadable.db"
    shutil.copy(real_db, path)
    if unprivileged:
        os.chown(path, *unprivileged)
    os.chmod(path, 0o000)
    age(path)
    before = fingerprint(path)
    outcome = open_unprivileged(unprivileged, path)
    assert outcome.startswith("StoreError "), outcome
    message = outcome.removeprefix("StoreError ")
    assert "\n" not in message and str(path) in message and "permission denied" in message
    assert fingerprint(path) == before


def cli_as(unprivileged: tuple[int, int] | None, folder: Path, *args: str) -> tuple[int, str, str]:
    """`ir-console ARGS` as the unprivileged user (this user when not root): (exit status, stdout,
    stderr). In-process, in a forked child, since root's Python is not reachable by others."""
    from click.testing import CliRunner

    from ir_console.cli import main

    def task() -> str:
        os.environ.update({"IR_CONSOLE_CONFIG": str(folder / "no-config.toml"), "XDG_DATA_HOME": str(folder / "data")})
        result = CliRunner().invoke(main, list(args))
        return json.dumps([result.exit_code, result.stdout, result.stderr])

    uid, gid = unprivileged or (os.getuid(), os.getgid())
    outcome = run_as(uid, gid, task)
    try:
        status, out, err = json.loads(outcome)
    except ValueError:
        raise AssertionError(outcome) from None
    return status, out, err


def test_a_read_only_backup_can_be_listed_shown_and_exported_but_not_written(
    unprivileged, shared_dir: Path, real_db: Path
) -> None:
    folder = shared_dir / "backup"
    folder.mkdir()
    path = folder / "backup.db"
    shutil.copy(real_db, path)
    if unprivileged:
        os.chown(folder, *unprivileged)
        os.chown(path, *unprivileged)
    os.chmod(path, 0o400)
    os.chmod(folder, 0o500)
    age(path)
    before = fingerprint(path)
    with Store.open(real_db) as source:
        ref = every_incident(
            source,
        )[0].ref
    status, out, err = cli_as(unprivileged, shared_dir, "--db", str(path), "list", "--json")
    assert status == 0, err
    assert [row["id"] for row in json.loads(out)["incidents"]] == [ref]
    status, out, err = cli_as(unprivileged, shared_dir, "--db", str(path), "export", ref)
    assert status == 0 and out.startswith("# Post-Mortem:"), err
    status, out, err = cli_as(unprivileged, shared_dir, "--db", str(path), "log", "--incident", ref, "more")
    assert status == 2 and "read-only" in err and "Traceback" not in err, err
    assert fingerprint(path) == before
