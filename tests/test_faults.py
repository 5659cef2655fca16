"""Proof under fault: a writer killed at random, four writers at once, a disk with no space left.

The console's promise is that what it acknowledged is in the file whatever happens next, and that
a write it could not make is refused cleanly and can be retried. These tests break things for real
(SIGKILL, concurrent processes, a full file system) and then read the SQLite file with a
connection of their own.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import json
import multiprocessing
import os
import random
import resource
import select
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from store_support import count_events
from tui_support import (
    Clock,
    console,
    declare_checkout_incident,
    last_line,
    query,
    run,
    settle,
    toasts,
    wait_until,
    war_room,
)

from ir_console.model import EventSource, Incident, Severity
from ir_console.store import Store, WriteFailed
from ir_console.tui.widgets.entry_line import EntryLine

DRIVERS = Path(__file__).with_name("fault_drivers.py")
FORK = multiprocessing.get_context("fork")


def integrity(path: Path) -> list[str]:
    return [row["integrity_check"] for row in query(path, "PRAGMA integrity_check")]


def stored_events(path: Path, incident_id: int) -> list[dict]:
    """The incident's events as the file holds them, in the order they were written."""
    return query(
        path,
        "SELECT id, uuid, text, author, source, occurred_at FROM events WHERE incident_id = ? ORDER BY id",
        incident_id,
    )


def run_in_child(scenario: Callable[..., object], *args: object, timeout: float = 60.0) -> None:
    """Run `scenario(*args)` in a forked child; fail with the child's traceback if it raised.

    A fault that is set per process (a file-size limit) must not touch pytest itself.
    """
    reader, writer = FORK.Pipe(duplex=False)
    child = FORK.Process(target=report_outcome, args=(writer, scenario, args), daemon=True)
    child.start()
    writer.close()
    try:
        if not reader.poll(timeout):
            pytest.fail(f"{scenario.__name__} did not finish within {timeout:.0f} s", pytrace=False)
        outcome = reader.recv()
    except EOFError:
        outcome = f"{scenario.__name__}: the child died without a word (exit code {child.exitcode})"
    finally:
        if child.is_alive():
            child.kill()
        child.join(10)
        reader.close()
    if outcome is not None:
        pytest.fail(f"in the child process:\n{outcome}", pytrace=False)


def report_outcome(report: Connection, scenario: Callable[..., object], args: tuple) -> None:
    try:
        scenario(*args)
    except BaseException:
        report.send(traceback.format_exc())
    else:
        report.send(None)


# -- crash: SIGKILL at random moments -------------------------------------------------------------

KILLS = 200
KILL_WINDOW = 0.050  # seconds after the writer opened the file
CRASH_AUTHOR = "crash"


def append_until_killed(path: Path, incident_id: int, round_number: int, report: Connection) -> None:
    """The writer child: a fresh store, then events one by one, each reported once `add_event`
    has returned, until it is killed."""
    try:
        store = Store.open(path, create=False)
        report.send("open")
        for number in itertools.count():
            event = store.add_event(incident_id, f"r{round_number}-{number}", author=CRASH_AUTHOR)
            report.send((event.uuid, event.text))
    except BaseException:
        report.send(("error", traceback.format_exc()))


class WriterFailed(Exception):
    """A writer child raised (the message holds its traceback) instead of being killed mid-write."""


def kill_one_writer(path: Path, incident_id: int, round_number: int, delay: float) -> list[tuple[str, str]]:
    """Start a writer, SIGKILL it `delay` seconds after it opened the file; what it reported."""
    reader, writer = FORK.Pipe(duplex=False)
    child = FORK.Process(target=append_until_killed, args=(path, incident_id, round_number, writer))
    child.start()
    writer.close()
    reported: list = []
    try:
        assert reader.poll(10), f"round {round_number}: the writer did not open the database within 10 s"
        opened = reader.recv()
        if opened != "open":
            raise WriterFailed(f"round {round_number}: the writer could not open the database:\n{opened[1]}")
        # Collect what it reports while waiting for the moment to kill it.
        deadline = time.monotonic() + delay
        while (left := deadline - time.monotonic()) > 0:
            if reader.poll(left):
                reported.append(reader.recv())
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        while True:  # what it wrote into the pipe before it died
            try:
                reported.append(reader.recv())
            except EOFError:
                break
    finally:
        if child.is_alive():
            child.kill()
            child.join(10)
        reader.close()
    errors = [item[1] for item in reported if item[0] == "error"]
    if errors:
        raise WriterFailed(f"round {round_number}: the writer failed before it was killed:\n{errors[0]}")
    assert child.exitcode == -signal.SIGKILL, f"round {round_number}: exit code {child.exitcode}"
    return reported


