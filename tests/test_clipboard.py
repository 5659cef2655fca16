"""Copying a status update: the system clipboard (a real X server and xclip), OSC 52 (asserted
through `app.clipboard`, which is what Textual writes to the terminal), and the private file when
neither can be confirmed. Each branch is checked on what the user is told, too.

The real-X tests need Xvfb and xclip (.ci/run installs them); without them they skip, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyperclip
import pytest
from click.testing import CliRunner
from tui_support import NOW, Clock, console, one, run, toasts, wait_until

from ir_console import clipboard
from ir_console.cli import main
from ir_console.clipboard import CopyResult, copy_text, osc52_sequence, osc52_session, save_to_file, system_copy
from ir_console.model import Incident, Severity, Triage
from ir_console.store import Store
from ir_console.tui.dialogs.status_update import StatusUpdateScreen
from ir_console.tui.screens.war_room import WarRoomScreen

TEXT = "## Status Update: Checkout 500s\n**Status:** Identified\n**Impact:** card payments — «EU» ✓"
NEEDS_X = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xclip")),
    reason="needs Xvfb and xclip for a real X clipboard (apt-get install xvfb xclip; .ci/run installs them)",
)


@pytest.fixture
def x_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private X server: Xvfb picks a free display number and writes it to us when it is ready."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-nolisten", "tcp", "-screen", "0", "640x480x24"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        number = b""
        deadline = time.monotonic() + 10
        while not number.endswith(b"\n"):
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail(f"Xvfb did not start (exit status {server.poll()})")
            chunk = os.read(read_end, 16)
            if not chunk:
                pytest.fail("Xvfb closed its display pipe without a display number")
            number += chunk
        display = f":{number.decode().strip()}"
        monkeypatch.setenv("DISPLAY", display)
        yield display
    finally:
        os.close(read_end)
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def x_clipboard(display: str) -> str:
    """The X clipboard, read by a process of our own."""
    return subprocess.run(
        ["xclip", "-o", "-selection", "clipboard"],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        check=True,
        timeout=5,
    ).stdout.decode("utf-8")


def no_system_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyperclip finds no mechanism, whatever this machine has (macOS always has pbcopy)."""
    monkeypatch.setattr(pyperclip, "determine_clipboard", pyperclip.init_no_clipboard)


def saved_files(home: Path) -> list[Path]:
    folder = home / "data" / "ir-console" / "status-updates"
    return sorted(folder.iterdir()) if folder.exists() else []


# -- the system clipboard, for real ---------------------------------------------------------------


@NEEDS_X
def test_copy_to_a_real_x_clipboard_reads_back_with_xclip(x_display: str, private_session: Path) -> None:
    sent: list[str] = []
    result = copy_text(TEXT, osc52=sent.append)
    assert result == CopyResult(system="xclip")
    assert result.message == "Copied to the system clipboard (xclip)." and result.severity == "information"
    assert x_clipboard(x_display) == TEXT
    assert sent == [] and saved_files(private_session) == []  # confirmed: no OSC 52, no file


@NEEDS_X
def test_over_ssh_the_system_clipboard_is_the_hosts_so_osc52_is_sent_too(
    x_display: str, monkeypatch: pytest.MonkeyPatch, private_session: Path
) -> None:
    monkeypatch.setenv("SSH_TTY", "/dev/pts/3")
    sent: list[str] = []
    result = copy_text(TEXT, osc52=sent.append)
    assert result == CopyResult(system="xclip", osc52=True)
    assert result.message == "Copied to the system clipboard (xclip) and sent to your terminal's clipboard (OSC 52)."
    assert sent == [TEXT] and x_clipboard(x_display) == TEXT and saved_files(private_session) == []


