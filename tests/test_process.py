"""The file and the process: nothing acknowledged is lost, no traceback, the terminal restored.

- The database deleted or replaced under a running console: the console notices (the file's
  device and inode, checked by the change poll and by every write), refuses what it can no
  longer save with a banner, and a refused entry stays on the line (Pilot).
- A damaged table found while the war room reads (the timeline, the clock tick, dialogs' loads):
  a one-line banner, retried, never the end of the app (Pilot).
- SIGTERM and SIGHUP end the console as ctrl+q does: the pending write saved, the terminal
  restored; an unexpected exception leaves a crash log, one line and a non-zero status (a real
  process on a pseudo-terminal: the bytes it writes at exit are what a terminal would get).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from contextlib import closing
from pathlib import Path

import pytest
from store_support import write_section
from textual.widgets import Label
from tui_support import (
    CHECKOUT_TITLE,
    console,
    count,
    header,
    paste_text,
    query,
    run,
    settle,
    timeline,
    toasts,
    wait_until,
    war_room,
)

from ir_console.model import Section, Severity
from ir_console.store import Store
from ir_console.tui.widgets.entry_line import EntryLine

# -- helpers ----------------------------------------------------------------------------------------


def banner(app) -> str:
    """The database banner's text, or "" while it is hidden."""
    screen = war_room(app)
    label = screen.query_one("#db-banner", Label)
    return str(label.render()) if screen.has_class("-db-problem") and label.display else ""


def entry_line(app) -> EntryLine:
    return war_room(app).query_one("#entry", EntryLine)


async def type_entry(pilot, text: str) -> None:
    entry_line(pilot.app).focus()
    await paste_text(pilot, text)
    await pilot.press("enter")


def remove_database(path: Path) -> None:
    """`rm incidents.db incidents.db-wal incidents.db-shm`"""
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        (path.parent / name).unlink(missing_ok=True)


def events_with(path: Path, text: str) -> int:
    return count(path, "events", "text = ?", text)


# -- 4. the database deleted or replaced under a running console ------------------------------------