def assert_acknowledged_in_file(
    path: Path, incident_id: int, own_events: int, reported_by_round: list[list[tuple[str, str]]], seed: int
) -> int:
    """Every acknowledged event is in the file exactly once and the file is sound; the event count."""
    assert integrity(path) == ["ok"], f"seed {seed}"
    assert query(path, "PRAGMA foreign_key_check") == []
    rows = stored_events(path, incident_id)
    reported = [item for items in reported_by_round for item in items]
    uuids = Counter(row["uuid"] for row in rows)
    missing = [text for uuid, text in reported if uuids[uuid] != 1]
    assert not missing, f"seed {seed}: acknowledged but not in the file exactly once: {missing[:5]}"
    texts = {row["uuid"]: row["text"] for row in rows}
    assert all(texts[uuid] == text for uuid, text in reported)
    # Each writer's events form an unbroken run from its first: at most the one it was killed
    # between committing and reporting is in the file without having been acknowledged.
    for round_number, items in enumerate(reported_by_round):
        numbers = sorted(int(row["text"].split("-")[1]) for row in rows if row["text"].startswith(f"r{round_number}-"))
        assert numbers in (list(range(len(items))), list(range(len(items) + 1))), (
            f"seed {seed}, round {round_number}: acknowledged {len(items)}, in the file {numbers[-5:]}"
        )
    assert len(rows) - own_events - len(reported) <= len(reported_by_round)
    return len(rows)


def test_a_writer_killed_at_random_moments_loses_nothing_it_acknowledged(db_path: Path) -> None:
    seed = int(os.environ.get("IR_CONSOLE_FAULT_SEED", random.SystemRandom().randrange(2**32)))
    print(f"crash test seed: {seed} (IR_CONSOLE_FAULT_SEED={seed} repeats the delays)")
    rng = random.Random(seed)
    with Store.open(db_path) as store:
        incident = store.create_incident("Writers killed mid-write", Severity.SEV1)
        own_events = count_events(store, incident.id)

    started = time.monotonic()
    reported_by_round: list[list[tuple[str, str]]] = []
    for round_number in range(KILLS):
        reported_by_round.append(kill_one_writer(db_path, incident.id, round_number, rng.uniform(0, KILL_WINDOW)))
    elapsed = time.monotonic() - started
    acknowledged = sum(len(items) for items in reported_by_round)
    print(f"{KILLS} kills in {elapsed:.1f} s; {acknowledged} events acknowledged")
    assert acknowledged > KILLS, "the writers were killed before they could write anything"
    in_file = assert_acknowledged_in_file(db_path, incident.id, own_events, reported_by_round, seed)

    with Store.open(db_path, create=False) as store:
        after = store.add_event(incident.id, "written after the crashes")
        assert count_events(store, incident.id) == in_file + 1
        assert store.events(incident.id)[-1].id == after.id


# -- concurrency: two consoles and two `ir-console log` loops -------------------------------------

PER_WRITER = 1000
WRITERS = {"console-A": "console", "console-B": "console", "cli-A": "cli", "cli-B": "cli"}  # tag: driver
START_TIMEOUT = 30.0
RUN_TIMEOUT = 150.0


def wait_for_ready(writer: subprocess.Popen, tag: str, timeout: float) -> None:
    ready, _, _ = select.select([writer.stdout], [], [], timeout)
    line = writer.stdout.readline().strip() if ready else ""
    if line != "ready":
        writer.kill()
        _, err = writer.communicate(timeout=10)
        pytest.fail(f"{tag} did not get ready within {timeout:.0f} s: {line!r} {err[-2000:]}", pytrace=False)