@NEEDS_X
def test_a_display_that_is_gone_is_not_taken_for_a_clipboard(
    x_display: str, monkeypatch: pytest.MonkeyPatch, private_session: Path
) -> None:
    monkeypatch.setenv("DISPLAY", ":31999")  # no such server: xclip fails, and says so only on its stderr
    result = copy_text(TEXT)
    assert result.system == "" and "xclip failed" in result.problem and "':31999'" in result.problem
    assert result.file is not None and result.file.read_text(encoding="utf-8") == TEXT


@NEEDS_X
async def test_the_composer_copies_to_a_real_x_clipboard(x_display, store, db_path, private_session) -> None:
    clock = Clock()
    store.clock = clock
    store.create_incident(
        "Checkout API returning 500s",
        Severity.SEV1,
        triage=Triage(affected="All card payments"),
        detected_at=NOW - timedelta(minutes=4),
        now=NOW - timedelta(minutes=3),
    )
    app = console(store, clock)
    async with run(app) as pilot:
        await pilot.pause()
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, StatusUpdateScreen), "the composer")
        text = app.screen.query_one("#preview").text
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: any("Copied to the system clipboard (xclip)." in t for t in toasts(app)), "the notification"
        )
        assert isinstance(app.screen, WarRoomScreen)
        assert one(db_path, "SELECT text FROM status_updates")["text"] == text
        assert x_clipboard(x_display) == text
        assert app.clipboard == ""  # a local, confirmed clipboard: no OSC 52
        assert saved_files(private_session) == []


