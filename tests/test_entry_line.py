"""The timeline entry line takes every keystroke, in order, at any length (issue #17 items 1, 14, 8).

Each Enter logs exactly what was on the line at that moment, once, with the time Enter was
pressed, whatever the save is doing; long text goes to the editor; a bracketed paste is stored as
pasted, minus its control sequences, in order, whatever its line endings.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual import events
from textual.widgets import TextArea
from tui_support import console, count, paste, query, run, settle, timeline, toasts, wait_until, war_room

from ir_console.tui.dialogs.paste import PasteScreen
from ir_console.tui.screens import war_room as war_room_module
from ir_console.tui.widgets.entry_line import EntryLine

ENTRY_MAX_LENGTH = 2_000  # the line's cap, as the README says


def entry_line(app) -> EntryLine:
    return war_room(app).query_one("#entry", EntryLine)


def burst_line(app, text: str) -> None:
    """`text` and Enter posted at once, as a terminal delivers a burst: no waiting between keys."""
    for character in text:
        app.post_message(events.Key("space" if character == " " else character, character))
    app.post_message(events.Key("enter", "\r"))


def console_texts(db_path: Path, incident_id: int) -> list[dict]:
    return query(
        db_path,
        "SELECT text, occurred_at, recorded_at FROM events WHERE incident_id = ? AND author = 'tester' ORDER BY id",
        incident_id,
    )


class WriteLockHolder:
    """Another writer holding the database's write lock (BEGIN IMMEDIATE) until released."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.held = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        with closing(sqlite3.connect(self.path, timeout=5, isolation_level=None)) as db:
            db.execute("BEGIN IMMEDIATE")
            self.held.set()
            self.release.wait(timeout=4)  # under the console's 5 s busy timeout, whatever happens
            db.execute("ROLLBACK")

    def __enter__(self) -> WriteLockHolder:
        self.thread.start()
        assert self.held.wait(timeout=5), "the other writer never got the lock"
        return self

    def __exit__(self, *_: object) -> None:
        self.release.set()
        self.thread.join(timeout=10)


# -- item 1: typed-ahead entries are never merged -------------------------------------------------


async def test_25_entries_typed_in_one_burst_are_25_events_in_order(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.press("t")
        entry = entry_line(app)
        for number in range(25):
            burst_line(app, f"text {number}")
        await wait_until(pilot, lambda: len(console_texts(db_path, incident.id)) >= 25, "25 entries")
        await settle(pilot)
        assert [row["text"] for row in console_texts(db_path, incident.id)] == [f"text {n}" for n in range(25)]
        assert entry.value == ""
        assert timeline(app).count == count(db_path, "events", "incident_id = ?", incident.id)


async def test_entries_typed_during_a_slow_save_are_stored_separately_in_order_with_their_own_time(
    store, db_path, clock, incident
) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.press("t")
        entry = entry_line(app)
        with WriteLockHolder(db_path):
            burst_line(app, "slow first")
            await wait_until(pilot, lambda: entry.value == "" and entry.saving, "the first line taken")
            clock.advance(seconds=5)
            burst_line(app, "slow second")
            await wait_until(pilot, lambda: entry.value == "" and entry.saving == 2, "the second line taken")
            clock.advance(seconds=5)
            assert console_texts(db_path, incident.id) == []  # both still waiting for the lock
        await wait_until(
            pilot, lambda: len(console_texts(db_path, incident.id)) == 2 and not entry.saving, "both entries"
        )
        first, second = console_texts(db_path, incident.id)
        assert (first["text"], second["text"]) == ("slow first", "slow second")
        # The time each was entered, not the time the save got through.
        assert first["occurred_at"] == "2026-11-27T03:14:30.000Z"
        assert second["occurred_at"] == "2026-11-27T03:14:35.000Z"
        assert second["recorded_at"] == "2026-11-27T03:14:40.000Z"  # written once the lock was free
        assert entry.value == ""


# -- item 14: the line stays cheap at any length it accepts ---------------------------------------


async def test_a_200_kb_one_line_paste_opens_the_editor_whole_and_leaves_the_line_empty(
    store, db_path, clock, incident
) -> None:
    pasted = ("GET /checkout 500 upstream timed out; " * 6000)[:200_000]
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.press("t")
        paste(app, pasted)
        await wait_until(pilot, lambda: isinstance(app.screen, PasteScreen), "the editor")
        assert app.screen.query_one("#text", TextArea).text == pasted
        assert entry_line(app).value == ""
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "events", "length(text) = 200000") == 1, "the pasted entry")
        assert entry_line(app).value == ""