# Opening a Store opens and closes the database file to check its header (opening.py,
# check_existing_file). Closing any descriptor of a file drops every POSIX lock the process holds
# on it, so when the console opens its writer connection its reader loses the lock that tells
# other processes the file is in use: the next `ir-console log` to close checkpoints and deletes
# the -wal under the console, and what either writes next can be lost.
async def test_log_commands_while_a_console_is_open_lose_nothing(db_path: Path) -> None:
    store = Store.open(db_path)
    clock = Clock()
    incident = declare_checkout_incident(store, clock)
    app = console(store, clock)
    acknowledged = []
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("t")
        entry = war_room(app).query_one("#entry", EntryLine)
        for number in range(3):
            entry.value = f"From the console {number}"
            await pilot.press("enter")
            await wait_until(
                pilot, lambda: (entry.value == "" and not entry.saving) or toasts(app), f"console entry {number}"
            )
            assert entry.value == "" and not entry.saving, toasts(app)
            acknowledged.append(f"From the console {number}")
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "ir_console",
                    "--db",
                    str(db_path),
                    "log",
                    f"From the shell {number}",
                    "--incident",
                    incident.ref,
                ],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert result.returncode == 0 and result.stderr == "", result.stderr
            acknowledged.append(f"From the shell {number}")
            await wait_until(pilot, lambda: f"From the shell {number}" in last_line(app), "the shell's entry shown")
    store.close()
    texts = [row["text"] for row in stored_events(db_path, incident.id)]
    assert [text for text in texts if text.startswith("From the ")] == acknowledged
    assert integrity(db_path) == ["ok"]


def test_two_consoles_and_two_log_loops_write_one_incident_at_once(db_path: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    with Store.open(db_path) as store:
        incident = store.create_incident("Four writers", Severity.SEV1)
        own = stored_events(db_path, incident.id)

    writers = {
        tag: subprocess.Popen(
            [sys.executable, str(DRIVERS), kind, str(db_path), str(incident.id), tag, str(PER_WRITER), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag, kind in WRITERS.items()
    }
    try:
        for tag, writer in writers.items():
            wait_for_ready(writer, tag, START_TIMEOUT)
        go.touch()
        started = time.monotonic()
        results = {tag: writer.communicate(timeout=RUN_TIMEOUT) for tag, writer in writers.items()}
        elapsed = time.monotonic() - started
    finally:
        for writer in writers.values():
            if writer.poll() is None:
                writer.kill()
                writer.communicate()
    print(f"{len(WRITERS)} writers x {PER_WRITER} entries in {elapsed:.1f} s")

    for tag, (out, err) in results.items():
        assert "locked" not in err.lower(), f"{tag}: {err}"
        assert writers[tag].returncode == 0 and err == "", f"{tag}: {err}"
        summary = json.loads(out.splitlines()[-1])
        assert "locked" not in " ".join(summary["problems"]).lower(), f"{tag}: {summary['problems']}"
        assert summary["problems"] == [], f"{tag}: {summary['problems'][:5]}"
        assert summary["written"] == PER_WRITER

    rows = stored_events(db_path, incident.id)
    assert rows[: len(own)] == own
    assert len(rows) == len(own) + len(WRITERS) * PER_WRITER
    texts = Counter(row["text"] for row in rows[len(own) :])
    expected = {f"{tag}-{number}" for tag in WRITERS for number in range(PER_WRITER)}
    assert set(texts) == expected
    assert [text for text, n in texts.items() if n > 1] == []
    assert len({row["uuid"] for row in rows}) == len(rows)
    for tag, kind in WRITERS.items():
        mine = [row for row in rows if row["author"] == tag]
        assert {row["source"] for row in mine} == {EventSource(kind).value}
        # In its own order both ways the timeline can be read: by row id and by time.
        by_id = [int(row["text"].rsplit("-", 1)[1]) for row in mine]
        by_time = [
            int(row["text"].rsplit("-", 1)[1]) for row in sorted(mine, key=lambda row: (row["occurred_at"], row["id"]))
        ]
        assert by_id == by_time == list(range(PER_WRITER)), tag
    # The ids `ir-console log` printed are the events it wrote.
    text_of = {row["id"]: row["text"] for row in rows}
    for tag, kind in WRITERS.items():
        if kind == "cli":
            printed = json.loads(results[tag][0].splitlines()[-1])["event_ids"]
            assert [text_of[event_id] for event_id in printed] == [f"{tag}-{n}" for n in range(PER_WRITER)]
    assert integrity(db_path) == ["ok"]


# -- disk full ------------------------------------------------------------------------------------

TMPFS_SIZE = "2m"
FILL_ATTEMPTS = 2000  # entries to try before deciding the disk never filled
PYTEST_PID = os.getpid()


class SmallFileSystem:
    """A tmpfs of its own: full once a filler file has taken its last page."""

    says_full = True

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db = folder / "incidents.db"
        self.filler = folder / "filler"

    def fill(self) -> None:
        fd = os.open(self.filler, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        try:
            for chunk in (b"\0" * 65536, b"\0" * 4096, b"\0"):
                try:
                    while True:
                        os.write(fd, chunk)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
        finally:
            os.close(fd)

    def free(self) -> None:
        self.filler.unlink()


class FileSizeLimit:
    """RLIMIT_FSIZE at the database file's size, in the calling (child) process: no file grows
    past it. SIGXFSZ is ignored, so writes fail with EFBIG (SQLite says "disk I/O error")."""

    says_full = False

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.folder = folder
        self.db = folder / "incidents.db"

    def fill(self) -> None:
        assert os.getpid() != PYTEST_PID, "a file-size limit belongs in a child process"
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.db.stat().st_size, hard))

    def free(self) -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))