async def test_a_deleted_database_stops_the_console_saving_and_the_entry_stays_on_the_line(
    store, db_path, clock, incident
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await type_entry(pilot, "saved before the rm")
        await wait_until(pilot, lambda: events_with(db_path, "saved before the rm") == 1, "the first entry")
        assert banner(app) == ""

        remove_database(db_path)
        await wait_until(pilot, lambda: "NOT SAVING" in banner(app), "the banner")
        assert f"{db_path}: the database file was deleted, moved or replaced" in banner(app)
        assert "quit (ctrl+q)" in banner(app)

        await type_entry(pilot, "typed after the rm")
        await settle(pilot)
        # Refused, not acknowledged: the text is still on the line, and no database came back.
        assert entry_line(app).value == "typed after the rm"
        assert any("Not saved" in toast for toast in toasts(app))
        assert not db_path.exists()
        # Nothing else that writes opens its form either (what is typed there could not be saved).
        timeline(app).focus()
        await pilot.press("h")
        await settle(pilot)
        assert app.screen is war_room(app)


async def test_an_entry_written_before_the_poll_noticed_is_refused_too(store, db_path, clock, incident) -> None:
    """The write itself checks the file: with the change poll too slow to have noticed, an entry
    typed after the database was replaced is still refused, and the banner comes up."""
    app = console(store, clock, live_interval=3600)
    async with run(app) as pilot:
        await type_entry(pilot, "first")
        await wait_until(pilot, lambda: events_with(db_path, "first") == 1, "the first entry")
        moved = db_path.with_name("moved.db")
        for suffix in ("", "-wal", "-shm"):
            os.rename(f"{db_path}{suffix}", f"{moved}{suffix}")
        with Store.open(db_path) as replacement:  # another database at the path
            replacement.create_incident("someone else's", Severity.SEV4)

        await type_entry(pilot, "after the move")
        await wait_until(pilot, lambda: "NOT SAVING" in banner(app), "the banner")
        assert entry_line(app).value == "after the move"
        assert events_with(db_path, "after the move") == 0
        assert events_with(moved, "after the move") == 0
        assert events_with(moved, "first") == 1


@pytest.mark.parametrize(
    "command",
    [
        ["log", "x"],
        ["set", "INC-20261127-001", "--sev", "1"],
        ["contain", "INC-20261127-001", "1", "--state", "done"],
        ["reopen", "INC-20261127-001"],
        ["update", "INC-20261127-001", "--sent"],
    ],
)
def test_write_commands_never_create_a_database(tmp_path: Path, command: list[str]) -> None:
    """A mistyped --db (or a database deleted under a running console) gets no empty
    replacement: one line, exit status 2, nothing created, not even the folder."""
    missing = tmp_path / "typo" / "incidents.db"
    result = subprocess.run(
        [sys.executable, "-m", "ir_console", "--db", str(missing), *command], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr == (
        f"ir-console: {missing}: no such database; create it with `ir-console new` or check --db\n"
    )
    assert not missing.parent.exists()


# -- 11. a damaged table found while the war room reads ---------------------------------------------


def checkpoint(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def damage_page(path: Path, page: int) -> bytes:
    """Overwrite one page of the file with garbage; returns what was there."""
    with closing(sqlite3.connect(path)) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as handle:
        handle.seek((page - 1) * page_size)
        original = handle.read(page_size)
        handle.seek((page - 1) * page_size)
        handle.write(b"\xff" * page_size)
    return original


def restore_page(path: Path, page: int, original: bytes) -> None:
    with path.open("r+b") as handle:
        handle.seek((page - 1) * len(original))
        handle.write(original)


def first_leaf(path: Path, table: str) -> int:
    """The b-tree leaf holding the table's first rows (dbstat lists pages in tree order)."""
    try:
        found = query(
            path, "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path LIMIT 1", table
        )
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table")
    return found[0]["pageno"]


@pytest.fixture
def long_incident(db_path: Path, clock):
    """An incident with 600 entries, every page in the main file (no WAL left)."""
    from tui_support import declare_checkout_incident

    with Store.open(db_path) as store:
        store.db.execute("PRAGMA synchronous = OFF")  # 600 commits without 600 syncs
        incident = declare_checkout_incident(store, clock)
        for number in range(600):
            store.add_event(incident.id, f"entry {number:03} " + "x" * 150, author="seed")
    checkpoint(db_path)
    return incident


async def test_a_damaged_page_in_the_timeline_shows_a_banner_and_the_rest(db_path, clock, long_incident) -> None:
    page = first_leaf(db_path, "events")
    original = damage_page(db_path, page)
    store = Store.open(db_path)
    try:
        app = console(store, clock)
        async with run(app) as pilot:
            # The header, the panes and the newest entries, on pages that are intact, are shown.
            await wait_until(
                pilot, lambda: timeline(app).count == 602 and header(app, "title") == CHECKOUT_TITLE, "the timeline"
            )
            assert "entry 599" in timeline(app).render_line(timeline(app).scrollable_content_region.height - 1).text
            await pilot.press("home")  # to the oldest entries, on the damaged page
            await wait_until(pilot, lambda: "CANNOT READ PART OF THE DATABASE" in banner(app), "the banner")
            assert f"{db_path}: database is corrupt" in banner(app)
            assert app.is_running and app.return_code is None

            # Retried: once the page reads again, the banner goes and the rows are drawn.
            restore_page(db_path, page, original)
            await wait_until(pilot, lambda: banner(app) == "", "the banner gone after the retry")
            assert "Incident declared" in timeline(app).render_line(1).text
    finally:
        store.close()


def damaged_copy(store: Store, table: str) -> Store:
    """Close `store`, damage the root pages of `table` and its indexes in its file, and open the
    file again."""
    store.close()
    checkpoint(store.path)
    for row in query(store.path, "SELECT rootpage FROM sqlite_master WHERE tbl_name = ? AND rootpage > 0", table):
        damage_page(store.path, row["rootpage"])
    return Store.open(store.path)


async def test_a_damaged_table_read_on_the_clock_tick_never_ends_the_console(store, db_path, clock, incident) -> None:
    store.record_status_update(incident.id, "first update", author="tester")
    store = damaged_copy(store, "status_updates")
    app = console(store, clock)
    async with run(app) as pilot:
        await wait_until(pilot, lambda: "CANNOT READ PART OF THE DATABASE" in banner(app), "the banner")
        clock.advance(seconds=5)
        await pilot.pause(0.5)  # a few clock ticks and change polls, each trying the read again
        assert app.is_running and header(app, "title") == CHECKOUT_TITLE
        # Said once in a notification when it started failing; the banner stays while it fails.
        assert sum("Cannot read the database" in toast for toast in toasts(app)) == 1
        assert "CANNOT READ PART OF THE DATABASE" in banner(app)
        # What does not need that table still works: an entry is saved.
        await type_entry(pilot, "still logging")
        await wait_until(pilot, lambda: events_with(db_path, "still logging") == 1, "the entry")
    store.close()


async def test_a_damaged_table_behind_a_dialog_leaves_the_console_running(store, db_path, clock, incident) -> None:
    """Enter on an event loads it and its history (event_revisions, damaged here)."""
    store = damaged_copy(store, "event_revisions")
    app = console(store, clock)
    async with run(app) as pilot:
        await wait_until(pilot, lambda: timeline(app).count > 0, "the timeline")
        assert banner(app) == ""
        timeline(app).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: "CANNOT READ PART OF THE DATABASE" in banner(app), "the banner")
        assert app.screen is war_room(app) and app.is_running
    store.close()


async def test_a_damaged_post_mortem_table_is_one_line_and_back_to_the_war_room(
    store, db_path, clock, incident
) -> None:
    write_section(store, incident.id, Section.SUMMARY, "It broke.")
    store = damaged_copy(store, "postmortem_sections")
    app = console(store, clock)
    async with run(app) as pilot:
        await wait_until(pilot, lambda: timeline(app).count > 0, "the timeline")
        await pilot.press("p")
        await wait_until(pilot, lambda: any("corrupt" in toast for toast in toasts(app)), "the one-line refusal")
        await wait_until(pilot, lambda: app.screen is war_room(app), "back in the war room")
        assert app.is_running
    store.close()


# -- 9 and 12: a real process on a pseudo-terminal --------------------------------------------------

ALT_SCREEN_OFF = b"\x1b[?1049l"
MOUSE_OFF = (b"\x1b[?1000l", b"\x1b[?1003l", b"\x1b[?1006l")
PASTE_OFF = b"\x1b[?2004l"
F1 = b"\x1bOP"


class Terminal:
    """The console in a real process whose terminal is a pseudo-terminal we hold the other end of."""

    def __init__(self, argv: list[str], db: Path, home: Path) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith("IR_CONSOLE_")}
        env.update(
            TERM="xterm-256color",
            IR_CONSOLE_DB=str(db),
            IR_CONSOLE_USER="tester",
            IR_CONSOLE_CONFIG=str(home / "config.toml"),
            XDG_STATE_HOME=str(home / "state"),
            XDG_DATA_HOME=str(home / "data"),
            PYTHONPATH=os.pathsep.join(sys.path),
        )
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.master = master
        self.output = b""

    def read(self, timeout: float = 0.2) -> bool:
        """Read what is there; False once the process closed the terminal."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: no process holds the terminal any more
            return False
        self.output += data
        return bool(data)

    def wait_for(self, condition, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline or not self.read():
                self.process.kill()
                raise AssertionError(f"waiting for {what}; the terminal got: {self.output[-2000:]!r}")

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def finish(self, timeout: float = 30) -> tuple[int, bytes]:
        """Read to the end; the exit status and everything written to the terminal."""
        deadline = time.monotonic() + timeout
        while self.read() and time.monotonic() < deadline:
            pass
        try:
            status = self.process.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()  # never left running after the test
            self.process.wait()
            raise AssertionError(f"the console did not exit; the terminal got: {self.output[-2000:]!r}") from None
        finally:
            os.close(self.master)
        return status, self.output


def start(db: Path, home: Path, script: Path | None = None) -> Terminal:
    argv = [sys.executable, str(script)] if script else [sys.executable, "-m", "ir_console"]
    terminal = Terminal(argv, db, home)
    terminal.wait_for(
        lambda: b"Timeline" in terminal.output and CHECKOUT_TITLE.encode() in terminal.output, "the war room"
    )
    return terminal


def integrity(path: Path) -> str:
    return query(path, "PRAGMA integrity_check")[0]["integrity_check"]


def after(output: bytes, mark: int) -> bytes:
    return output[mark:]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_terminating_signal_saves_the_pending_entry_and_restores_the_terminal(
    db_path, clock, incident, tmp_path, signum
) -> None:
    terminal = start(db_path, tmp_path)
    locker = sqlite3.connect(db_path, isolation_level=None)
    try:
        terminal.type(b"t")  # to the entry line
        time.sleep(0.5)  # the focus moves before the next keys arrive
        locker.execute("BEGIN IMMEDIATE")  # another writer holds the lock: the entry's save waits
        terminal.type(b"pending when the signal came\r")
        time.sleep(1.0)  # for the Enter to reach the writer thread (not a timing assertion)
        mark = len(terminal.output)
        terminal.process.send_signal(signum)
        time.sleep(0.5)
        locker.execute("COMMIT")
    finally:
        locker.close()
    status, output = terminal.finish()

    assert status == 128 + signum
    tail = after(output, mark)
    for sequence in (ALT_SCREEN_OFF, PASTE_OFF, *MOUSE_OFF):
        assert sequence in tail, (sequence, tail[-400:])
    assert b"Traceback" not in output
    assert events_with(db_path, "pending when the signal came") == 1
    assert integrity(db_path) == "ok"


def test_a_terminal_that_vanishes_without_a_hangup_signal_ends_the_console_as_sighup(
    db_path, clock, incident, tmp_path
) -> None:
    """The console was started without a controlling terminal (as `start` does: a new session),
    so closing the terminal sends it no SIGHUP: its input just ends. It leaves as on SIGHUP, the
    entry saved, instead of living on unseen, spinning on the ended input."""
    terminal = start(db_path, tmp_path)
    terminal.type(b"t")
    time.sleep(0.5)  # the focus moves before the next keys arrive
    terminal.type(b"typed just before the terminal went\r")
    wait_until_saved = time.monotonic() + 30
    while events_with(db_path, "typed just before the terminal went") == 0 and time.monotonic() < wait_until_saved:
        terminal.read()
    os.close(terminal.master)  # the terminal window closes; nothing signals the console
    try:
        status = terminal.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        terminal.process.kill()  # never left running after the test
        terminal.process.wait()
        raise AssertionError("the console lived on after its terminal was gone") from None

    assert status == 128 + signal.SIGHUP
    assert events_with(db_path, "typed just before the terminal went") == 1
    assert integrity(db_path) == "ok"


CRASHING_CONSOLE = """
from ir_console.tui.app import IrConsoleApp

def fault(self):
    raise RuntimeError("injected fault")

IrConsoleApp.action_help = fault  # F1 now fails as an unforeseen bug would
from ir_console.cli import main
main(prog_name="ir-console")
"""


def test_an_unexpected_exception_exits_non_zero_with_a_crash_log_and_the_terminal_restored(
    db_path, clock, incident, tmp_path
) -> None:
    script = tmp_path / "crashing_console.py"
    script.write_text(CRASHING_CONSOLE, encoding="utf-8")
    terminal = start(db_path, tmp_path, script)
    terminal.type(b"t")  # to the entry line
    time.sleep(0.5)  # the focus moves before the next keys arrive
    terminal.type(b"acknowledged before the crash\r")
    terminal.wait_for(lambda: events_with(db_path, "acknowledged before the crash") == 1, "the entry saved")
    mark = len(terminal.output)
    terminal.type(F1)
    status, output = terminal.finish()

    assert status == 70
    tail = after(output, mark)
    for sequence in (ALT_SCREEN_OFF, PASTE_OFF, *MOUSE_OFF):
        assert sequence in tail, (sequence, tail[-400:])
    # After the terminal is restored: one line naming the crash log, and no traceback.
    message = re.sub(rb"\x1b\[[?<>0-9;]*[a-zA-Z]", b"", tail[tail.rindex(ALT_SCREEN_OFF) :])
    lines = [line for line in message.decode().splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("ir-console: the console stopped on an unexpected error (RuntimeError)")
    assert b"Traceback" not in output and b"injected fault" not in output
    logs = list((tmp_path / "state" / "ir-console" / "log").glob("ir-console-crash-*.log"))
    assert len(logs) == 1 and lines[0].endswith(str(logs[0]))
    assert logs[0].stat().st_mode & 0o777 == 0o600
    log = logs[0].read_text()
    assert "Traceback (most recent call last)" in log and "RuntimeError: injected fault" in log
    assert events_with(db_path, "acknowledged before the crash") == 1
    assert integrity(db_path) == "ok"