async def test_the_line_refuses_typing_beyond_its_cap_and_says_so(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.press("t")
        entry = entry_line(app)
        full = "x" * ENTRY_MAX_LENGTH
        paste(app, full)
        await pilot.pause()
        assert entry.value == full and not isinstance(app.screen, PasteScreen)
        await pilot.press("y", "z")
        assert entry.value == full
        assert sum(f"up to {ENTRY_MAX_LENGTH:,} characters" in toast for toast in toasts(app)) == 1
        # A paste that would not fit goes to the editor; the line keeps what it holds.
        paste(app, "a few more words")
        await wait_until(pilot, lambda: isinstance(app.screen, PasteScreen), "the editor")
        assert app.screen.query_one("#text", TextArea).text == "a few more words"
        assert entry.value == full


# -- item 8: a paste is stored as pasted, minus control sequences, in order -----------------------


async def test_a_paste_with_escape_sequences_is_logged_in_order_without_them(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.press("t")
        paste(app, "before\x1b[31mred\x1b[0m after\x1b]0;title\x07!")
        await pilot.pause()
        assert entry_line(app).value == "beforered after!"
        await pilot.press("enter")
        await wait_until(pilot, lambda: console_texts(db_path, incident.id), "the entry")
        assert [row["text"] for row in console_texts(db_path, incident.id)] == ["beforered after!"]


async def test_cr_crlf_and_lf_line_endings_paste_the_same_block_of_lines(store, db_path, clock, incident) -> None:
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.press("t")
        paste(app, "one\rtwo\r\nthree\nfour\r")  # tmux's paste-buffer sends CR
        await wait_until(pilot, lambda: isinstance(app.screen, PasteScreen), "the editor")
        assert app.screen.query_one("#text", TextArea).text == "one\ntwo\nthree\nfour"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: console_texts(db_path, incident.id), "the entry")
        assert [row["text"] for row in console_texts(db_path, incident.id)] == ["one\ntwo\nthree\nfour"]


# The terminal side of item 8: what the driver's parser makes of a bracketed paste.

PASTED = "\x1b[200~before\x1b[31mred\x1b[0m after\x1b]0;title\x07!\x1bP+q\x1b\\ end\x1b[201~x"


def parsed(parser, data: str, cut: int | None = None) -> list:
    chunks = [data] if cut is None else [data[:cut], data[cut:]]
    return [event for chunk in chunks for event in parser.feed(chunk)]


def test_a_bracketed_paste_with_escape_sequences_is_one_paste_in_order() -> None:
    from ir_console.tui.driver import PasteFilteringParser

    # Every place the terminal's read could split it gives the same events.
    for cut in [None, *range(1, len(PASTED))]:
        got = parsed(PasteFilteringParser(), PASTED, cut)
        assert [type(event).__name__ for event in got] == ["Paste", "Key"], (cut, got)
        assert got[0].text == "beforered after! end" and got[1].key == "x", (cut, got)


def test_keys_around_pastes_are_untouched() -> None:
    from ir_console.tui.driver import PasteFilteringParser

    parser = PasteFilteringParser()
    got = parsed(parser, "ab\x1b[200~one\rtwo\x1b[201~\x1b[Ac\x1b[200~\x1b[201~")
    assert [(type(e).__name__, getattr(e, "key", None) or getattr(e, "text", None)) for e in got] == [
        ("Key", "a"),
        ("Key", "b"),
        ("Paste", "one\rtwo"),
        ("Key", "up"),
        ("Key", "c"),
        ("Paste", ""),
    ]


def test_the_console_reads_the_terminal_through_the_paste_safe_driver(store, clock) -> None:
    import sys

    from ir_console.tui.driver import PasteSafeLinuxDriver

    if sys.platform != "win32":
        assert console(store, clock).driver_class is PasteSafeLinuxDriver


def test_the_driver_copy_matches_the_pinned_textual() -> None:
    """PasteSafeLinuxDriver.run_input_thread is Textual's own with the parser replaced: a Textual
    upgrade that changes the original fails here, so the copy is looked at again."""
    import ast
    import inspect
    import textwrap

    from textual.drivers.linux_driver import LinuxDriver

    from ir_console.tui.driver import PasteSafeLinuxDriver

    def code(function) -> str:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if (
                isinstance(body, list)
                and body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:]  # docstrings
        return ast.unparse(tree)

    original = (
        code(LinuxDriver.run_input_thread)
        .replace("XTermParser(", "PasteFilteringParser(")
        .replace("read = os.read", "read = self.read_terminal")
    )
    assert code(PasteSafeLinuxDriver.run_input_thread) == original


async def test_a_failed_save_never_merges_with_the_line_being_typed_and_comes_back_with_its_time(
    store, db_path, clock, incident, monkeypatch
) -> None:
    from ir_console.store import Store, WriteFailed

    original, gate, calls = Store.add_event, threading.Event(), []

    def first_fails_when_let_go(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            gate.wait(timeout=5)
            raise WriteFailed("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "add_event", first_fails_when_let_go)
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.press("t")
        entry = entry_line(app)
        burst_line(app, "alpha")
        await wait_until(pilot, lambda: entry.value == "" and entry.saving == 1, "alpha taken")
        clock.advance(minutes=1)
        await pilot.press(*"beta")  # typing the next entry when the first one fails
        gate.set()
        await wait_until(pilot, lambda: entry.unsaved, "alpha not saved")
        assert entry.value == "beta"  # never "betaalpha"
        assert "1 entry not saved" in str(entry.border_title)
        assert any(
            "disk full" in toast and "Enter on the empty line brings it back" in " ".join(toast.split())
            for toast in toasts(app)
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: entry.value == "" and not entry.saving, "beta saved")
        await pilot.press("enter")  # on the empty line: alpha comes back
        assert entry.value == "alpha" and not entry.unsaved and not entry.border_title
        await pilot.press("enter")
        await wait_until(pilot, lambda: entry.value == "" and not entry.saving, "alpha saved")
        rows = console_texts(db_path, incident.id)
        assert [(row["text"], row["occurred_at"]) for row in rows] == [
            ("beta", "2026-11-27T03:15:30.000Z"),
            ("alpha", "2026-11-27T03:14:30.000Z"),
        ]  # alpha: when first entered


@pytest.mark.subprocess
def test_pastes_through_tmux_reach_the_record_in_order_and_by_line(db_path: Path, tmp_path: Path) -> None:
    """The real terminal path: the console in tmux, a bracketed paste holding escape sequences
    (sent as the terminal would), then tmux's own paste-buffer, which ends lines with CR."""
    import os
    import shlex
    import shutil
    import signal
    import subprocess
    import sys
    import time

    import ir_console
    from ir_console.model import Severity
    from ir_console.store import Store

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    with Store.open(db_path) as opened:
        incident = opened.create_incident("Pasted through tmux", Severity.SEV2)
    socket = str(tmp_path / "tmux.sock")
    environment = {name: os.environ[name] for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "IR_CONSOLE_CONFIG")}
    environment["PYTHONPATH"] = str(Path(ir_console.__file__).parent.parent)
    command = shlex.join(
        [
            "env",
            *(f"{k}={v}" for k, v in environment.items()),
            "TERM=xterm-256color",
            sys.executable,
            "-m",
            "ir_console",
            "--db",
            str(db_path),
        ]
    )

    def tmux(*arguments: str) -> str:
        return subprocess.run(
            ["tmux", "-S", socket, *arguments], check=True, capture_output=True, text=True, timeout=10
        ).stdout

    def wait_for(condition, what: str) -> None:
        deadline = time.monotonic() + 20
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{tmux('capture-pane', '-p')}"
            time.sleep(0.05)

    def on_screen(text: str) -> bool:
        return text in tmux("capture-pane", "-p")

    def texts() -> list[str]:
        return [
            row["text"]
            for row in query(
                db_path, "SELECT text FROM events WHERE incident_id = ? AND author != '' ORDER BY id", incident.id
            )
        ]

    def running(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    tmux("new-session", "-d", "-x", "160", "-y", "48", command)
    console_pid = int(tmux("display-message", "-p", "#{pane_pid}"))  # env execs python: the console itself
    try:
        wait_for(lambda: on_screen("Pasted through tmux"), "the console")
        tmux("send-keys", "t")
        wait_for(lambda: on_screen("Leave entry"), "the entry line")
        tmux("send-keys", "-l", "\x1b[200~before\x1b[31mred\x1b[0m after\x1b]0;pwn\x07!\x1b[201~")
        wait_for(lambda: on_screen("beforered after!"), "the paste in the line")
        tmux("send-keys", "Enter")
        wait_for(lambda: len(texts()) == 1, "the first entry")
        tmux("set-buffer", "line one\nline two\nline three")
        tmux("paste-buffer", "-p")  # bracketed, each LF sent as CR
        wait_for(lambda: on_screen("(3 lines, 28 characters)"), "the editor")
        tmux("send-keys", "C-s")
        wait_for(lambda: len(texts()) == 2, "the pasted lines")
        tmux("send-keys", "C-q")
        deadline = time.monotonic() + 20
        while running(console_pid):  # ctrl+q ends it; tmux's server is not killed under a console still closing
            assert time.monotonic() < deadline, "the console did not exit on ctrl+q"
            time.sleep(0.05)
    finally:
        subprocess.run(["tmux", "-S", socket, "kill-server"], capture_output=True, timeout=10)
        if running(console_pid):  # never left running after the test, whatever failed
            os.kill(console_pid, signal.SIGKILL)
    assert texts() == ["beforered after!", "line one\nline two\nline three"]


def test_escape_then_a_key_typed_fast_is_escape_then_the_key_not_alt() -> None:
    """A terminal sends alt+x as ESC x, so `Escape x` typed fast (or over SSH) reads as alt+x; no
    key of ours uses alt: it is taken as Escape and x (found replaying an outage in tmux: `Escape x`
    typed `x` into the entry line and Enter logged it)."""
    from ir_console.tui.driver import PasteFilteringParser

    def keys(*chunks: str) -> list[tuple[str, str | None]]:
        parser = PasteFilteringParser()
        found = [event for chunk in chunks for event in parser.feed(chunk)] + list(parser.feed(""))
        return [(event.key, event.character) for event in found]

    assert keys("\x1bx") == [("escape", "\x1b"), ("x", "x")]
    assert keys("\x1bt", "x") == [("escape", "\x1b"), ("t", "t"), ("x", "x")]
    assert keys("ab\x1b") == [("a", "a"), ("b", "b"), ("escape", "\x1b")]
    assert keys("\x1b[A") == [("up", None)]  # an escape sequence stays one key


def test_escape_then_a_key_let_go_by_the_escape_delay_is_split_too(monkeypatch) -> None:
    """A terminal read that ends on `ESC x` waits for the escape delay; the key comes out of the
    parser's tick, not its feed (this is how `Escape x` typed in tmux arrives)."""
    import textual._parser as textual_parser

    from ir_console.tui.driver import PasteFilteringParser

    now = [0.0]
    monkeypatch.setattr(textual_parser, "get_time", lambda: now[0])
    parser = PasteFilteringParser()
    assert list(parser.feed("\x1bx")) == []  # waiting: more of a sequence may follow
    now[0] += 1.0
    assert [(event.key, event.character) for event in parser.tick()] == [("escape", "\x1b"), ("x", "x")]


# -- Enter draws the cleared line and the saved entry in one frame (issue #14) ---------------------


class Frames:
    """Every frame the app sends to its (headless) terminal, as screen rows of text, from `start()` on."""

    def __init__(self, app) -> None:
        self.app = app
        self.rows: list[dict[int, str]] = []
        self.recording = False
        original = app._display

        def display(screen, update) -> None:
            if self.recording and update is not None and screen is app.screen:
                self.rows.append(rows_of(update))
            original(screen, update)

        app._display = display

    def start(self) -> None:
        self.rows, self.recording = [], True


def rows_of(update) -> dict[int, str]:
    """The text a compositor update puts on each screen row it touches."""
    from textual._compositor import ChopsUpdate, LayoutUpdate

    if isinstance(update, LayoutUpdate):
        return {update.region.y + n: "".join(strip.text for strip in strips) for n, strips in enumerate(update.strips)}
    if isinstance(update, ChopsUpdate):
        return {
            y: "".join(strip.text for strip in update.chops[y].values() if strip is not None)
            for y in sorted({y for y, _, _ in update.spans})
        }
    return {}


async def enter_with_a_slow_save(pilot, db_path: Path, text: str, hold: float) -> Frames:
    """Type `text`, then press Enter while another writer holds the lock for `hold` seconds."""
    app = pilot.app
    frames = Frames(app)
    entry_line(app).focus()
    await pilot.press(*text)
    await settle(pilot)
    with WriteLockHolder(db_path):
        frames.start()
        await pilot.press("enter")
        await pilot.pause(hold)
    await wait_until(pilot, lambda: any(text in row for frame in frames.rows for row in frame.values()), "the entry")
    return frames


async def test_enter_draws_the_cleared_line_and_the_saved_entry_in_the_same_frame(
    store, db_path, clock, incident, monkeypatch
) -> None:
    """Drawn apart, the cleared line comes a frame before the entry (at 60 fps, 17 ms later);
    held for the save (up to `SAME_FRAME_WAIT`), both are in the first frame after Enter."""
    monkeypatch.setattr(war_room_module, "SAME_FRAME_WAIT", 3.0)  # longer than the slow save here
    app = console(store, clock)
    async with run(app) as pilot:
        line_row = entry_line(app).region.y
        frames = await enter_with_a_slow_save(pilot, db_path, "rollbackdone", hold=0.3)
        touching_the_line = [frame for frame in frames.rows if line_row in frame]
        assert touching_the_line, "no frame redrew the entry line"
        first = touching_the_line[0]
        assert "rollbackdone" not in first[line_row]  # the line is cleared ...
        assert any("rollbackdone" in row for y, row in first.items() if y != line_row)  # ... the entry shown


async def test_a_save_slower_than_the_wait_still_clears_the_line_at_once(
    store, db_path, clock, incident, monkeypatch
) -> None:
    """The screen is held for the save only briefly: a save stuck behind another writer leaves
    the line cleared on screen (ready for the next entry), and the entry follows when saved."""
    monkeypatch.setattr(war_room_module, "SAME_FRAME_WAIT", 0.05)
    app = console(store, clock)
    async with run(app) as pilot:
        line_row = entry_line(app).region.y
        frames = await enter_with_a_slow_save(pilot, db_path, "stuckbehind", hold=0.5)
        touching_the_line = [frame for frame in frames.rows if line_row in frame]
        first = touching_the_line[0]
        assert "stuckbehind" not in first[line_row]
        assert not any("stuckbehind" in row for row in first.values())  # drawn before the save ended
        assert console_texts(db_path, incident.id)[-1]["text"] == "stuckbehind"


# -- the Log key pressed in a line that already has the focus ---------------------------------------


async def test_t_pressed_as_the_log_key_after_declaring_is_not_typed_into_the_entry(store, db_path, clock) -> None:
    """Declaring leaves the focus in the entry line; a commander who presses `t` to log, out of
    habit, then `@-15m /action …`, gets an action 15 minutes back, not a note "t@-15m …" at now.
    A line that merely begins with t is typed as it is."""
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press(*"Checkout down", "ctrl+s")
        await wait_until(pilot, lambda: count(db_path, "incidents") == 1, "the incident")
        await wait_until(pilot, lambda: isinstance(app.focused, EntryLine), "the entry line focused")
        clock.advance(minutes=20)
        for line in ("t@-15m /action Disabled the config", "t/decision Roll back", "t! Rolled back", "tests pass"):
            await pilot.press(*["space" if c == " " else c for c in line])
            await pilot.press("enter")
        await wait_until(pilot, lambda: len(console_texts(db_path, 1)) >= 4, "four entries")
        rows = query(
            db_path, "SELECT text, kind, key_moment, occurred_at FROM events WHERE author = 'tester' ORDER BY id"
        )
        entries = [(row["text"], row["kind"], row["key_moment"]) for row in rows[-4:]]
        assert entries == [
            ("Disabled the config", "action", 0),
            ("Roll back", "decision", 0),
            ("Rolled back", "note", 1),
            ("tests pass", "note", 0),
        ]
        declared_at = datetime.fromisoformat(rows[0]["occurred_at"])
        assert datetime.fromisoformat(rows[-4]["occurred_at"]) == declared_at + timedelta(minutes=5)
        assert any("“t” is the Log key" in toast for toast in toasts(app))