Disk = SmallFileSystem | FileSizeLimit


def mounted_tmpfs(folder: Path) -> Iterator[SmallFileSystem]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the file-size-limit variant still runs)")
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("no mount/umount command to make a small file system")
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        timeout=10,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield SmallFileSystem(folder)
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True, timeout=10).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=10)


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[SmallFileSystem]:
    yield from mounted_tmpfs(tmp_path / "small-fs")


@pytest.fixture(params=["tmpfs", "file-size-limit"])
def disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Disk]:
    if request.param == "tmpfs":
        yield from mounted_tmpfs(tmp_path / "small-fs")
    else:
        yield FileSizeLimit(tmp_path / "limited")


def fill_until_refused(disk: Disk, store: Store, incident_id: int, written: list[str]) -> tuple[str, WriteFailed]:
    """Fill the disk, then log until the store refuses (a write may still fit in space a file
    already had); each acknowledged event's uuid goes into `written`. The refused text and why."""
    disk.fill()
    for number in range(FILL_ATTEMPTS):
        text = f"Written on a full disk {number}"
        try:
            written.append(store.add_event(incident_id, text, author="tester").uuid)
        except WriteFailed as error:
            return text, error
    raise AssertionError(f"{FILL_ATTEMPTS} entries written after the disk was filled")


def assert_one_line_about(message: str, disk: Disk) -> None:
    assert "\n" not in message and str(disk.db) in message, message
    if disk.says_full:
        assert "disk is full" in message, message


def open_incident(disk: Disk, store: Store) -> tuple[Incident, list[str]]:
    incident = store.create_incident("Disk full on the war-room host", Severity.SEV1)
    written = [store.add_event(incident.id, f"Before the disk filled {n}", author="tester").uuid for n in range(20)]
    return incident, written


def store_refuses_and_retries(disk: Disk) -> None:
    with Store.open(disk.db) as store:
        incident, written = open_incident(disk, store)
        refused, error = fill_until_refused(disk, store, incident.id, written)
        assert_one_line_about(str(error), disk)
        assert not store.db.conn.in_transaction
        rows = stored_events(disk.db, incident.id)
        assert [row["uuid"] for row in rows][-len(written) :] == written
        assert refused not in {row["text"] for row in rows}

        disk.free()
        retried = store.add_event(incident.id, refused, author="tester")
        assert retried.text == refused
    assert integrity(disk.db) == ["ok"]
    rows = stored_events(disk.db, incident.id)
    assert [row["uuid"] for row in rows][-len(written) - 1 :] == [*written, retried.uuid]
    assert [row["text"] for row in rows].count(refused) == 1
    with Store.open(disk.db, create=False) as store:
        store.add_event(incident.id, "Written after reopening", author="tester")
        assert count_events(store, incident.id) == len(rows) + 1


def test_a_write_on_a_full_disk_is_refused_and_can_be_retried(disk: Disk) -> None:
    run_in_child(store_refuses_and_retries, disk)


def store_closed_while_full(disk: Disk) -> None:
    with Store.open(disk.db) as store:
        incident, written = open_incident(disk, store)
        fill_until_refused(disk, store, incident.id, written)
    # The console was closed while the disk was full: SQLite could not fold the log into the file.
    disk.free()
    with Store.open(disk.db, create=False) as store:
        assert [event.uuid for event in store.events(incident.id)][-len(written) :] == written
        store.add_event(incident.id, "Written after the space was freed", author="tester")
    assert integrity(disk.db) == ["ok"]