@NEEDS_X
def test_cli_copy_uses_the_real_x_clipboard(x_display: str, store: Store, db_path: Path) -> None:
    incident = store.create_incident("Disk full on db-2", Severity.SEV3)
    result = CliRunner(env={"IR_CONSOLE_DB": str(db_path)}).invoke(main, ["update", incident.ref, "--copy"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "ir-console: Copied to the system clipboard (xclip).\n"
    assert x_clipboard(x_display) + "\n" == result.stdout


# -- OSC 52 -----------------------------------------------------------------------------------------


@pytest.fixture
def incident(store: Store) -> Incident:
    store.clock = Clock()
    return store.create_incident(
        "Checkout API returning 500s",
        Severity.SEV2,
        detected_at=NOW - timedelta(minutes=5),
        now=NOW - timedelta(minutes=4),
    )


async def send_from_the_composer(app, pilot) -> str:
    await pilot.pause()
    await pilot.press("u")
    await wait_until(pilot, lambda: isinstance(app.screen, StatusUpdateScreen), "the composer")
    text = app.screen.query_one("#preview").text
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the composer closed")
    return text


@pytest.mark.parametrize(
    ("variable", "value"), [("SSH_CONNECTION", "10.0.0.5 52144 10.0.0.9 22"), ("TMUX", "/tmp/tmux-1000/default,4242,0")]
)
async def test_osc52_over_ssh_or_tmux_with_the_file_as_a_net(
    store, db_path, incident, monkeypatch, private_session, variable, value
) -> None:
    no_system_clipboard(monkeypatch)
    monkeypatch.setenv(variable, value)
    app = console(store, Clock())
    async with run(app) as pilot:
        text = await send_from_the_composer(app, pilot)
        await wait_until(pilot, lambda: app.clipboard == text, "OSC 52")
        await wait_until(pilot, lambda: saved_files(private_session), "the file")
        [saved] = saved_files(private_session)
        assert saved.read_text(encoding="utf-8") == text
        await wait_until(
            pilot,
            lambda: any(
                "Sent to your terminal's clipboard (OSC 52); if it did not arrive, the text is in" in toast
                and saved.name in toast
                for toast in toasts(app)
            ),
            "the notification",
        )
        assert one(db_path, "SELECT text FROM status_updates")["text"] == text


# -- the file, when there is no clipboard -----------------------------------------------------------


async def test_no_clipboard_writes_a_private_file_and_names_it(
    store, db_path, incident, monkeypatch, private_session
) -> None:
    no_system_clipboard(monkeypatch)
    app = console(store, Clock())
    async with run(app) as pilot:
        text = await send_from_the_composer(app, pilot)
        await wait_until(pilot, lambda: saved_files(private_session), "the file")
        [saved] = saved_files(private_session)
        assert saved.read_text(encoding="utf-8") == text
        assert saved.stat().st_mode & 0o777 == 0o600 and saved.parent.stat().st_mode & 0o777 == 0o700
        assert saved.name.startswith(f"status-update-{incident.ref}-") and saved.suffix == ".md"
        await wait_until(
            pilot,
            lambda: any(
                "No clipboard here (" in toast and str(saved) in toast.replace("\n", "") for toast in toasts(app)
            ),
            "the notification naming the file",
        )
        assert app.clipboard == ""  # no OSC 52 to a terminal not known to take it


async def test_nowhere_to_put_it_is_an_error_and_the_update_stays_recorded(
    store, db_path, incident, monkeypatch, private_session
) -> None:
    no_system_clipboard(monkeypatch)
    blocked = private_session / "data"
    blocked.write_text("a file where the data folder should be")
    app = console(store, Clock())
    async with run(app) as pilot:
        text = await send_from_the_composer(app, pilot)
        await wait_until(
            pilot, lambda: any("Not copied: no system clipboard" in toast for toast in toasts(app)), "the error"
        )
        assert one(db_path, "SELECT text FROM status_updates")["text"] == text


def test_save_to_file_is_private_whatever_the_umask_and_never_overwrites(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "status-updates"
    moment = datetime(2026, 11, 27, 3, 14, 30, tzinfo=UTC)
    old_umask = os.umask(0)
    try:
        first = save_to_file("one", folder, now=moment)
        second = save_to_file("two", folder, now=moment, suffix=".txt")
        third = save_to_file("three", folder, now=moment, name="status-update-INC/../x")
    finally:
        os.umask(old_umask)
    assert first.name == "status-update-20261127T031430Z.md"
    assert second.name == "status-update-20261127T031430Z.txt"
    assert third.parent == folder and third.name == "status-update-INC_.._x-20261127T031430Z.md"
    again = save_to_file("four", folder, now=moment)
    assert again.name == "status-update-20261127T031430Z-2.md"
    assert [p.read_text() for p in (first, second, third, again)] == ["one", "two", "three", "four"]
    assert {p.stat().st_mode & 0o777 for p in (first, second, third, again)} == {0o600}
    assert folder.stat().st_mode & 0o777 == 0o700


# -- the decision, branch by branch -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "session"),
    [
        ({}, ""),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal"}, ""),
        ({"SSH_TTY": "/dev/pts/1"}, "SSH"),
        ({"SSH_CLIENT": "10.0.0.5 52144 22"}, "SSH"),
        ({"TMUX": "/tmp/tmux-0/default,1,0"}, "tmux"),
        ({"TERM_PROGRAM": "iTerm.app"}, "iTerm2"),
        ({"TERM_PROGRAM": "WezTerm"}, "WezTerm"),
        ({"TERM": "xterm-kitty"}, "kitty"),
        ({"TERM": "alacritty"}, "Alacritty"),
        ({"WT_SESSION": "5b1c"}, "Windows Terminal"),
    ],
)
def test_osc52_session(env: dict, session: str) -> None:
    assert osc52_session(env) == session


@pytest.mark.parametrize(
    ("env", "system", "osc52", "file"),
    [
        ({}, "xclip", False, False),
        ({"TMUX": "x"}, "xclip", False, False),  # local and confirmed: nothing else
        ({"SSH_TTY": "/dev/pts/1"}, "xclip", True, False),  # the host's clipboard is not the commander's
        ({}, "", False, True),
        ({"TMUX": "x"}, "", True, True),
        ({"SSH_CONNECTION": "a b c d"}, "", True, True),
    ],
)
def test_copy_policy(monkeypatch, tmp_path, env: dict, system: str, osc52: bool, file: bool) -> None:
    monkeypatch.setattr(clipboard, "system_copy", lambda text: (system, "" if system else "no clipboard program"))
    sent: list[str] = []
    result = copy_text(TEXT, osc52=sent.append, folder=tmp_path, env=env)
    assert (result.system, result.osc52, result.file is not None) == (system, osc52, file)
    assert sent == ([TEXT] if osc52 else [])
    assert result.severity == ("information" if system else "warning")
    # Without a way to send OSC 52 (the command line, stdout not a terminal) it is never claimed.
    assert not copy_text(TEXT, osc52=None, folder=tmp_path, env=env).osc52


def test_osc52_sequence_is_what_textual_writes() -> None:
    assert osc52_sequence("pwned") == "\x1b]52;c;cHduZWQ=\x07"


def fake_mechanism(name: str, paste_back=None):
    held: list[str] = []

    def copy(text: str) -> None:
        held.append(text)

    def paste() -> str:
        return paste_back if paste_back is not None else held[-1]

    copy.__name__, paste.__name__ = f"copy_{name}", f"paste_{name}"
    return lambda: (copy, paste)


def test_other_pyperclip_mechanisms_are_used_and_read_back(monkeypatch) -> None:
    monkeypatch.setattr(pyperclip, "determine_clipboard", fake_mechanism("osx_pbcopy"))
    assert system_copy(TEXT) == ("pbcopy", "")
    monkeypatch.setattr(pyperclip, "determine_clipboard", fake_mechanism("klipper", paste_back="something else"))
    assert system_copy(TEXT) == ("", "Klipper did not give the text back")


def test_no_mechanism_is_said_plainly(monkeypatch) -> None:
    no_system_clipboard(monkeypatch)
    system, problem = system_copy(TEXT)
    assert system == "" and "no clipboard program" in problem and "DISPLAY" in problem


def test_a_clipboard_that_hangs_is_given_up_on(monkeypatch) -> None:
    def slow(text: str) -> None:
        time.sleep(3)

    slow.__name__ = "copy_qt"
    monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: (slow, lambda: ""))
    started = time.monotonic()
    assert system_copy(TEXT, timeout=0.2) == ("", "the system clipboard did not answer within 0.2 s")
    assert time.monotonic() - started < 2


def test_a_clipboard_that_raises_is_reported_not_raised(monkeypatch) -> None:
    def broken(text: str) -> None:
        raise pyperclip.PyperclipException("Error calling OpenClipboard\nmore detail")

    broken.__name__ = "copy_qt"
    monkeypatch.setattr(pyperclip, "determine_clipboard", lambda: (broken, lambda: ""))
    assert system_copy(TEXT) == ("", "Error calling OpenClipboard")


def test_a_selection_read_back_too_early_is_read_again(monkeypatch) -> None:
    """On a loaded machine xclip's first read can come before the copy has taken the selection
    (exit status 1, or the text it held before): read again before calling the copy failed."""
    import subprocess

    monkeypatch.setattr(pyperclip, "determine_clipboard", fake_mechanism("xclip"))
    reads: list[str] = []

    def run(command, **options):
        if "-out" not in command:
            return subprocess.CompletedProcess(command, 0, b"", b"")
        reads.append("read")
        if len(reads) == 1:
            raise subprocess.CalledProcessError(1, command)
        stdout = b"what the clipboard held before" if len(reads) == 2 else TEXT.encode()
        return subprocess.CompletedProcess(command, 0, stdout, b"")

    monkeypatch.setattr("ir_console.clipboard.subprocess.run", run)
    assert system_copy(TEXT) == ("xclip", "")
    assert len(reads) == 3

    # A clipboard that never gives the text back is still said to have failed, after a few reads.
    reads.clear()
    monkeypatch.setattr(
        "ir_console.clipboard.subprocess.run",
        lambda command, **options: subprocess.CompletedProcess(command, 0, b"other", b""),
    )
    assert system_copy(TEXT) == ("", "xclip did not give the text back")