def test_a_store_closed_while_the_disk_was_full_opens_once_space_is_freed(disk: Disk) -> None:
    run_in_child(store_closed_while_full, disk)


def log_command(disk: Disk, *args: str) -> subprocess.CompletedProcess:
    """`ir-console log` as a real process (it inherits a file-size limit set in this one)."""
    return subprocess.run(
        [sys.executable, "-m", "ir_console", "--db", str(disk.db), "log", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def assert_log_failed(result: subprocess.CompletedProcess, disk: Disk) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ir-console: "), result.stderr
    assert_one_line_about(lines[0], disk)


def log_command_while_a_console_is_open(disk: Disk) -> None:
    with Store.open(disk.db) as store:  # the war room, open on the same file
        incident, written = open_incident(disk, store)
        fill_until_refused(disk, store, incident.id, written)
        before = stored_events(disk.db, incident.id)
        assert_log_failed(log_command(disk, "Disk alarm on db-2", "--incident", incident.ref), disk)
        assert stored_events(disk.db, incident.id) == before

        disk.free()
        result = log_command(disk, "Disk alarm on db-2", "--incident", incident.ref)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        rows = stored_events(disk.db, incident.id)
        assert rows[:-1] == before and rows[-1]["text"] == "Disk alarm on db-2"
        assert result.stdout.strip() == f"{incident.ref} #{rows[-1]['id']}"
    assert integrity(disk.db) == ["ok"]


def test_log_command_on_a_full_disk_exits_1_with_one_line(disk: Disk) -> None:
    run_in_child(log_command_while_a_console_is_open, disk)


def log_command_alone(disk: Disk) -> None:
    with Store.open(disk.db) as store:
        incident, _ = open_incident(disk, store)
    before = stored_events(disk.db, incident.id)
    disk.fill()  # closed cleanly: the next open has to make its -wal and -shm files on a full disk
    assert_log_failed(log_command(disk, "Disk alarm on db-2", "--incident", incident.ref), disk)
    disk.free()  # (even reading needs a -shm file)
    assert stored_events(disk.db, incident.id) == before
    result = log_command(disk, "Disk alarm on db-2", "--incident", incident.ref)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert [row["text"] for row in stored_events(disk.db, incident.id)] == [
        *(row["text"] for row in before),
        "Disk alarm on db-2",
    ]


# Only on a real full file system: a file-size limit at the database's size still lets SQLite
# make the smaller -wal and -shm files it needs to open the database.
def test_log_command_on_a_full_disk_with_nothing_else_open_exits_1(small_fs: SmallFileSystem) -> None:
    run_in_child(log_command_alone, small_fs)


TYPED = "Disk alarm on db-2"


async def console_keeps_the_entry(disk: Disk) -> None:
    store = Store.open(disk.db)
    clock = Clock()
    incident = declare_checkout_incident(store, clock)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        entry = war_room(app).query_one("#entry", EntryLine)
        await pilot.press("t")
        entry.value = "Paged the DBA"
        await pilot.press("enter")
        await wait_until(pilot, lambda: entry.value == "" and not entry.saving, "the first entry to be saved")
        before = stored_events(disk.db, incident.id)

        disk.fill()
        await pilot.press(*TYPED)
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("Not saved" in toast for toast in toasts(app)), "'Not saved'")
        await settle(pilot)
        assert entry.value == TYPED and app.focused is entry
        if disk.says_full:
            assert any("disk is full" in " ".join(toast.split()) for toast in toasts(app)), toasts(app)
        assert stored_events(disk.db, incident.id) == before

        disk.free()
        await pilot.press("enter")
        await wait_until(pilot, lambda: entry.value == "" and not entry.saving, "the retried entry to be saved")
        await settle(pilot)
        rows = stored_events(disk.db, incident.id)
        assert rows[:-1] == before and [row["text"] for row in rows].count(TYPED) == 1
        assert TYPED in last_line(app)
    store.close()
    assert integrity(disk.db) == ["ok"]


def console_on_a_full_disk(disk: Disk) -> None:
    asyncio.run(console_keeps_the_entry(disk))


def test_console_keeps_an_entry_the_full_disk_refused_and_saves_it_once_on_retry(disk: Disk) -> None:
    run_in_child(console_on_a_full_disk, disk)
